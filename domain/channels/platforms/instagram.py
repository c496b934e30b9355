"""Instagram webhooks (object `instagram`): comments, @mentions and Direct messages."""

from domain.channels.platforms.meta import (
    entry_account_ids,
    load_entries,
    messaging_dedupe_key,
    parse_messaging_item,
)
from domain.channels.platforms.parsing import Node, ResultBuilder, text_or_none, unique
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MentionKind,
    NormalizedMention,
    ParseResult,
)

PLATFORM = "instagram"
_OBJECT = "instagram"
_COMMENT_FIELDS = frozenset({"comments", "live_comments"})


def parse(body: bytes) -> ParseResult:
    """Every comment, @mention notice and DM event in a (possibly batched) body.

    Mention notices carry no text and no author (Instagram sends ids only); they come out
    with `text` and `author` None and ``extra["fetch"]`` naming the Graph field to read.
    Instagram sends no webhook for comment edits, hides or deletions.
    """
    builder = ResultBuilder()
    for entry in load_entries(body, platform=PLATFORM, expected_object=_OBJECT):
        account_id = entry.id("id")
        for change in entry.objs("changes"):
            field = change.string("field")
            if field in _COMMENT_FIELDS:
                builder.add(_comment(account_id, entry, change.obj("value"), field))
            elif field == "mentions":
                builder.add(_mention(account_id, entry, change.obj("value")))
            else:
                builder.ignore(f"instagram field {field}")
        for item in entry.objs("messaging"):
            parse_messaging_item(account_id, item, platform=PLATFORM, builder=builder)
    return builder.result()


def account_ids(body: bytes) -> tuple[str, ...]:
    """The IG account ids of the body's entries; one delivery may carry several accounts."""
    return entry_account_ids(body, platform=PLATFORM, expected_object=_OBJECT)


def dedupe_keys(body: bytes) -> tuple[str, ...]:
    """``ig:comment:<id>``, ``ig:mention:comment:<id>`` / ``ig:mention:media:<id>``,
    ``ig:dm:<mid>`` (``...:edit:<n>``, ``...:deleted``)."""
    keys: list[str] = []
    for entry in load_entries(body, platform=PLATFORM, expected_object=_OBJECT):
        for change in entry.objs("changes"):
            field = change.string("field")
            value = change.obj("value")
            if field in _COMMENT_FIELDS:
                keys.append(f"ig:comment:{_comment_id(value)}")
            elif field == "mentions":
                comment_id = value.id_or_none("comment_id")
                if comment_id is not None:
                    keys.append(f"ig:mention:comment:{comment_id}")
                else:
                    keys.append(f"ig:mention:media:{value.id('media_id')}")
        for item in entry.objs("messaging"):
            key = messaging_dedupe_key(item, prefix="ig:dm")
            if key is not None:
                keys.append(key)
    return unique(keys)


def _comment_id(value: Node) -> str:
    # The reference and captures use `id`; the examples page shows `comment_id`.
    return value.id_or_none("id") or value.id("comment_id")


def _comment(account_id: str, entry: Node, value: Node, field: str) -> NormalizedMention:
    sender = value.obj("from")
    author_id = sender.id("id")
    media = value.obj_or_none("media")
    media_id = media.id("id") if media is not None else value.id_or_none("media_id")
    parent_id = value.id_or_none("parent_id")
    extra: dict[str, str] = {}
    product_type = None if media is None else media.string_or_none("media_product_type")
    if product_type is not None:
        extra["media_product_type"] = product_type
    return NormalizedMention(
        platform=PLATFORM,
        account_id=account_id,
        action=EventAction.CREATED,
        kind=MentionKind.REPLY if parent_id else MentionKind.COMMENT,
        external_id=_comment_id(value),
        parent_external_id=parent_id or media_id,
        root_external_id=media_id,
        author=Author(
            platform_user_id=author_id,
            handle=sender.string_or_none("username"),
            display_name=None,
        ),
        text=text_or_none(value.string_or_none("text")),
        # Comment values carry no timestamp of their own; `entry.time` is the best there is.
        posted_at=entry.epoch("time"),
        is_from_brand=author_id == account_id,
        raw_kind=field,
        extra=extra,
    )


def _mention(account_id: str, entry: Node, value: Node) -> NormalizedMention:
    media_id = value.id("media_id")
    comment_id = value.id_or_none("comment_id")
    if comment_id is None:
        return NormalizedMention(
            platform=PLATFORM,
            account_id=account_id,
            action=EventAction.CREATED,
            kind=MentionKind.POST,
            external_id=media_id,
            posted_at=entry.epoch("time"),
            raw_kind="mentions",
            extra={"fetch": "mentioned_media"},
        )
    return NormalizedMention(
        platform=PLATFORM,
        account_id=account_id,
        action=EventAction.CREATED,
        kind=MentionKind.COMMENT,
        external_id=comment_id,
        parent_external_id=media_id,
        root_external_id=media_id,
        posted_at=entry.epoch("time"),
        raw_kind="mentions",
        extra={"fetch": "mentioned_comment", "media_id": media_id},
    )
