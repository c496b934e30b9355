"""Parley's own webhook format, for custom sources (a shop's review feed, a forum, a CRM).

A body is either one event object or ``{"events": [event, ...]}`` (at most
`MAX_EVENTS`). An event::

    {
      "id": "review-981",                 # required: the item's stable id at the source
      "kind": "review",                   # required: post | comment | reply | dm | review
      "action": "created",                # created (default) | edited | deleted | hidden | unhidden
      "text": "Parcel arrived broken",
      "author": {"id": "u-17", "handle": "anna_k", "name": "Anna K."},
      "posted_at": "2026-11-30T09:15:00Z",  # ISO 8601 with offset, or epoch s/ms
      "parent_id": "post-12",             # what it answers, if anything
      "root_id": "post-12",               # the thread root, if anything
      "permalink": "https://shop.example/reviews/981",
      "media": ["image"],                 # media types attached, if any
      "from_brand": false,                # true for the brand's own messages
      "account_id": "shop-eu"             # optional: the source's account, kept for reference
    }

The channel is the one whose URL received the body, so `account_id` does not
route. Redeliveries are recognised by (id, action, posted_at).
"""

from datetime import datetime

from domain.channels.platforms.parsing import Node, ResultBuilder, load_object, text_or_none
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MentionKind,
    NormalizedMention,
    ParseResult,
)

PLATFORM = "generic"
#: The account id of events that name none.
DEFAULT_ACCOUNT_ID = "generic"
#: Events per body; larger batches must be split by the sender.
MAX_EVENTS = 1000


def parse(body: bytes) -> ParseResult:
    """The mentions of a generic webhook body; `MalformedPayload` names the bad path."""
    builder = ResultBuilder()
    for event in _events(body):
        builder.add(_mention(event))
    return builder.result()


def account_ids(body: bytes) -> tuple[str, ...]:
    """The account ids the events name (routing does not use them)."""
    return tuple(dict.fromkeys(_account(event) for event in _events(body)))


def dedupe_keys(body: bytes) -> tuple[str, ...]:
    """One key per event: a redelivery repeats them, an edit has a new time or action."""
    keys = []
    for event in _events(body):
        posted_at = _time(event)
        stamp = posted_at.isoformat() if posted_at is not None else ""
        keys.append(f"{PLATFORM}:{event.id('id')}:{_action(event).value}:{stamp}")
    return tuple(dict.fromkeys(keys))


def _events(body: bytes) -> tuple[Node, ...]:
    root = load_object(body, platform=PLATFORM)
    if "events" not in root.data:
        return (root,)
    events = root.objs("events")
    if not events:
        raise root.error("events", "expected at least one event")
    if len(events) > MAX_EVENTS:
        raise root.error("events", f"at most {MAX_EVENTS} events per body, got {len(events)}")
    return events


def _mention(event: Node) -> NormalizedMention:
    author = event.obj_or_none("author")
    return NormalizedMention(
        platform=PLATFORM,
        account_id=_account(event),
        action=_action(event),
        kind=_kind(event),
        external_id=event.id("id"),
        raw_kind=event.string("kind"),
        posted_at=_time(event),
        author=_author(author) if author is not None else None,
        text=text_or_none(event.string_or_none("text")),
        parent_external_id=event.id_or_none("parent_id"),
        root_external_id=event.id_or_none("root_id"),
        has_media=bool(_media(event)),
        media_types=_media(event),
        permalink=event.string_or_none("permalink"),
        is_from_brand=event.flag("from_brand"),
    )


def _account(event: Node) -> str:
    return event.id_or_none("account_id") or DEFAULT_ACCOUNT_ID


def _kind(event: Node) -> MentionKind:
    raw = event.string("kind")
    try:
        return MentionKind(raw)
    except ValueError:
        allowed = ", ".join(kind.value for kind in MentionKind)
        raise event.error("kind", f"expected one of {allowed}, got {raw!r}") from None


def _action(event: Node) -> EventAction:
    raw = event.string_or_none("action") or EventAction.CREATED.value
    try:
        return EventAction(raw)
    except ValueError:
        allowed = ", ".join(action.value for action in EventAction)
        raise event.error("action", f"expected one of {allowed}, got {raw!r}") from None


def _author(author: Node) -> Author:
    return Author(
        platform_user_id=author.id_or_none("id"),
        handle=author.string_or_none("handle"),
        display_name=author.string_or_none("name"),
    )


def _time(event: Node) -> datetime | None:
    value = event.data.get("posted_at")
    if value is None or isinstance(value, int):
        return event.epoch_or_none("posted_at")
    text = event.string("posted_at")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise event.error("posted_at", f"expected ISO 8601 or epoch, got {text!r}") from None
    if parsed.tzinfo is None:
        raise event.error("posted_at", "expected a time with a UTC offset")
    return parsed


def _media(event: Node) -> tuple[str, ...]:
    value = event.data.get("media")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise event.error("media", "expected an array of strings")
    return tuple(value)
