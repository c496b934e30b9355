"""Pure rules of mentions: how an event changes a stored mention, in any arrival order.

Platforms retry, batch and reorder: an edit can arrive before its create, a hide after the
unhide that undid it. Each event carries the platform's time for what it describes, so the
stored row keeps the newest state whatever the order, and the text of every version it saw.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from hashlib import sha256
from types import MappingProxyType

from domain.channels.platforms.types import EventAction, MentionKind, NormalizedMention


@dataclass(frozen=True, slots=True, order=True)
class TextVersion:
    """A text the content had, and the time from which it had it."""

    at: datetime
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MentionState:
    """The content of one stored mention, as the rules see it (no ids, no tenancy)."""

    kind: str
    is_from_brand: bool
    parent_external_id: str | None
    root_external_id: str | None
    author_platform_id: str | None
    author_handle: str | None
    author_name: str | None
    text: str
    text_history: tuple[TextVersion, ...] = ()
    has_media: bool = False
    media_types: tuple[str, ...] = ()
    permalink: str | None = None
    posted_at: datetime | None = None
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    hidden_at: datetime | None = None
    moderated_at: datetime | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    version: int = 1

    @property
    def content_at(self) -> datetime | None:
        """Since when the current text is the content's text (None: no version seen yet)."""
        return self.edited_at or self.posted_at


class Effect(StrEnum):
    """What an applied event did to a stored mention, as the inbox names it."""

    EDITED = "edited"
    DELETED = "deleted"
    HIDDEN = "hidden"
    UNHIDDEN = "unhidden"
    RESTORED = "restored"


@dataclass(frozen=True, slots=True)
class Applied:
    """The state after one event, whether anything changed, and what the inbox should hear."""

    state: MentionState
    changed: bool
    effects: frozenset[Effect] = frozenset()


def change_time(
    mention: NormalizedMention, *, received_at: datetime, created_at: datetime | None
) -> datetime:
    """The time an event is ordered by.

    The platform's own time where it gives one; the time the event was received where it
    gives none (deletion notices) or only repeats the content's creation time on a later
    action (VK edits and restores carry the original `date`).
    """
    platform_time = mention.posted_at
    if platform_time is None:
        return received_at
    if mention.action is not EventAction.CREATED and platform_time == created_at:
        return received_at
    return platform_time


def initial_state(mention: NormalizedMention, *, at: datetime) -> MentionState:
    """The stored state when `mention` is the first event seen about its content.

    A create gives the full content; an edit first gives its text as the current version
    (its time stands in for the creation time until the create arrives); a deletion or
    moderation notice gives a row that only records that fact, to be filled in later.
    """
    author = mention.author
    action = mention.action
    has_version = action in (EventAction.CREATED, EventAction.EDITED)
    return MentionState(
        kind=mention.kind.value,
        is_from_brand=mention.is_from_brand,
        parent_external_id=mention.parent_external_id,
        root_external_id=mention.root_external_id,
        author_platform_id=None if author is None else author.platform_user_id,
        author_handle=None if author is None else author.handle,
        author_name=None if author is None else author.display_name,
        text=mention.text or "",
        has_media=mention.has_media,
        media_types=mention.media_types,
        permalink=mention.permalink,
        posted_at=at if has_version else None,
        edited_at=at if action is EventAction.EDITED else None,
        deleted_at=at if action is EventAction.DELETED else None,
        hidden_at=at if action is EventAction.HIDDEN else None,
        moderated_at=at if action in (EventAction.HIDDEN, EventAction.UNHIDDEN) else None,
        extra=_frozen(mention.extra),
    )


def apply_change(state: MentionState, mention: NormalizedMention, *, at: datetime) -> Applied:
    """`state` after the event `mention` ordered at `at` (see `change_time`).

    Rules:
    * text: a version newer than the current one replaces it and the old text goes to
      `text_history` with its time; an older version only joins the history; the same
      version again changes nothing. At equal times an edit wins over a create, and
      later-arriving edits win (the platform gave nothing better to order them by).
    * the earliest creation time seen is `posted_at`.
    * a deletion is final and keeps the text; only a restore newer than it clears it.
    * hide and unhide are ordered by `moderated_at`: a late one never undoes a newer one.
    * content facts (kind, author, thread links, media, permalink, `extra`) come from the
      newest version; older or partial events (deletions, moderation) only fill gaps.
    `version` grows by one when anything changed.
    """
    action = mention.action
    effects: set[Effect] = set()
    if action in (EventAction.CREATED, EventAction.EDITED):
        updated = _apply_version(state, mention, at, effects)
    elif action is EventAction.DELETED:
        updated = _fill(state, mention, authoritative=False)
        if updated.deleted_at is None:
            updated = replace(updated, deleted_at=at)
            effects.add(Effect.DELETED)
    elif action is EventAction.HIDDEN:
        updated = _fill(state, mention, authoritative=False)
        is_newest = updated.moderated_at is None or at >= updated.moderated_at
        if is_newest and updated.hidden_at is None:
            updated = replace(updated, hidden_at=at, moderated_at=at)
            effects.add(Effect.HIDDEN)
    else:
        updated = _fill(state, mention, authoritative=False)
        if updated.moderated_at is None or at > updated.moderated_at:
            updated = replace(updated, moderated_at=at)
            if updated.hidden_at is not None:
                updated = replace(updated, hidden_at=None)
                effects.add(Effect.UNHIDDEN)
            if updated.deleted_at is not None and at > updated.deleted_at:
                updated = replace(updated, deleted_at=None)
                effects.add(Effect.RESTORED)
    changed = updated != state
    if changed:
        updated = replace(updated, version=state.version + 1)
    return Applied(state=updated, changed=changed, effects=frozenset(effects))


def _apply_version(
    state: MentionState, mention: NormalizedMention, at: datetime, effects: set[Effect]
) -> MentionState:
    text = mention.text or ""
    is_edit = mention.action is EventAction.EDITED
    current_at = state.content_at
    if current_at is None:
        # Only deletion or moderation notices were seen: this is the first real version.
        newest = True
    elif at != current_at:
        newest = at > current_at
    else:
        newest = is_edit and text != state.text
    updated = _fill(state, mention, authoritative=newest or current_at is None)
    if mention.action is EventAction.CREATED and (
        updated.posted_at is None or at < updated.posted_at
    ):
        updated = replace(updated, posted_at=at)
    if current_at is None:
        updated = replace(
            updated,
            text=text or state.text,
            edited_at=at if is_edit else updated.edited_at,
        )
    elif newest and text != state.text:
        updated = replace(
            updated,
            text=text,
            text_history=_with_version(state.text_history, TextVersion(current_at, state.text)),
            edited_at=at,
        )
        effects.add(Effect.EDITED)
    elif not newest and text != state.text:
        updated = replace(
            updated, text_history=_with_version(updated.text_history, TextVersion(at, text))
        )
    return updated


def _with_version(
    history: tuple[TextVersion, ...], version: TextVersion
) -> tuple[TextVersion, ...]:
    if version in history:
        return history
    return tuple(sorted((*history, version)))


def _fill(state: MentionState, mention: NormalizedMention, *, authoritative: bool) -> MentionState:
    """Content facts from `mention`: all of them when it is the newest version, else gaps."""
    author = mention.author

    def pick(current: str | None, offered: str | None) -> str | None:
        if offered is None:
            return current
        return offered if authoritative or current is None else current

    extra = dict(state.extra)
    for key, value in mention.extra.items():
        if authoritative or key not in extra:
            extra[key] = value
    has_author = author is not None
    return replace(
        state,
        kind=mention.kind.value if authoritative and has_author else state.kind,
        is_from_brand=mention.is_from_brand
        if authoritative and has_author
        else state.is_from_brand,
        parent_external_id=pick(state.parent_external_id, mention.parent_external_id),
        root_external_id=pick(state.root_external_id, mention.root_external_id),
        author_platform_id=pick(
            state.author_platform_id, None if author is None else author.platform_user_id
        ),
        author_handle=pick(state.author_handle, None if author is None else author.handle),
        author_name=pick(state.author_name, None if author is None else author.display_name),
        text=state.text or (mention.text or ""),
        has_media=state.has_media or mention.has_media,
        media_types=(
            mention.media_types
            if mention.media_types and (authoritative or not state.media_types)
            else state.media_types
        ),
        permalink=pick(state.permalink, mention.permalink),
        extra=_frozen(extra),
    )


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


def resolve_root(
    *,
    external_id: str,
    root_external_id: str | None,
    parent_external_id: str | None,
    parent_root: str | None,
    parent_is_known: bool,
) -> str | None:
    """The thread root of a mention, reconstructed where the platform names only the parent.

    The platform's root wins; a mention without parent is a root itself (None); otherwise
    the parent's root, or the parent itself when the parent is a root or not yet known.
    """
    if root_external_id is not None:
        return root_external_id
    if parent_external_id is None or parent_external_id == external_id:
        return None
    if parent_is_known and parent_root is not None:
        return parent_root
    return parent_external_id


#: Where a platform's external id ends with the part listening-tool URLs name.
_TRAILING_ID_SEPARATORS = {"facebook": "_", "telegram": ":"}


def object_key(
    *, platform: str, kind: str, external_id: str, extra: Mapping[str, str]
) -> str | None:
    """The id a listening-tool export names this content by, for cross-source dedupe.

    Exports address public content by URL; `domain.channels.platforms.export` reads the
    platform object id from it (``extra["source_object_id"]``). That id is the trailing
    part of Facebook comment ids (``<post>_<comment>``) and Telegram message keys
    (``<chat>:<message>``), the latest version id of an edited Tweet, and the external id
    itself elsewhere. DMs never appear in exports (None). An export row is keyed by the
    object it names, or by its canonical URL when it names none, so syndicated copies of
    one page are one mention.
    """
    if kind == MentionKind.DM.value:
        return None
    if platform == "export":
        source_object_id = extra.get("source_object_id")
        if source_object_id:
            return f"{extra.get('source', '')}:{source_object_id}"
        url = extra.get("canonical_url")
        if not url:
            return None
        return "url:" + sha256(url.encode("utf-8")).hexdigest()
    if platform == "x":
        return extra.get("version_id") or external_id
    separator = _TRAILING_ID_SEPARATORS.get(platform)
    if separator is not None:
        return external_id.rpartition(separator)[2]
    return external_id
