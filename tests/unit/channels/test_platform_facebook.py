from datetime import UTC, datetime

import pytest

from domain.channels.platforms import facebook
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MalformedPayload,
    MentionKind,
    NormalizedMention,
)
from tests.unit.channels.webhook_fixture_manifests import body

PAGE_PL = "104729384756120"
PAGE_IT = "108834562209917"
POST_P1 = "104729384756120_122158734409283716"
COMMENT_C1 = "122158734409283716_1187723409865521"
C1_TEXT = (
    "Zamówiłam Aurę 3 tygodnie temu (zamówienie PL-2025-118734) i dalej nic. "
    "Infolinia nie odbiera. Jak długo jeszcze mam czekać?"
)
P1_URL = (
    "https://www.facebook.com/solvia.polska/posts/"
    "pfbid02Xk7yQmR4vNcT8sWb3LpZa6Hd1JfE9gUoKw5iYtB2nCeV7rMxLq3S8dAh4jPGz1l"
)
KATARZYNA_FEED = Author(
    platform_user_id="8412093375521064", handle=None, display_name="Katarzyna Wiśniewska"
)
PERSIAN_PSID = "7294018365512047"
MID_08 = "m_3Fnm9AF5SzRMtPh2dugd5_VBPuh5zzjoF6SHIjF7q1P6MRlPXgNRLfkJ0YLu1t26a4ZXneAe1lgLFHqhLY3S2g"


def _single(file_prefix: str) -> NormalizedMention:
    result = facebook.parse(body("facebook", file_prefix))
    assert result.ignored == ()
    (mention,) = result.mentions
    return mention


def test_photo_post_by_the_page_is_the_thread_root() -> None:
    post = _single("01_")
    assert post.kind is MentionKind.POST
    assert post.action is EventAction.CREATED
    assert post.external_id == POST_P1
    assert (post.parent_external_id, post.root_external_id) == (None, None)
    assert post.is_from_brand is True
    assert post.author == Author(
        platform_user_id=PAGE_PL, handle=None, display_name="Solvia Polska"
    )
    assert post.text is not None
    assert post.text.startswith("Nowe słuchawki Solvia Aura ANC już w sprzedaży! 🎧")
    assert (post.has_media, post.media_types) == (True, ("photo",))
    assert post.posted_at == datetime(2025, 3, 14, 9, 0, 0, tzinfo=UTC)
    assert post.raw_kind == "feed/photo/add"
    assert post.extra["published"] == "1"
    assert post.extra["link"].startswith("https://scontent.xx.fbcdn.net/v/t39.30808-6/484012256_")


def test_customer_comment_is_normalised_exactly() -> None:
    assert _single("02_") == NormalizedMention(
        platform="facebook",
        account_id=PAGE_PL,
        action=EventAction.CREATED,
        kind=MentionKind.COMMENT,
        external_id=COMMENT_C1,
        parent_external_id=POST_P1,
        root_external_id=POST_P1,
        author=KATARZYNA_FEED,
        text=C1_TEXT,
        has_media=False,
        media_types=(),
        posted_at=datetime(2025, 3, 14, 9, 41, 7, tzinfo=UTC),
        permalink=f"{P1_URL}?comment_id=1187723409865521",
        is_from_brand=False,
        raw_kind="feed/comment/add",
        extra={},
    )


def test_page_reply_is_flagged_as_the_brand_and_threads_under_the_comment() -> None:
    reply = _single("03_")
    assert reply.kind is MentionKind.REPLY
    assert reply.is_from_brand is True
    assert reply.external_id == "122158734409283716_1187741236704419"
    assert reply.parent_external_id == COMMENT_C1
    assert reply.root_external_id == POST_P1
    assert reply.author == Author(
        platform_user_id=PAGE_PL, handle=None, display_name="Solvia Polska"
    )


def test_edited_comment_carries_the_new_text_and_edit_time() -> None:
    edited = _single("04_")
    assert edited.action is EventAction.EDITED
    assert edited.external_id == COMMENT_C1
    assert edited.author == KATARZYNA_FEED
    assert edited.text == (
        C1_TEXT + "\n\nEDIT: dostałam numer przesyłki, dziękuję za szybką reakcję 👍"
    )
    assert edited.posted_at == datetime(2025, 3, 14, 10, 3, 12, tzinfo=UTC)
    assert edited.raw_kind == "feed/comment/edited"


def test_legacy_edit_verb_means_edited() -> None:
    legacy = body("facebook", "04_").replace(b'"verb":"edited"', b'"verb":"edit"')
    (mention,) = facebook.parse(legacy).mentions
    assert mention.action is EventAction.EDITED
    assert facebook.dedupe_keys(legacy) == facebook.dedupe_keys(body("facebook", "04_"))


def test_batch_of_two_pages_routes_each_change_to_its_page() -> None:
    mentions = facebook.parse(body("facebook", "05_")).mentions
    assert [
        (
            m.account_id,
            m.external_id,
            m.kind,
            m.parent_external_id,
            m.author and m.author.display_name,
        )
        for m in mentions
    ] == [
        (
            PAGE_PL,
            "122158734409283716_1187790045123390",
            MentionKind.COMMENT,
            POST_P1,
            "Oliver Bennett",
        ),
        (
            PAGE_PL,
            "122158734409283716_1187792218837645",
            MentionKind.COMMENT,
            POST_P1,
            "Promo Deals 24",
        ),
        (
            PAGE_PL,
            "122158734409283716_1187801159734482",
            MentionKind.REPLY,
            "122158734409283716_1187790045123390",
            "Дмитрий Соколов",
        ),
        (
            PAGE_IT,
            "122117300845601938_663201987412056",
            MentionKind.COMMENT,
            "108834562209917_122117300845601938",
            "Giulia Bianchi",
        ),
    ]
    assert mentions[3].text == (
        "Il mio ordine IT-88213 è arrivato con la scatola schiacciata e le cuffie non si "
        "accendono. Come posso fare il reso?"
    )
    assert facebook.account_ids(body("facebook", "05_")) == (PAGE_PL, PAGE_IT)


def test_hide_event_names_the_page_as_actor_not_as_author() -> None:
    hidden = _single("06_")
    assert hidden.action is EventAction.HIDDEN
    assert hidden.external_id == "122158734409283716_1187792218837645"
    # `from` on a hide is whoever hid it; the spam comment was not written by the brand.
    assert hidden.author is None
    assert hidden.is_from_brand is False
    assert dict(hidden.extra) == {"actor_id": PAGE_PL, "actor_name": "Solvia Polska"}
    assert hidden.text == (
        "🔥 Guadagna 500€ al giorno da casa!!! Scrivimi in privato o clicca qui ➡️ "
        "bit.ly/soldi-facili-2025"
    )
    assert hidden.posted_at == datetime(2025, 3, 14, 10, 22, 10, tzinfo=UTC)


def test_remove_event_has_no_text() -> None:
    removed = _single("07_")
    assert removed.action is EventAction.DELETED
    assert removed.kind is MentionKind.REPLY
    assert removed.external_id == "122158734409283716_1187801159734482"
    assert removed.parent_external_id == "122158734409283716_1187790045123390"
    assert removed.text is None
    assert removed.permalink is None
    assert dict(removed.extra) == {"actor_id": "9023817465520193", "actor_name": "Дмитрий Соколов"}
    assert removed.posted_at == datetime(2025, 3, 14, 10, 40, tzinfo=UTC)


def test_unhide_verb_maps_to_unhidden() -> None:
    unhide = body("facebook", "06_").replace(b'"verb":"hide"', b'"verb":"unhide"')
    (mention,) = facebook.parse(unhide).mentions
    assert mention.action is EventAction.UNHIDDEN


def test_messenger_text_is_a_dm_in_the_page_customer_conversation() -> None:
    assert _single("08_") == NormalizedMention(
        platform="facebook",
        account_id=PAGE_PL,
        action=EventAction.CREATED,
        kind=MentionKind.DM,
        external_id=MID_08,
        root_external_id=f"{PAGE_PL}:{PERSIAN_PSID}",
        author=Author(platform_user_id=PERSIAN_PSID, handle=None, display_name=None),
        text=(
            "سلام وقت بخیر. هدفون Aura ANC که سفارش دادم صدای یک طرفش قطع و وصل می‌شه. "
            "شماره سفارش PL-2025-120455 هست. امکان تعویض داره؟"
        ),
        posted_at=datetime(2025, 3, 14, 11, 5, 17, 482000, tzinfo=UTC),
        raw_kind="messaging/message",
    )


def test_messenger_image_only_message_has_media_and_no_text() -> None:
    image = _single("09_")
    assert image.text is None
    assert (image.has_media, image.media_types) == (True, ("image",))
    assert image.root_external_id == f"{PAGE_PL}:{PERSIAN_PSID}"


def test_messenger_edit_keeps_the_mid_and_counts_edits() -> None:
    edit = _single("10_")
    assert edit.action is EventAction.EDITED
    assert edit.external_id == MID_08
    assert edit.text is not None
    assert "PL-2025-120456" in edit.text
    assert dict(edit.extra) == {"num_edit": "1"}
    assert edit.raw_kind == "messaging/message_edit"


def test_messenger_batch_gives_one_dm_per_entry() -> None:
    mentions = facebook.parse(body("facebook", "11_")).mentions
    assert [(m.author and m.author.platform_user_id, m.root_external_id) for m in mentions] == [
        ("6650391827740125", f"{PAGE_PL}:6650391827740125"),
        ("25019384756102934", f"{PAGE_PL}:25019384756102934"),
    ]
    assert facebook.account_ids(body("facebook", "11_")) == (PAGE_PL,)


def test_page_echo_is_from_the_brand_in_the_customer_conversation() -> None:
    echo = (
        b'{"object":"page","entry":[{"id":"104729384756120","time":1741950500000,"messaging":'
        b'[{"sender":{"id":"104729384756120"},"recipient":{"id":"7294018365512047"},'
        b'"timestamp":1741950499000,"message":{"mid":"m_echo1","text":"Dzie\\u0144 dobry",'
        b'"is_echo":true}}]}]}'
    )
    (mention,) = facebook.parse(echo).mentions
    assert mention.is_from_brand is True
    assert mention.root_external_id == f"{PAGE_PL}:{PERSIAN_PSID}"
    assert mention.text == "Dzień dobry"


def test_receipts_reactions_and_other_fields_are_ignored_with_a_reason() -> None:
    payload = (
        b'{"object":"page","entry":[{"id":"104729384756120","time":1741950500,'
        b'"changes":[{"field":"feed","value":{"item":"reaction","verb":"add",'
        b'"post_id":"104729384756120_1","created_time":1741950500}},'
        b'{"field":"ratings","value":{}}],'
        b'"messaging":[{"sender":{"id":"1"},"recipient":{"id":"104729384756120"},'
        b'"timestamp":1741950500000,"read":{"watermark":1741950400000}}]}]}'
    )
    result = facebook.parse(payload)
    assert result.mentions == ()
    assert result.ignored == (
        "facebook feed reaction",
        "facebook field ratings",
        "facebook messaging read",
    )
    assert facebook.dedupe_keys(payload) == ()


def test_an_instagram_body_is_not_a_facebook_body() -> None:
    with pytest.raises(
        MalformedPayload, match=r"^facebook payload: object: is 'instagram', expected 'page'$"
    ):
        facebook.parse(body("instagram", "01_"))
