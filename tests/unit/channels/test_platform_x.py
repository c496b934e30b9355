from datetime import UTC, datetime

import pytest

from domain.channels.platforms import x
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MalformedPayload,
    MentionKind,
    NormalizedMention,
)
from tests.unit.channels.webhook_fixture_manifests import body

BRAND = "1453096712384562177"
TOMEK = Author(
    platform_user_id="1287349810234560512",
    handle="tomek_zielinski",
    display_name="Tomasz Zieliński",
)
IGOR = Author(
    platform_user_id="982374651023458304", handle="igor_petrov_msk", display_name="Игорь Петров"
)


def _single(file_prefix: str) -> NormalizedMention:
    result = x.parse(body("x", file_prefix))
    assert result.ignored == ()
    (mention,) = result.mentions
    return mention


def test_mention_tweet_is_normalised_exactly() -> None:
    assert _single("01_") == NormalizedMention(
        platform="x",
        account_id=BRAND,
        action=EventAction.CREATED,
        kind=MentionKind.POST,
        external_id="1900592812245836326",
        author=TOMEK,
        text=(
            "@SolviaHelp zamówienie PL-2025-119021 nadal „w drodze”, minęły 3 tygodnie 😤 "
            "Co się dzieje?"
        ),
        posted_at=datetime(2025, 3, 14, 17, 0, 12, 403000, tzinfo=UTC),
        permalink="https://x.com/tomek_zielinski/status/1900592812245836326",
        raw_kind="tweet_create_events",
        extra={"lang": "pl"},
    )


def test_brand_reply_is_flagged_and_points_at_the_mention() -> None:
    reply = _single("02_")
    assert reply.is_from_brand is True
    assert reply.kind is MentionKind.REPLY
    assert reply.parent_external_id == "1900592812245836326"
    assert reply.author == Author(
        platform_user_id=BRAND, handle="SolviaHelp", display_name="Solvia Help"
    )


def test_truncated_tweet_gives_the_full_text() -> None:
    tweet = _single("03_")
    assert tweet.text == (
        "@SolviaHelp سلام. سه هفته پیش هدفون Aura ANC رو سفارش دادم و هنوز هیچ خبری نیست. "
        "پشتیبانی تلفنی هم جواب نمیده و ایمیل‌هام بی‌پاسخ مونده. لطفاً وضعیت سفارش "
        "PL-2025-120455 رو پیگیری کنید، واقعاً از این وضعیت ناامید شدم."
    )
    assert "https://t.co/" not in (tweet.text or "")


def test_direct_message_uses_the_users_map_and_sorted_conversation_key() -> None:
    dm = _single("04_")
    assert (dm.kind, dm.external_id, dm.author) == (MentionKind.DM, "1900600583519341904", IGOR)
    assert dm.root_external_id == "1453096712384562177-982374651023458304"
    assert dm.posted_at == datetime(2025, 3, 14, 17, 31, 5, 219000, tzinfo=UTC)
    assert dm.text == (
        "Здравствуйте! Хочу оформить возврат наушников Aura ANC (заказ RU-77340), но в личном "
        "кабинете кнопка «Вернуть» неактивна. Что делать?"
    )


def test_media_only_direct_message_drops_the_media_link_from_the_text() -> None:
    dm = _single("05_")
    assert (dm.text, dm.has_media, dm.media_types) == (None, True, ("photo",))


def test_like_is_ignored() -> None:
    result = x.parse(body("x", "06_"))
    assert (result.mentions, result.ignored) == ((), ("x favorite_events",))


def test_batch_gives_both_tweets_in_order() -> None:
    mentions = x.parse(body("x", "07_")).mentions
    assert [(m.external_id, m.kind, m.parent_external_id, m.extra["lang"]) for m in mentions] == [
        ("1900608405137490124", MentionKind.POST, None, "it"),
        ("1900609100314818218", MentionKind.REPLY, "1900608405137490124", "en"),
    ]
    assert mentions[1].author == Author(
        platform_user_id="3298745120", handle="emmaclarke_uk", display_name="Emma Clarke"
    )


def test_edit_keeps_the_initial_id_and_records_the_version() -> None:
    edit = _single("08_")
    assert edit.action is EventAction.EDITED
    assert edit.external_id == "1900608405137490124"
    assert dict(edit.extra) == {"lang": "it", "version_id": "1900609539547746454"}
    assert edit.permalink == "https://x.com/lucaromano_it/status/1900609539547746454"
    assert edit.text == (
        "Qualcuno sa se @SolviaHelp spedisce anche in Svizzera? Sul sito non trovo l'opzione "
        "🇨🇭 (ordine da Lugano)"
    )


def test_delete_is_a_tombstone_with_ids_only() -> None:
    assert _single("09_") == NormalizedMention(
        platform="x",
        account_id=BRAND,
        action=EventAction.DELETED,
        kind=MentionKind.POST,
        external_id="1900597927238363657",
        author=Author(platform_user_id="1523478901234567169", handle=None, display_name=None),
        posted_at=datetime(2025, 3, 14, 18, 30, 0, 120000, tzinfo=UTC),
        raw_kind="tweet_delete_events",
    )


def test_created_at_is_used_without_timestamp_ms() -> None:
    without = body("x", "01_").replace(b',"timestamp_ms":"1741971612403"', b"")
    assert without != body("x", "01_")
    (tweet,) = x.parse(without).mentions
    assert tweet.posted_at == datetime(2025, 3, 14, 17, 0, 12, tzinfo=UTC)


def test_unreadable_created_at_is_malformed() -> None:
    broken = (
        body("x", "01_")
        .replace(b',"timestamp_ms":"1741971612403"', b"")
        .replace(b"Fri Mar 14 17:00:12 +0000 2025", b"14.03.2025 17:00")
    )
    with pytest.raises(MalformedPayload, match=r"tweet_create_events\[0\]\.created_at"):
        x.parse(broken)


def test_retweets_follows_and_other_dm_events_are_ignored() -> None:
    payload = (
        b'{"for_user_id":"1453096712384562177","follow_events":[{"type":"follow"}],'
        b'"direct_message_events":[{"type":"message_read","id":"1"}],'
        b'"tweet_create_events":[{"id_str":"5","text":"RT","retweeted_status":{"id_str":"4"},'
        b'"user":{"id_str":"7"}}]}'
    )
    result = x.parse(payload)
    assert result.mentions == ()
    assert result.ignored == (
        "x follow_events",
        "x direct_message_events message_read",
        "x tweet_create_events retweet",
    )
