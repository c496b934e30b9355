"""What Facebook Pages and Instagram webhooks share: the envelope and Messenger-style DMs.

Both arrive as ``{"object": ..., "entry": [...]}`` at the same callback URL; `entry[].id`
is the Page or IG account the entry belongs to, so routing is per entry, not per request.
"""

from datetime import datetime

from domain.channels.platforms.parsing import (
    Node,
    ResultBuilder,
    decode_json,
    text_or_none,
    unique,
)
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MalformedPayload,
    MentionKind,
    NormalizedMention,
)

_OBJECT_PLATFORMS = {"page": "facebook", "instagram": "instagram"}
# Keys of a messaging item that describe the envelope, not the event.
_MESSAGING_ENVELOPE = frozenset({"sender", "recipient", "timestamp"})


def meta_platform(body: bytes) -> str:
    """The platform of a Meta body, "facebook" or "instagram", read from its `object`.

    For a callback URL that both products deliver to. Raises `MalformedPayload` for an
    unreadable body or another `object`.
    """
    documents = _documents(body, platform="meta")
    objects = {doc.string_or_none("object") for doc in documents}
    if len(objects) != 1:
        raise MalformedPayload("meta payload: expected exactly one `object` value")
    found = objects.pop()
    if found not in _OBJECT_PLATFORMS:
        raise MalformedPayload(f"meta payload: object: unsupported value {found!r}")
    return _OBJECT_PLATFORMS[found]


def _documents(body: bytes, *, platform: str) -> tuple[Node, ...]:
    value = decode_json(body, platform=platform)
    # The docs print examples wrapped in [...]; real bodies are one object. Accept both.
    if isinstance(value, list):
        return tuple(
            Node.wrap(item, path=f"[{index}]", platform=platform)
            for index, item in enumerate(value)
        )
    return (Node.wrap(value, path="", platform=platform),)


def load_entries(body: bytes, *, platform: str, expected_object: str) -> tuple[Node, ...]:
    """Every `entry[]` of the body, after checking `object` names the expected product."""
    entries: list[Node] = []
    for document in _documents(body, platform=platform):
        found = document.string_or_none("object")
        if found is not None and found != expected_object:
            raise document.error("object", f"is {found!r}, expected {expected_object!r}")
        if not document.has("entry"):
            raise document.error("entry", "missing")
        entries.extend(document.objs("entry"))
    return tuple(entries)


def entry_account_ids(body: bytes, *, platform: str, expected_object: str) -> tuple[str, ...]:
    """The distinct `entry[].id` values (Page / IG account ids), in order of appearance."""
    entries = load_entries(body, platform=platform, expected_object=expected_object)
    return unique(entry.id("id") for entry in entries)


def parse_messaging_item(
    account_id: str, item: Node, *, platform: str, builder: ResultBuilder
) -> None:
    """Adds the DM mention of one `entry[].messaging[]` item, or records why it was skipped.

    Handles new messages (text and/or attachments), echoes of the account's own messages,
    `message_edit` and Instagram's unsend (`is_deleted`). Delivery/read receipts, postbacks,
    reactions and the like are skipped.
    """
    sender_id = item.obj("sender").id("id")
    recipient_id = item.obj("recipient").id("id")
    timestamp = item.epoch_or_none("timestamp")
    edit = item.obj_or_none("message_edit")
    message = item.obj_or_none("message")
    if edit is not None:
        builder.add(
            _dm(
                account_id,
                sender_id,
                recipient_id,
                timestamp,
                platform=platform,
                action=EventAction.EDITED,
                mid=edit.id("mid"),
                text=text_or_none(edit.string_or_none("text")),
                is_echo=False,
                raw_kind="messaging/message_edit",
                extra={"num_edit": str(edit.integer_or_none("num_edit") or 0)},
            )
        )
        return
    if message is None:
        event = next(
            (key for key in item.field_names() if key not in _MESSAGING_ENVELOPE), "unknown"
        )
        builder.ignore(f"{platform} messaging {event}")
        return
    deleted = message.flag("is_deleted")
    reply_to = message.obj_or_none("reply_to")
    builder.add(
        _dm(
            account_id,
            sender_id,
            recipient_id,
            timestamp,
            platform=platform,
            action=EventAction.DELETED if deleted else EventAction.CREATED,
            mid=message.id("mid"),
            text=text_or_none(message.string_or_none("text")),
            is_echo=message.flag("is_echo"),
            raw_kind="messaging/message",
            media_types=tuple(a.string("type") for a in message.objs("attachments")),
            parent=None if reply_to is None else reply_to.id_or_none("mid"),
        )
    )


def _dm(
    account_id: str,
    sender_id: str,
    recipient_id: str,
    timestamp: datetime | None,
    *,
    platform: str,
    action: EventAction,
    mid: str,
    text: str | None,
    is_echo: bool,
    raw_kind: str,
    media_types: tuple[str, ...] = (),
    parent: str | None = None,
    extra: dict[str, str] | None = None,
) -> NormalizedMention:
    from_brand = is_echo or sender_id == account_id
    customer_id = recipient_id if from_brand else sender_id
    return NormalizedMention(
        platform=platform,
        account_id=account_id,
        action=action,
        kind=MentionKind.DM,
        external_id=mid,
        parent_external_id=parent,
        # One conversation per (account, customer): PSIDs/IGSIDs are account-scoped.
        root_external_id=f"{account_id}:{customer_id}",
        author=Author(platform_user_id=sender_id, handle=None, display_name=None),
        text=text,
        has_media=bool(media_types),
        media_types=media_types,
        posted_at=timestamp,
        is_from_brand=from_brand,
        raw_kind=raw_kind,
        extra=extra or {},
    )


def messaging_dedupe_key(item: Node, *, prefix: str) -> str | None:
    """`<prefix>:<mid>`, `...:edit:<num_edit>` or `...:deleted`; None for receipts and such."""
    edit = item.obj_or_none("message_edit")
    if edit is not None:
        return f"{prefix}:{edit.id('mid')}:edit:{edit.integer_or_none('num_edit') or 0}"
    message = item.obj_or_none("message")
    if message is None:
        return None
    mid = message.id("mid")
    return f"{prefix}:{mid}:deleted" if message.flag("is_deleted") else f"{prefix}:{mid}"
