"""X (Twitter) Account Activity API webhooks: Tweets, DMs, deletions.

One body belongs to one subscribed user (`for_user_id`) and may hold several
``<type>_events`` arrays, each with several items.
"""

from datetime import UTC, datetime

from domain.channels.platforms.parsing import Node, ResultBuilder, load_object, text_or_none, unique
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MentionKind,
    NormalizedMention,
    ParseResult,
)

PLATFORM = "x"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse(body: bytes) -> ParseResult:
    """Mentions for `tweet_create_events`, `direct_message_events` and `tweet_delete_events`.

    Truncated (compatibility-mode) Tweets give their `extended_tweet.full_text`. An edit is a
    new Tweet id: the mention keeps the initial id as `external_id` (replies keep pointing
    at it) and the new id in ``extra["version_id"]``. Retweets, likes, follows and other
    activity are recorded in `ignored`.
    """
    root = load_object(body, platform=PLATFORM)
    for_user_id = root.id("for_user_id")
    builder = ResultBuilder()
    for key in root.field_names():
        if key == "tweet_create_events":
            for tweet in root.objs(key):
                if tweet.has("retweeted_status"):
                    builder.ignore("x tweet_create_events retweet")
                else:
                    builder.add(_tweet(for_user_id, tweet))
        elif key == "direct_message_events":
            users = root.obj_or_none("users")
            for event in root.objs(key):
                event_type = event.string("type")
                if event_type == "message_create":
                    builder.add(_direct_message(for_user_id, event, users))
                else:
                    builder.ignore(f"x direct_message_events {event_type}")
        elif key == "tweet_delete_events":
            for event in root.objs(key):
                builder.add(_tweet_delete(for_user_id, event))
        elif key.endswith("_events"):
            builder.ignore(f"x {key}")
    return builder.result()


def account_ids(body: bytes) -> tuple[str, ...]:
    """The subscribed user id: X sends one body per subscribed user."""
    return (load_object(body, platform=PLATFORM).id("for_user_id"),)


def dedupe_keys(body: bytes) -> tuple[str, ...]:
    """``x:tweet:<id_str>``, ``x:dm:<id>``, ``x:tweet:<id>:deleted``; a like gives both
    ``x:fav:<event id>`` and ``x:fav:<user>:<tweet>`` (the event id is not always sent)."""
    root = load_object(body, platform=PLATFORM)
    # Not part of any key, but a body without it is not an Account Activity event.
    root.id("for_user_id")
    keys: list[str] = []
    for name in root.field_names():
        if name.endswith("_events"):
            for event in root.objs(name):
                keys.extend(_event_keys(name, event))
    return unique(keys)


def _event_keys(name: str, event: Node) -> tuple[str, ...]:
    if name == "tweet_create_events":
        return (f"x:tweet:{event.id('id_str')}",)
    if name == "direct_message_events":
        return (f"x:dm:{event.id('id')}",)
    if name == "tweet_delete_events":
        return (f"x:tweet:{event.obj('status').id('id')}:deleted",)
    if name == "favorite_events":
        pair = (
            f"x:fav:{event.obj('user').id('id_str')}:{event.obj('favorited_status').id('id_str')}"
        )
        event_id = event.id_or_none("id")
        return (pair,) if event_id is None else (f"x:fav:{event_id}", pair)
    return ()


def _parse_created_at(node: Node, key: str) -> datetime:
    """`Fri Mar 14 17:00:12 +0000 2025`, read without the locale-dependent `strptime` %a/%b."""
    value = node.string(key)
    parts = value.split()
    try:
        _, month, day, clock, offset, year = parts
        hour, minute, second = (int(p) for p in clock.split(":"))
        if offset != "+0000":
            raise ValueError(offset)
        return datetime(
            int(year), _MONTHS.index(month) + 1, int(day), hour, minute, second, tzinfo=UTC
        )
    except ValueError as exc:
        raise node.error(key, f"unreadable date {value!r}") from exc


def _user(user: Node) -> Author:
    return Author(
        platform_user_id=user.id("id_str"),
        handle=user.string_or_none("screen_name"),
        display_name=user.string_or_none("name"),
    )


def _media_types(tweet: Node) -> tuple[str, ...]:
    for holder in (tweet.obj_or_none("extended_tweet"), tweet):
        if holder is None:
            continue
        entities = holder.obj_or_none("extended_entities") or holder.obj_or_none("entities")
        media = () if entities is None else entities.objs("media")
        if media:
            return tuple(item.string("type") for item in media)
    return ()


def _tweet(for_user_id: str, tweet: Node) -> NormalizedMention:
    tweet_id = tweet.id("id_str")
    user = tweet.obj("user")
    author = _user(user)
    extended = tweet.obj_or_none("extended_tweet")
    text = extended.string("full_text") if extended is not None else tweet.string("text")
    history = tweet.obj_or_none("edit_history")
    initial_id = None if history is None else history.id_or_none("initial_tweet_id")
    is_edit = initial_id is not None and initial_id != tweet_id
    parent_id = tweet.id_or_none("in_reply_to_status_id_str")
    media = _media_types(tweet)
    extra: dict[str, str] = {}
    lang = tweet.string_or_none("lang")
    if lang is not None:
        extra["lang"] = lang
    if is_edit:
        extra["version_id"] = tweet_id
    posted_at = (
        tweet.epoch("timestamp_ms")
        if tweet.has("timestamp_ms")
        else _parse_created_at(tweet, "created_at")
    )
    return NormalizedMention(
        platform=PLATFORM,
        account_id=for_user_id,
        action=EventAction.EDITED if is_edit else EventAction.CREATED,
        kind=MentionKind.REPLY if parent_id else MentionKind.POST,
        # Unedited Tweets have initial id == own id; edits keep pointing at the first one.
        external_id=tweet_id if initial_id is None else initial_id,
        # v1.1 payloads name only the direct parent; the root is found by walking parents.
        parent_external_id=parent_id,
        author=author,
        text=text,
        has_media=bool(media),
        media_types=media,
        posted_at=posted_at,
        permalink=f"https://x.com/{author.handle}/status/{tweet_id}" if author.handle else None,
        is_from_brand=author.platform_user_id == for_user_id,
        raw_kind="tweet_create_events",
        extra=extra,
    )


def _direct_message(for_user_id: str, event: Node, users: Node | None) -> NormalizedMention:
    create = event.obj("message_create")
    sender_id = create.id("sender_id")
    recipient_id = create.obj("target").id("recipient_id")
    data = create.obj("message_data")
    text = data.string_or_none("text") or ""
    attachment = data.obj_or_none("attachment")
    media = None if attachment is None else attachment.obj_or_none("media")
    media_types: tuple[str, ...] = ()
    if media is not None:
        media_types = (media.string("type"),)
        media_url = media.string_or_none("url")
        # The text of a media DM ends with the media's t.co link, which is not the customer's text.
        if media_url:
            text = text.replace(media_url, "").strip()
    sender = None if users is None else users.obj_or_none(sender_id)
    author = (
        Author(platform_user_id=sender_id, handle=None, display_name=None)
        if sender is None
        else Author(
            platform_user_id=sender_id,
            handle=sender.string_or_none("screen_name"),
            display_name=sender.string_or_none("name"),
        )
    )
    return NormalizedMention(
        platform=PLATFORM,
        account_id=for_user_id,
        action=EventAction.CREATED,
        kind=MentionKind.DM,
        external_id=event.id("id"),
        # X's own conversation key for one-to-one DMs: both ids, sorted, joined by "-".
        root_external_id="-".join(sorted((sender_id, recipient_id))),
        author=author,
        text=text_or_none(text),
        has_media=bool(media_types),
        media_types=media_types,
        posted_at=event.epoch("created_timestamp"),
        is_from_brand=sender_id == for_user_id,
        raw_kind="direct_message_events",
    )


def _tweet_delete(for_user_id: str, event: Node) -> NormalizedMention:
    status = event.obj("status")
    user_id = status.id("user_id")
    return NormalizedMention(
        platform=PLATFORM,
        account_id=for_user_id,
        action=EventAction.DELETED,
        # A tombstone names no parent: whether it was a reply is unknown here.
        kind=MentionKind.POST,
        external_id=status.id("id"),
        author=Author(platform_user_id=user_id, handle=None, display_name=None),
        posted_at=event.epoch_or_none("timestamp_ms"),
        is_from_brand=user_id == for_user_id,
        raw_kind="tweet_delete_events",
    )
