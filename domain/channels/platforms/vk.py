"""VK Callback API events (and Bots Long Poll batches, which carry the same objects).

`group_id` is the community the event belongs to; its wall's `owner_id` is ``-group_id``,
so ``from_id == -group_id`` means the community itself wrote the content.
"""

from domain.channels.platforms.parsing import Node, ResultBuilder, load_object, text_or_none, unique
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MentionKind,
    NormalizedMention,
    ParseResult,
)

PLATFORM = "vk"
CONFIRMATION = "confirmation"

_COMMENT_ACTIONS = {
    "wall_reply_new": EventAction.CREATED,
    "wall_reply_edit": EventAction.EDITED,
    # A restored comment is visible again: the closest neutral action is "unhidden".
    "wall_reply_restore": EventAction.UNHIDDEN,
}
_MESSAGE_EVENTS = frozenset({"message_new", "message_reply", "message_edit"})


def parse(body: bytes) -> ParseResult:
    """Mentions for wall posts, wall comments (new/edit/restore/delete) and messages.

    `confirmation` yields no mention (the receiver answers it with the confirmation string,
    see `signatures.is_vk_confirmation`); other event types are recorded in `ignored`.
    """
    builder = ResultBuilder()
    for event in _events(load_object(body, platform=PLATFORM)):
        event_type = event.string("type")
        group_id = event.id("group_id")
        if event_type == CONFIRMATION:
            builder.ignore("vk confirmation")
        elif event_type == "wall_post_new":
            builder.add(_wall_post(group_id, event.obj("object")))
        elif event_type in _COMMENT_ACTIONS:
            builder.add(_comment(group_id, event_type, event.obj("object")))
        elif event_type == "wall_reply_delete":
            builder.add(_comment_delete(group_id, event.obj("object")))
        elif event_type in _MESSAGE_EVENTS:
            builder.add(_message(group_id, event_type, event.obj("object")))
        else:
            builder.ignore(f"vk {event_type}")
    return builder.result()


def account_ids(body: bytes) -> tuple[str, ...]:
    """The community ids (`group_id`) of the body's events."""
    return unique(event.id("group_id") for event in _events(load_object(body, platform=PLATFORM)))


def dedupe_keys(body: bytes) -> tuple[str, ...]:
    """``vk:<group>:event:<event_id>`` (VK: "if it passed twice or more, ignore it") plus a
    content key: ``vk:wall:<owner>_<id>``, ``vk:comment:<owner>_<id>`` (deletions
    ``...:deleted``), ``vk:msg:<group>:<id>``. Edits and restores have no content key:
    VK gives them no time of their own, so `event_id` alone tells them apart. A Long Poll
    batch yields event keys only, and a confirmation none.
    """
    root = load_object(body, platform=PLATFORM)
    is_batch = root.has("updates")
    keys: list[str] = []
    for event in _events(root):
        event_type = event.string("type")
        if event_type == CONFIRMATION:
            continue
        group_id = event.id("group_id")
        event_id = event.id_or_none("event_id")
        if event_id is not None:
            keys.append(f"vk:{group_id}:event:{event_id}")
        if is_batch:
            continue
        content_key = _content_key(group_id, event_type, event)
        if content_key is not None:
            keys.append(content_key)
    return unique(keys)


def _content_key(group_id: str, event_type: str, event: Node) -> str | None:
    if event_type == "wall_post_new":
        post = event.obj("object")
        return f"vk:wall:{post.id('owner_id')}_{post.id('id')}"
    if event_type == "wall_reply_new":
        comment = event.obj("object")
        return f"vk:comment:{comment.id('owner_id')}_{comment.id('id')}"
    if event_type == "wall_reply_delete":
        comment = event.obj("object")
        return f"vk:comment:{comment.id('owner_id')}_{comment.id('id')}:deleted"
    if event_type in ("message_new", "message_reply"):
        return f"vk:msg:{group_id}:{_message_node(event.obj('object')).id('id')}"
    return None


def _events(root: Node) -> tuple[Node, ...]:
    return root.objs("updates") if root.has("updates") else (root,)


def _author(from_id: str) -> Author:
    return Author(platform_user_id=from_id, handle=None, display_name=None)


def _media(content: Node) -> tuple[str, ...]:
    return tuple(attachment.string("type") for attachment in content.objs("attachments"))


def _wall_post(group_id: str, post: Node) -> NormalizedMention:
    owner_id = post.id("owner_id")
    post_id = post.id("id")
    from_id = post.id("from_id")
    media = _media(post)
    post_type = post.string_or_none("post_type")
    return NormalizedMention(
        platform=PLATFORM,
        account_id=group_id,
        action=EventAction.CREATED,
        kind=MentionKind.POST,
        external_id=f"{owner_id}_{post_id}",
        author=_author(from_id),
        text=text_or_none(post.string_or_none("text")),
        has_media=bool(media),
        media_types=media,
        posted_at=post.epoch("date"),
        permalink=f"https://vk.com/wall{owner_id}_{post_id}",
        is_from_brand=from_id == f"-{group_id}",
        raw_kind="wall_post_new",
        extra={} if post_type is None else {"post_type": post_type},
    )


def _comment(group_id: str, event_type: str, comment: Node) -> NormalizedMention:
    owner_id = comment.id("owner_id")
    comment_id = comment.id("id")
    post_owner_id = comment.id_or_none("post_owner_id") or owner_id
    post_id = comment.id("post_id")
    post_key = f"{post_owner_id}_{post_id}"
    reply_to = comment.id_or_none("reply_to_comment")
    from_id = comment.id("from_id")
    media = _media(comment)
    return NormalizedMention(
        platform=PLATFORM,
        account_id=group_id,
        action=_COMMENT_ACTIONS[event_type],
        kind=MentionKind.REPLY if reply_to else MentionKind.COMMENT,
        external_id=f"{owner_id}_{comment_id}",
        parent_external_id=f"{owner_id}_{reply_to}" if reply_to else post_key,
        root_external_id=post_key,
        author=_author(from_id),
        text=text_or_none(comment.string_or_none("text")),
        has_media=bool(media),
        media_types=media,
        # Edits keep the original `date`: VK sends no edit time.
        posted_at=comment.epoch("date"),
        permalink=f"https://vk.com/wall{post_key}?reply={comment_id}",
        is_from_brand=from_id == f"-{group_id}",
        raw_kind=event_type,
    )


def _comment_delete(group_id: str, deleted: Node) -> NormalizedMention:
    owner_id = deleted.id("owner_id")
    deleter_id = deleted.id_or_none("deleter_id")
    return NormalizedMention(
        platform=PLATFORM,
        account_id=group_id,
        action=EventAction.DELETED,
        kind=MentionKind.COMMENT,
        external_id=f"{owner_id}_{deleted.id('id')}",
        root_external_id=f"{owner_id}_{deleted.id('post_id')}",
        # The event carries ids only: no author, no text, no time.
        posted_at=None,
        raw_kind="wall_reply_delete",
        extra={} if deleter_id is None else {"deleter_id": deleter_id},
    )


def _message_node(event_object: Node) -> Node:
    # API >= 5.103 wraps `message_new` as {message, client_info}; replies/edits are bare.
    return event_object.obj("message") if event_object.has("message") else event_object


def _message(group_id: str, event_type: str, event_object: Node) -> NormalizedMention:
    message = _message_node(event_object)
    peer_id = message.id("peer_id")
    media = _media(message)
    is_outgoing = event_type == "message_reply" or message.flag("out")
    is_edit = event_type == "message_edit"
    return NormalizedMention(
        platform=PLATFORM,
        account_id=group_id,
        action=EventAction.EDITED if is_edit else EventAction.CREATED,
        kind=MentionKind.DM,
        external_id=f"{group_id}:{message.id('id')}",
        root_external_id=peer_id,
        author=_author(message.id("from_id")),
        text=text_or_none(message.string_or_none("text")),
        has_media=bool(media),
        media_types=media,
        posted_at=(
            message.epoch("update_time")
            if is_edit and message.has("update_time")
            else message.epoch("date")
        ),
        is_from_brand=is_outgoing,
        raw_kind=event_type,
    )
