"""Thread links recorded in the manifests are reconstructed from the parsed mentions."""

from typing import Any

import pytest

from domain.channels.platforms import ACCOUNT_ID_READERS, PARSERS
from domain.channels.platforms.types import MentionKind, NormalizedMention
from tests.unit.channels.webhook_fixture_manifests import Fixture, body, fixtures, params

THREADED = [f for f in fixtures() if f.thread_links]


def _links(mention: NormalizedMention) -> dict[str, Any]:
    """The mention's thread facts, in the vocabulary of its platform's manifest."""
    platform = mention.platform
    if mention.kind is MentionKind.DM:
        return _dm_links(mention)
    if platform == "facebook":
        if mention.kind is MentionKind.POST:
            return {"post_id": mention.external_id}
        return {
            "post_id": mention.root_external_id,
            "comment_id": mention.external_id,
            "parent_id": mention.parent_external_id,
        }
    if platform == "instagram":
        if mention.kind is MentionKind.POST:
            return {"media_id": mention.external_id}
        links: dict[str, Any] = {
            "media_id": mention.root_external_id,
            "comment_id": mention.external_id,
        }
        if mention.parent_external_id != mention.root_external_id:
            links["parent_id"] = mention.parent_external_id
        return links
    if platform == "x":
        if "version_id" in mention.extra:
            return {"tweet_id": mention.extra["version_id"], "edit_of": mention.external_id}
        links = {"tweet_id": mention.external_id}
        if mention.parent_external_id:
            links["in_reply_to"] = mention.parent_external_id
        return links
    if platform == "telegram":
        chat_id, message_id = mention.external_id.split(":")
        links = {"chat_id": int(chat_id), "message_id": int(message_id)}
        if mention.parent_external_id:
            links["parent_message_id"] = int(mention.parent_external_id.split(":")[1])
        if "media_group_id" in mention.extra:
            links["media_group_id"] = mention.extra["media_group_id"]
        if mention.kind is MentionKind.POST and "channel_post" in mention.extra:
            post_chat, post_message = mention.extra["channel_post"].split(":")
            links["channel_post"] = {"chat_id": int(post_chat), "message_id": int(post_message)}
        return links
    assert platform == "vk"
    if mention.kind is MentionKind.POST:
        return {"post": mention.external_id}
    links = {"post": mention.root_external_id, "comment": int(mention.external_id.split("_")[1])}
    if mention.parent_external_id != mention.root_external_id and mention.parent_external_id:
        links["parent_comment"] = int(mention.parent_external_id.split("_")[1])
    return links


def _dm_links(mention: NormalizedMention) -> dict[str, Any]:
    platform = mention.platform
    if platform in ("facebook", "instagram"):
        return {"conversation": mention.root_external_id, "mid": mention.external_id}
    if platform == "x":
        return {"dm_id": mention.external_id, "conversation": mention.root_external_id}
    if platform == "telegram":
        *prefix, chat_id, message_id = mention.external_id.split(":")
        links: dict[str, Any] = {"chat_id": int(chat_id), "message_id": int(message_id)}
        if prefix:
            links["business_connection_id"] = prefix[0]
        if "media_group_id" in mention.extra:
            links["media_group_id"] = mention.extra["media_group_id"]
        return links
    assert platform == "vk"
    return {
        "peer_id": int(mention.root_external_id or 0),
        "message_id": int(mention.external_id.split(":")[1]),
    }


def _manifest_link(link: dict[str, Any]) -> dict[str, Any]:
    # VK's per-conversation message number is recorded for reference only; it is not part
    # of the normalised value.
    return {key: value for key, value in link.items() if key != "conversation_message_id"}


@pytest.mark.parametrize("item", params(THREADED))
def test_manifest_thread_links_are_reconstructed(item: Fixture) -> None:
    result = PARSERS[item.platform](item.body)
    if item.entry["kind"] == "favorite_events":
        assert result.mentions == ()
        assert result.ignored == ("x favorite_events",)
        return
    if item.entry["kind"] == "deleted_business_messages":
        (link,) = item.thread_links
        assert [(m.root_external_id, m.external_id) for m in result.mentions] == [
            (
                f"{m.extra['business_connection_id']}:{link['chat_id']}",
                f"{m.extra['business_connection_id']}:{link['chat_id']}:{message_id}",
            )
            for m, message_id in zip(result.mentions, link["message_ids"], strict=True)
        ]
        return
    assert [_links(m) for m in result.mentions] == [
        _manifest_link(link) for link in item.thread_links
    ]


def test_telegram_comment_links_back_to_the_channel_post() -> None:
    (auto_forward,) = PARSERS["telegram"](body("telegram", "05_")).mentions
    (comment,) = PARSERS["telegram"](body("telegram", "06_")).mentions
    assert auto_forward.external_id == comment.root_external_id == "-1002198765432:3301"
    assert auto_forward.extra["channel_post"] == comment.extra["channel_post"]
    assert comment.extra["channel_post"] == "-1002145789630:512"


@pytest.mark.parametrize(
    ("platform", "file_prefix", "expected"),
    [
        ("facebook", "05_", ("104729384756120", "108834562209917")),
        ("facebook", "11_", ("104729384756120",)),
        ("instagram", "10_", ("17841405822304914", "17841463520098123")),
        ("x", "07_", ("1453096712384562177",)),
        ("telegram", "01_", ("bot",)),
        ("telegram", "04_", ("-1002145789630",)),
        ("telegram", "06_", ("-1002198765432",)),
        ("telegram", "10_", ("Hx3YkVqAAAC9wv0SR1Zdt_dr",)),
        ("telegram", "12_", ("bot",)),
        ("vk", "01_", ("227771234",)),
        ("vk", "11_", ("227771234",)),
    ],
)
def test_account_ids_name_every_routed_account(
    platform: str, file_prefix: str, expected: tuple[str, ...]
) -> None:
    assert ACCOUNT_ID_READERS[platform](body(platform, file_prefix)) == expected


@pytest.mark.parametrize("item", params(fixtures()))
def test_account_ids_cover_the_account_of_every_mention(item: Fixture) -> None:
    accounts = ACCOUNT_ID_READERS[item.platform](item.body)
    assert accounts
    assert {m.account_id for m in PARSERS[item.platform](item.body).mentions} <= set(accounts)
