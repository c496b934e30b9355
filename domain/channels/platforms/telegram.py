"""Telegram Bot API updates: private chats, channels, discussion groups, Telegram Business.

A webhook POST is exactly one `Update`; a `getUpdates` response (``{"ok": true,
"result": [...]}``) is accepted too, for polling fallback and backfill.
"""

from dataclasses import dataclass

from domain.channels.platforms.parsing import Node, ResultBuilder, load_object, text_or_none, unique
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MentionKind,
    NormalizedMention,
    ParseResult,
)

PLATFORM = "telegram"
#: The account of private chats with the bot. Update bodies never name the receiving bot;
#: the receiver knows it from the webhook URL / secret token it was called on.
BOT_ACCOUNT_ID = "bot"

_MESSAGE_UPDATES = {
    "message": EventAction.CREATED,
    "edited_message": EventAction.EDITED,
    "channel_post": EventAction.CREATED,
    "edited_channel_post": EventAction.EDITED,
    "business_message": EventAction.CREATED,
    "edited_business_message": EventAction.EDITED,
}
_DELETED_BUSINESS = "deleted_business_messages"
_MEDIA_KEYS = (
    "photo",
    "video",
    "animation",
    "document",
    "audio",
    "voice",
    "video_note",
    "sticker",
    "location",
    "contact",
    "poll",
)


def parse(body: bytes) -> ParseResult:
    """One mention per message-like update; album items stay separate mentions sharing
    ``extra["media_group_id"]``. Deleted business messages give one DELETED mention per id.

    Threads: a comment under a channel post is a discussion-group message replying to the
    group's automatic copy of the post; `root_external_id` is that copy and
    ``extra["channel_post"]`` names the original channel post.
    """
    builder = ResultBuilder()
    for update in _updates(load_object(body, platform=PLATFORM)):
        update_type = _update_type(update)
        if update_type in _MESSAGE_UPDATES:
            builder.add(_message(update_type, update.obj(update_type)))
        elif update_type == _DELETED_BUSINESS:
            for mention in _deleted_business(update.obj(update_type)):
                builder.add(mention)
        else:
            builder.ignore(f"telegram {update_type}")
    return builder.result()


def account_ids(body: bytes) -> tuple[str, ...]:
    """Channel / group chat ids, business connection ids, or `BOT_ACCOUNT_ID` for
    private chats and other bot-level updates."""
    found: list[str] = []
    for update in _updates(load_object(body, platform=PLATFORM)):
        update_type = _update_type(update)
        if update_type in _MESSAGE_UPDATES:
            found.append(_account_id(update.obj(update_type)))
        elif update_type == _DELETED_BUSINESS:
            found.append(update.obj(update_type).id("business_connection_id"))
        else:
            found.append(BOT_ACCOUNT_ID)
    return unique(found)


def dedupe_keys(body: bytes) -> tuple[str, ...]:
    """``tg:update:<update_id>`` plus a content key: ``tg:msg:<chat>:<message_id>`` (edits
    ``...:edit:<edit_date>``), ``tg:bmsg:<connection>:<chat>:<message_id>`` for business
    chats (deletions ``...:deleted``). A `getUpdates` response yields update keys only:
    polling never redelivers, `update_id` is its cursor."""
    root = load_object(body, platform=PLATFORM)
    if not root.has("update_id"):
        return unique(f"tg:update:{update.id('update_id')}" for update in _updates(root))
    keys = [f"tg:update:{root.id('update_id')}"]
    update_type = _update_type(root)
    if update_type in _MESSAGE_UPDATES:
        message = root.obj(update_type)
        chat_id = message.obj("chat").id("id")
        message_id = message.id("message_id")
        connection = message.id_or_none("business_connection_id")
        key = (
            f"tg:msg:{chat_id}:{message_id}"
            if connection is None
            else f"tg:bmsg:{connection}:{chat_id}:{message_id}"
        )
        if _MESSAGE_UPDATES[update_type] is EventAction.EDITED:
            key += f":edit:{message.integer('edit_date')}"
        keys.append(key)
    elif update_type == _DELETED_BUSINESS:
        deleted = root.obj(update_type)
        connection = deleted.id("business_connection_id")
        chat_id = deleted.obj("chat").id("id")
        keys.extend(
            f"tg:bmsg:{connection}:{chat_id}:{message_id}:deleted"
            for message_id in deleted.ids("message_ids")
        )
    return unique(keys)


def _updates(root: Node) -> tuple[Node, ...]:
    if root.has("update_id"):
        return (root,)
    if root.has("ok") and "result" in root.data:
        if not root.flag("ok"):
            raise root.error("ok", "getUpdates response reports failure")
        return root.objs("result")
    raise root.error("update_id", "missing (neither an Update nor a getUpdates response)")


def _update_type(update: Node) -> str:
    return next((key for key in update.field_names() if key != "update_id"), "empty update")


def _chat_key(chat_id: str, message_id: str) -> str:
    return f"{chat_id}:{message_id}"


def _account_id(message: Node) -> str:
    connection = message.id_or_none("business_connection_id")
    if connection is not None:
        return connection
    chat = message.obj("chat")
    return BOT_ACCOUNT_ID if chat.string("type") == "private" else chat.id("id")


def _author(message: Node) -> Author | None:
    # `sender_chat` is the real identity when present: channel posts, anonymous admins,
    # automatic forwards (whose `from` is the placeholder user 777000 "Telegram").
    sender_chat = message.obj_or_none("sender_chat")
    if sender_chat is not None:
        return Author(
            platform_user_id=sender_chat.id("id"),
            handle=sender_chat.string_or_none("username"),
            display_name=sender_chat.string_or_none("title"),
        )
    sender = message.obj_or_none("from")
    if sender is None:
        return None
    names = (sender.string_or_none("first_name"), sender.string_or_none("last_name"))
    return Author(
        platform_user_id=sender.id("id"),
        handle=sender.string_or_none("username"),
        display_name=" ".join(name for name in names if name) or None,
    )


@dataclass(frozen=True, slots=True)
class _ChannelPost:
    chat_id: str
    message_id: str
    username: str | None

    @property
    def key(self) -> str:
        return _chat_key(self.chat_id, self.message_id)


@dataclass(frozen=True, slots=True)
class _Placement:
    """Where a message sits: whose it is, what it answers, which thread it belongs to."""

    account_id: str
    kind: MentionKind
    external_id: str
    parent_external_id: str | None = None
    root_external_id: str | None = None
    is_from_brand: bool = False
    permalink: str | None = None


def _forwarded_channel_post(message: Node) -> _ChannelPost | None:
    """The channel post an automatic forward in a discussion group copies."""
    origin = message.obj_or_none("forward_origin")
    if origin is not None and origin.string_or_none("type") == "channel":
        chat = origin.obj("chat")
        return _ChannelPost(chat.id("id"), origin.id("message_id"), chat.string_or_none("username"))
    # Bot API < 7.0 shape.
    legacy_chat = message.obj_or_none("forward_from_chat")
    legacy_id = message.id_or_none("forward_from_message_id")
    if legacy_chat is not None and legacy_id is not None:
        return _ChannelPost(legacy_chat.id("id"), legacy_id, legacy_chat.string_or_none("username"))
    return None


def _message(update_type: str, message: Node) -> NormalizedMention:
    action = _MESSAGE_UPDATES[update_type]
    media = tuple(key for key in _MEDIA_KEYS if message.has(key))
    extra: dict[str, str] = {}
    media_group = message.id_or_none("media_group_id")
    if media_group is not None:
        extra["media_group_id"] = media_group
    placement = _place(message, extra)
    return NormalizedMention(
        platform=PLATFORM,
        account_id=placement.account_id,
        action=action,
        kind=placement.kind,
        external_id=placement.external_id,
        parent_external_id=placement.parent_external_id,
        root_external_id=placement.root_external_id,
        author=_author(message),
        text=text_or_none(message.string_or_none("text") or message.string_or_none("caption")),
        has_media=bool(media),
        media_types=media,
        posted_at=(
            message.epoch("edit_date")
            if action is EventAction.EDITED and message.has("edit_date")
            else message.epoch("date")
        ),
        permalink=placement.permalink,
        is_from_brand=placement.is_from_brand,
        raw_kind=update_type,
        extra=extra,
    )


def _place(message: Node, extra: dict[str, str]) -> _Placement:
    """Places a message by chat type; adds thread facts to `extra` on the way."""
    chat = message.obj("chat")
    chat_id = chat.id("id")
    message_id = message.id("message_id")
    reply = message.obj_or_none("reply_to_message")
    account_id = _account_id(message)
    connection = message.id_or_none("business_connection_id")
    if connection is not None:
        extra["business_connection_id"] = connection
        conversation = f"{connection}:{chat_id}"
        sender = message.obj_or_none("from")
        replied = None if reply is None else f"{conversation}:{reply.id('message_id')}"
        return _Placement(
            account_id=account_id,
            kind=MentionKind.DM,
            external_id=f"{conversation}:{message_id}",
            parent_external_id=replied,
            root_external_id=conversation,
            # A business chat's id is the customer's; anyone else writing in it is the business.
            is_from_brand=sender is not None and sender.id("id") != chat_id,
        )
    external_id = _chat_key(chat_id, message_id)
    parent_id = None if reply is None else _chat_key(chat_id, reply.id("message_id"))
    chat_type = chat.string("type")
    username = chat.string_or_none("username")
    if chat_type == "private":
        return _Placement(
            account_id=account_id,
            kind=MentionKind.DM,
            external_id=external_id,
            parent_external_id=parent_id,
            root_external_id=chat_id,
        )
    if chat_type == "channel":
        return _Placement(
            account_id=account_id,
            kind=MentionKind.POST,
            external_id=external_id,
            is_from_brand=True,
            permalink=f"https://t.me/{username}/{message_id}" if username else None,
        )
    return _place_group_message(message, chat_id, message_id, parent_id, username, extra)


def _place_group_message(
    message: Node,
    chat_id: str,
    message_id: str,
    parent_id: str | None,
    username: str | None,
    extra: dict[str, str],
) -> _Placement:
    group_link = f"https://t.me/{username}/{message_id}" if username else None
    if message.flag("is_automatic_forward"):
        post = _forwarded_channel_post(message)
        if post is not None:
            extra["channel_post"] = post.key
        return _Placement(
            account_id=chat_id,
            kind=MentionKind.POST,
            external_id=_chat_key(chat_id, message_id),
            is_from_brand=True,
            permalink=group_link,
        )
    reply = message.obj_or_none("reply_to_message")
    post = None
    if reply is not None and reply.flag("is_automatic_forward"):
        post = _forwarded_channel_post(reply)
    if post is not None:
        extra["channel_post"] = post.key
    thread_id = message.id_or_none("message_thread_id")
    sender_chat = message.obj_or_none("sender_chat")
    return _Placement(
        account_id=chat_id,
        kind=MentionKind.COMMENT if reply is None or post is not None else MentionKind.REPLY,
        external_id=_chat_key(chat_id, message_id),
        parent_external_id=parent_id,
        root_external_id=_chat_key(chat_id, thread_id) if thread_id else parent_id,
        # Posting as the group itself (anonymous admin) is the brand. Posting as the linked
        # channel cannot be told apart from posting as any other channel from the body alone.
        is_from_brand=sender_chat is not None and sender_chat.id("id") == chat_id,
        permalink=(
            f"https://t.me/{post.username}/{post.message_id}?comment={message_id}"
            if post is not None and post.username
            else group_link
        ),
    )


def _deleted_business(deleted: Node) -> tuple[NormalizedMention, ...]:
    connection = deleted.id("business_connection_id")
    conversation = f"{connection}:{deleted.obj('chat').id('id')}"
    return tuple(
        NormalizedMention(
            platform=PLATFORM,
            account_id=connection,
            action=EventAction.DELETED,
            kind=MentionKind.DM,
            external_id=f"{conversation}:{message_id}",
            root_external_id=conversation,
            # The notice names neither who deleted nor when.
            posted_at=None,
            raw_kind=_DELETED_BUSINESS,
            extra={"business_connection_id": connection},
        )
        for message_id in deleted.ids("message_ids")
    )
