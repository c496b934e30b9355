from dataclasses import FrozenInstanceError
from datetime import datetime

import pytest

import domain.channels.platforms as platforms
from domain.channels.platforms import ACCOUNT_ID_READERS, PARSERS
from domain.channels.platforms.types import (
    EventAction,
    MentionKind,
    NormalizedMention,
    ParseResult,
)
from tests.unit.channels.webhook_fixture_manifests import (
    WEBHOOK_PLATFORMS,
    Fixture,
    body,
    fixtures,
    params,
)


def test_public_names_are_locked() -> None:
    assert platforms.__all__ == [
        "ACCOUNT_ID_READERS",
        "PARSERS",
        "Author",
        "EventAction",
        "MalformedPayload",
        "MentionKind",
        "NormalizedMention",
        "ParseResult",
        "event_dedupe_keys",
        "export",
        "is_vk_confirmation",
        "mention_key",
        "meta_challenge_response",
        "meta_platform",
        "sign_generic",
        "verify_generic",
        "verify_meta_signature",
        "verify_telegram_secret",
        "verify_x_signature",
        "vk_secret_matches",
        "x_crc_response_token",
    ]


def test_registries_cover_every_webhook_platform() -> None:
    # The shared fixtures' platforms, then our own format for custom sources.
    assert tuple(PARSERS) == (*WEBHOOK_PLATFORMS, "generic")
    assert tuple(ACCOUNT_ID_READERS) == (*WEBHOOK_PLATFORMS, "generic")
    with pytest.raises(TypeError):
        PARSERS["myspace"] = PARSERS["x"]  # type: ignore[index]


def test_enums_are_the_stored_strings() -> None:
    assert [k.value for k in MentionKind] == ["post", "comment", "reply", "dm", "review"]
    assert [a.value for a in EventAction] == ["created", "edited", "deleted", "hidden", "unhidden"]


@pytest.mark.parametrize("item", params(fixtures()))
def test_every_fixture_parses_into_well_formed_mentions(item: Fixture) -> None:
    result = PARSERS[item.platform](item.body)
    assert isinstance(result, ParseResult)
    assert result.mentions or result.ignored
    for mention in result.mentions:
        assert mention.platform == item.platform
        assert mention.external_id
        assert mention.account_id
        assert mention.posted_at is None or mention.posted_at.utcoffset() is not None
        assert mention.has_media == bool(mention.media_types)


def test_every_non_webhook_fixture_is_a_polling_batch_we_read() -> None:
    batches = [f for f in fixtures() if not f.is_webhook_body]
    assert [(f.platform, f.file) for f in batches] == [
        ("telegram", "12_polling_getupdates_batch.json"),
        ("vk", "11_longpoll_batch.json"),
    ]
    assert [len(PARSERS[f.platform](f.body).mentions) for f in batches] == [3, 3]


def test_mentions_are_immutable() -> None:
    (mention,) = PARSERS["vk"](body("vk", "03_")).mentions
    with pytest.raises(FrozenInstanceError):
        mention.text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        mention.extra["x"] = "y"  # type: ignore[index]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="posted_at must be timezone-aware"):
        NormalizedMention(
            platform="vk",
            account_id="1",
            action=EventAction.CREATED,
            kind=MentionKind.POST,
            external_id="-1_1",
            raw_kind="wall_post_new",
            posted_at=datetime(2025, 3, 14, 8, 0),
        )


def test_mentions_are_hashable_values() -> None:
    first = PARSERS["facebook"](body("facebook", "02_")).mentions
    redelivered = PARSERS["facebook"](body("facebook", "12_")).mentions
    assert {*first, *redelivered} == set(first)
