"""Facebook Page webhooks (object `page`): feed changes and Messenger events."""

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

PLATFORM = "facebook"
_OBJECT = "page"

# Captures show both `edited` and `edit` (restfb#749); they mean the same.
_VERB_ACTIONS = {
    "add": EventAction.CREATED,
    "edited": EventAction.EDITED,
    "edit": EventAction.EDITED,
    "remove": EventAction.DELETED,
    "hide": EventAction.HIDDEN,
    "unhide": EventAction.UNHIDDEN,
}
# Feed items that are posts on the Page; reactions, likes, shares of others are not mentions.
_POST_ITEMS = frozenset({"status", "photo", "video", "post", "link", "album"})
_MEDIA_ITEMS = {"photo": "photo", "video": "video", "album": "photo"}


def parse(body: bytes) -> ParseResult:
    """Every feed post/comment event and Messenger message in a (possibly batched) body.

    Raises `MalformedPayload` when the body is not a Page webhook payload.
    """
    builder = ResultBuilder()
    for entry in load_entries(body, platform=PLATFORM, expected_object=_OBJECT):
        page_id = entry.id("id")
        for change in entry.objs("changes"):
            field = change.string("field")
            if field != "feed":
                builder.ignore(f"facebook field {field}")
                continue
            _parse_feed_change(page_id, entry, change.obj("value"), builder)
        for item in entry.objs("messaging"):
            parse_messaging_item(page_id, item, platform=PLATFORM, builder=builder)
    return builder.result()


def account_ids(body: bytes) -> tuple[str, ...]:
    """The Page ids of the body's entries; one delivery may carry several Pages."""
    return entry_account_ids(body, platform=PLATFORM, expected_object=_OBJECT)


def dedupe_keys(body: bytes) -> tuple[str, ...]:
    """Content keys: Meta sends no delivery id, and one comment id gets several events.

    Feed: ``fb:<page>:feed:<item>:<verb>:<comment or post id>:<created_time>``;
    Messenger: ``fb:messenger:<mid>`` (edits ``...:edit:<num_edit>``).
    """
    keys: list[str] = []
    for entry in load_entries(body, platform=PLATFORM, expected_object=_OBJECT):
        page_id = entry.id("id")
        for change in entry.objs("changes"):
            if change.string("field") != "feed":
                continue
            value = change.obj("value")
            item = value.string("item")
            if item != "comment" and item not in _POST_ITEMS:
                continue
            verb = _normalised_verb(value.string("verb"))
            object_id = value.id("comment_id" if item == "comment" else "post_id")
            created = value.integer("created_time")
            keys.append(f"fb:{page_id}:feed:{item}:{verb}:{object_id}:{created}")
        for item_node in entry.objs("messaging"):
            key = messaging_dedupe_key(item_node, prefix="fb:messenger")
            if key is not None:
                keys.append(key)
    return unique(keys)


def _normalised_verb(verb: str) -> str:
    return "edited" if verb == "edit" else verb


def _parse_feed_change(page_id: str, entry: Node, value: Node, builder: ResultBuilder) -> None:
    item = value.string("item")
    verb = value.string("verb")
    action = _VERB_ACTIONS.get(verb)
    if action is None:
        builder.ignore(f"facebook feed {item} {verb}")
    elif item == "comment":
        builder.add(_comment(page_id, entry, value, action, verb))
    elif item in _POST_ITEMS:
        builder.add(_post(page_id, entry, value, action, verb))
    else:
        builder.ignore(f"facebook feed {item}")


def _person(value: Node) -> Author | None:
    sender = value.obj_or_none("from")
    if sender is None:
        return None
    return Author(
        platform_user_id=sender.id("id"),
        handle=None,
        display_name=sender.string_or_none("name"),
    )


def _authorship(
    page_id: str, value: Node, action: EventAction
) -> tuple[Author | None, bool, dict[str, str]]:
    """(author, is_from_brand, extra) of a feed event.

    On add/edit `from` is the author; on hide/unhide/remove it is whoever acted (often the
    Page moderating someone else's comment), so it goes to `extra` instead.
    """
    person = _person(value)
    if action in (EventAction.CREATED, EventAction.EDITED):
        is_brand = person is not None and person.platform_user_id == page_id
        return person, is_brand, {}
    if person is None or person.platform_user_id is None:
        return None, False, {}
    actor = {"actor_id": person.platform_user_id}
    if person.display_name:
        actor["actor_name"] = person.display_name
    return None, False, actor


def _comment(
    page_id: str, entry: Node, value: Node, action: EventAction, verb: str
) -> NormalizedMention:
    comment_id = value.id("comment_id")
    post_id = value.id("post_id")
    parent_id = value.id_or_none("parent_id") or post_id
    author, is_brand, extra = _authorship(page_id, value, action)
    media = tuple(kind for kind in ("photo", "video") if value.has(kind))
    return NormalizedMention(
        platform=PLATFORM,
        account_id=page_id,
        action=action,
        kind=MentionKind.COMMENT if parent_id == post_id else MentionKind.REPLY,
        external_id=comment_id,
        parent_external_id=parent_id,
        root_external_id=post_id,
        author=author,
        text=text_or_none(value.string_or_none("message")),
        has_media=bool(media),
        media_types=media,
        posted_at=value.epoch_or_none("created_time") or entry.epoch("time"),
        permalink=_comment_permalink(value, comment_id),
        is_from_brand=is_brand,
        raw_kind=f"feed/comment/{verb}",
        extra=extra,
    )


def _comment_permalink(value: Node, comment_id: str) -> str | None:
    post = value.obj_or_none("post")
    post_url = None if post is None else post.string_or_none("permalink_url")
    if post_url is None:
        return None
    # Comment ids are `<post object id>_<comment object id>`; the web UI addresses the latter.
    separator = "&" if "?" in post_url else "?"
    return f"{post_url}{separator}comment_id={comment_id.rpartition('_')[2]}"


def _post(
    page_id: str, entry: Node, value: Node, action: EventAction, verb: str
) -> NormalizedMention:
    item = value.string("item")
    author, is_brand, extra = _authorship(page_id, value, action)
    media_type = _MEDIA_ITEMS.get(item)
    media = (media_type,) if media_type else ()
    link = value.string_or_none("link")
    if link is not None:
        extra["link"] = link
    published = value.integer_or_none("published")
    if published is not None:
        extra["published"] = str(published)
    return NormalizedMention(
        platform=PLATFORM,
        account_id=page_id,
        action=action,
        kind=MentionKind.POST,
        external_id=value.id("post_id"),
        author=author,
        text=text_or_none(value.string_or_none("message")),
        has_media=bool(media),
        media_types=media,
        posted_at=value.epoch_or_none("created_time") or entry.epoch("time"),
        permalink=value.string_or_none("permalink_url"),
        is_from_brand=is_brand,
        raw_kind=f"feed/{item}/{verb}",
        extra=extra,
    )
