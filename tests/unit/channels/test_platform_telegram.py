from datetime import UTC, datetime

import pytest

from domain.channels.platforms import telegram
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MalformedPayload,
    MentionKind,
    NormalizedMention,
)
from tests.unit.channels.webhook_fixture_manifests import body

MAREK = Author(platform_user_id="523987114", handle="marek_kow", display_name="Marek Kowalczyk")
CHANNEL = Author(
    platform_user_id="-1002145789630", handle="solvia_news_ru", display_name="Solvia News 🇷🇺"
)
MAREK_TEXT = (
    "Dzień dobry! Od wczoraj nie mogę zalogować się do aplikacji Solvia – wyskakuje błąd "
    "„Sesja wygasła”. Telefon: Pixel 8, Android 15."
)
BUSINESS = "Hx3YkVqAAAC9wv0SR1Zdt_dr"


def _single(file_prefix: str) -> NormalizedMention:
    result = telegram.parse(body("telegram", file_prefix))
    assert result.ignored == ()
    (mention,) = result.mentions
    return mention


def test_private_message_is_normalised_exactly() -> None:
    assert _single("01_") == NormalizedMention(
        platform="telegram",
        account_id=telegram.BOT_ACCOUNT_ID,
        action=EventAction.CREATED,
        kind=MentionKind.DM,
        external_id="523987114:1184",
        root_external_id="523987114",
        author=MAREK,
        text=MAREK_TEXT,
        posted_at=datetime(2025, 3, 14, 14, 2, 11, tzinfo=UTC),
        raw_kind="message",
    )


def test_edit_keeps_the_message_and_takes_the_edit_time() -> None:
    edit = _single("02_")
    assert (edit.action, edit.external_id) == (EventAction.EDITED, "523987114:1184")
    assert edit.text == MAREK_TEXT.replace("Pixel 8", "Pixel 8 Pro")
    assert edit.posted_at == datetime(2025, 3, 14, 14, 3, 40, tzinfo=UTC)


def test_photo_without_caption() -> None:
    photo = _single("03_")
    assert (photo.external_id, photo.text, photo.media_types) == (
        "523987114:1186",
        None,
        ("photo",),
    )


def test_channel_post_is_the_brand() -> None:
    post = _single("04_")
    assert (post.kind, post.account_id, post.external_id) == (
        MentionKind.POST,
        "-1002145789630",
        "-1002145789630:512",
    )
    assert post.is_from_brand is True
    assert post.author == CHANNEL
    assert post.permalink == "https://t.me/solvia_news_ru/512"
    assert post.text is not None
    assert post.text.startswith("⚠️ Плановые технические работы\n\nСегодня, 14 марта")


def test_automatic_forward_is_the_brand_and_names_the_channel_post() -> None:
    copy = _single("05_")
    assert (copy.kind, copy.account_id, copy.external_id) == (
        MentionKind.POST,
        "-1002198765432",
        "-1002198765432:3301",
    )
    assert copy.is_from_brand is True
    # The placeholder user 777000 "Telegram" is not the author; the channel is.
    assert copy.author == CHANNEL
    assert dict(copy.extra) == {"channel_post": "-1002145789630:512"}


def test_comment_under_a_channel_post() -> None:
    assert _single("06_") == NormalizedMention(
        platform="telegram",
        account_id="-1002198765432",
        action=EventAction.CREATED,
        kind=MentionKind.COMMENT,
        external_id="-1002198765432:3304",
        parent_external_id="-1002198765432:3301",
        root_external_id="-1002198765432:3301",
        author=Author(
            platform_user_id="884512309", handle="chiara_esp", display_name="Chiara Esposito"
        ),
        text=(
            "Buonasera, la manutenzione riguarda anche i clienti in Italia? Devo ritirare un "
            "ordine stasera alle 22:30."
        ),
        posted_at=datetime(2025, 3, 14, 15, 7, 36, tzinfo=UTC),
        permalink="https://t.me/solvia_news_ru/512?comment=3304",
        raw_kind="message",
        extra={"channel_post": "-1002145789630:512"},
    )


def test_album_items_are_separate_mentions_sharing_the_group_id() -> None:
    first = _single("07_")
    second = _single("08_")
    assert (first.external_id, second.external_id) == ("6021457783:41", "6021457783:42")
    assert first.extra["media_group_id"] == second.extra["media_group_id"] == "13891047612230519"
    assert first.text == "جعبه هدفون وقتی رسید این شکلی بود 😞 لطفاً راهنمایی کنید."
    assert second.text is None
    assert first.media_types == second.media_types == ("photo",)
    assert first.author == Author(
        platform_user_id="6021457783", handle="arash_tehran", display_name="آرش"
    )


def test_business_message_belongs_to_the_business_connection() -> None:
    message = _single("09_")
    assert message.account_id == BUSINESS
    assert message.external_id == f"{BUSINESS}:1189345620:5567"
    assert message.root_external_id == f"{BUSINESS}:1189345620"
    assert message.is_from_brand is False
    assert message.text == (
        "Hi! I was charged twice for order UK-55120. "
        "Could you refund the duplicate payment, please?"
    )


def test_outgoing_business_message_is_the_brand() -> None:
    outgoing = body("telegram", "09_").replace(
        b'"from":{"id":1189345620', b'"from":{"id":8800112233'
    )
    (message,) = telegram.parse(outgoing).mentions
    assert message.is_from_brand is True


def test_deleted_business_messages_mark_each_message_deleted() -> None:
    deleted = _single("10_")
    assert (deleted.action, deleted.external_id, deleted.posted_at, deleted.author) == (
        EventAction.DELETED,
        f"{BUSINESS}:1189345620:5567",
        None,
        None,
    )


def test_get_updates_batch_parses_every_update() -> None:
    result = telegram.parse(body("telegram", "12_"))
    assert [(m.action, m.external_id) for m in result.mentions] == [
        (EventAction.CREATED, "523987114:1184"),
        (EventAction.EDITED, "523987114:1184"),
        (EventAction.CREATED, "523987114:1186"),
    ]
    assert result.mentions[0] == _single("01_")


def test_failed_get_updates_response_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="getUpdates response reports failure"):
        telegram.parse(b'{"ok":false,"result":[],"description":"Unauthorized"}')


def test_other_updates_are_ignored_with_a_reason() -> None:
    result = telegram.parse(b'{"update_id":803311080,"callback_query":{"id":"1","data":"x"}}')
    assert (result.mentions, result.ignored) == ((), ("telegram callback_query",))
    assert telegram.dedupe_keys(b'{"update_id":803311080,"callback_query":{"id":"1"}}') == (
        "tg:update:803311080",
    )
