"""The normalised shape every platform parser returns."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType


class MalformedPayload(ValueError):
    """A body that cannot be read as the platform's payload.

    The message names the platform and the path of the offending value, e.g.
    ``facebook payload: entry[0].changes[1].value.comment_id: missing``.
    """


class MentionKind(StrEnum):
    POST = "post"
    COMMENT = "comment"
    REPLY = "reply"
    DM = "dm"
    REVIEW = "review"


class EventAction(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    DELETED = "deleted"
    HIDDEN = "hidden"
    UNHIDDEN = "unhidden"


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote the content.

    `platform_user_id` is None only where the source exposes no stable id
    (listening exports). Ids are platform-scoped: a Facebook feed id and a
    Messenger PSID of the same person differ.
    """

    platform_user_id: str | None
    handle: str | None
    display_name: str | None


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalizedMention:
    """One event about one piece of content, in platform-neutral terms.

    Contract:
    * `account_id` is the brand surface the event belongs to (Page, IG account,
      X user, VK group, Telegram channel/group/business connection) and is what
      tenant routing keys on.
    * `external_id` is the content's stable id across edits (X edits mint new
      Tweet ids; the initial id is kept here and the version id in
      ``extra["version_id"]``).
    * `parent_external_id` is what this replies to; `root_external_id` is the
      thread root (the post for comments, the conversation for DMs); both are
      None when unknown or when the item is itself a root.
    * `author` is None when the event does not say who wrote the content (IG
      mention notices, deletions, moderation events whose `from` is the actor).
    * `posted_at` is the platform's time for this version of the content: the
      creation time, or the edit/delete/hide time where the platform gives one.
      It is None only for deletion notices that carry no time at all.
    * `is_from_brand` is True when the brand itself wrote the content (agent
      replies echoed back, channel posts): such items must not open tickets.
    """

    platform: str
    account_id: str
    action: EventAction
    kind: MentionKind
    external_id: str
    raw_kind: str
    posted_at: datetime | None
    author: Author | None = None
    text: str | None = None
    parent_external_id: str | None = None
    root_external_id: str | None = None
    has_media: bool = False
    media_types: tuple[str, ...] = ()
    permalink: str | None = None
    is_from_brand: bool = False
    # Left out of the hash (a mapping is unhashable) so mentions can go in sets.
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.posted_at is not None and self.posted_at.tzinfo is None:
            raise ValueError("posted_at must be timezone-aware")
        # A read-only copy keeps the frozen promise for the mapping too.
        object.__setattr__(self, "extra", _frozen(self.extra))


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What one body yielded: mentions in payload order, and what was skipped and why."""

    mentions: tuple[NormalizedMention, ...] = ()
    ignored: tuple[str, ...] = ()
