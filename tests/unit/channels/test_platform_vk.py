from datetime import UTC, datetime

from domain.channels.platforms import vk
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MentionKind,
    NormalizedMention,
)
from tests.unit.channels.webhook_fixture_manifests import body

GROUP = "227771234"
POST = "-227771234_1843"
OLEG = Author(platform_user_id="715342219", handle=None, display_name=None)
C1851_TEXT = (
    "Заказал 5 марта, до сих пор статус «Собирается». Номер заказа RU-77412. Когда отправите?"
)


def _single(file_prefix: str) -> NormalizedMention:
    result = vk.parse(body("vk", file_prefix))
    assert result.ignored == ()
    (mention,) = result.mentions
    return mention


def test_confirmation_yields_no_mention() -> None:
    result = vk.parse(body("vk", "01_"))
    assert (result.mentions, result.ignored) == ((), ("vk confirmation",))
    assert vk.account_ids(body("vk", "01_")) == (GROUP,)


def test_community_wall_post_is_the_brand() -> None:
    post = _single("02_")
    assert (post.kind, post.external_id, post.is_from_brand) == (MentionKind.POST, POST, True)
    assert post.author == Author(platform_user_id="-227771234", handle=None, display_name=None)
    assert post.permalink == "https://vk.com/wall-227771234_1843"
    assert post.posted_at == datetime(2025, 3, 14, 8, 0, tzinfo=UTC)
    assert dict(post.extra) == {"post_type": "post"}


def test_wall_comment_is_normalised_exactly() -> None:
    assert _single("03_") == NormalizedMention(
        platform="vk",
        account_id=GROUP,
        action=EventAction.CREATED,
        kind=MentionKind.COMMENT,
        external_id="-227771234_1851",
        parent_external_id=POST,
        root_external_id=POST,
        author=OLEG,
        text=C1851_TEXT,
        posted_at=datetime(2025, 3, 14, 8, 47, 33, tzinfo=UTC),
        permalink="https://vk.com/wall-227771234_1843?reply=1851",
        raw_kind="wall_reply_new",
    )


def test_community_reply_is_the_brand_and_threads_under_the_comment() -> None:
    reply = _single("04_")
    assert (reply.kind, reply.is_from_brand) == (MentionKind.REPLY, True)
    assert (reply.external_id, reply.parent_external_id, reply.root_external_id) == (
        "-227771234_1853",
        "-227771234_1851",
        POST,
    )


def test_comment_edit_keeps_the_original_date() -> None:
    edit = _single("05_")
    assert (edit.action, edit.external_id) == (EventAction.EDITED, "-227771234_1851")
    assert edit.text == C1851_TEXT + "\nUPD: трек получил, спасибо."
    assert edit.posted_at == datetime(2025, 3, 14, 8, 47, 33, tzinfo=UTC)


def test_comment_delete_has_ids_only() -> None:
    assert _single("07_") == NormalizedMention(
        platform="vk",
        account_id=GROUP,
        action=EventAction.DELETED,
        kind=MentionKind.COMMENT,
        external_id="-227771234_1856",
        root_external_id=POST,
        posted_at=None,
        raw_kind="wall_reply_delete",
        extra={"deleter_id": "512093388"},
    )


def test_private_message_text_and_photo_only() -> None:
    text = _single("08_")
    assert (text.kind, text.external_id, text.root_external_id, text.is_from_brand) == (
        MentionKind.DM,
        "227771234:9021",
        "644218905",
        False,
    )
    assert text.text == "Добрый день! Можно ли оплатить заказ при получении курьеру картой?"
    assert text.author == Author(platform_user_id="644218905", handle=None, display_name=None)
    photo = _single("09_")
    assert (photo.external_id, photo.text, photo.media_types) == (
        "227771234:9024",
        None,
        ("photo",),
    )


def test_long_poll_batch_parses_every_event() -> None:
    mentions = vk.parse(body("vk", "11_")).mentions
    assert [(m.kind, m.external_id, m.text) for m in mentions] == [
        (
            MentionKind.DM,
            "227771234:9030",
            "Dzień dobry, czy wysyłacie też do Polski? Mieszkam we Wrocławiu.",
        ),
        (
            MentionKind.COMMENT,
            "-227771234_1861",
            "Ciao! Le Aura ANC sono disponibili anche in Italia tramite voi?",
        ),
        (MentionKind.DM, "227771234:9031", "سلام، آیا امکان ارسال به ایران وجود دارد؟"),
    ]


def test_outgoing_messages_and_restores_and_unknown_events() -> None:
    reply = (
        b'{"type":"message_reply","event_id":"aa","v":"5.199","object":{"date":1741947400,'
        b'"from_id":-227771234,"id":9022,"out":1,"peer_id":644218905,"text":"Tak"},'
        b'"group_id":227771234,"secret":"s"}'
    )
    (outgoing,) = vk.parse(reply).mentions
    assert (outgoing.is_from_brand, outgoing.external_id) == (True, "227771234:9022")
    assert vk.dedupe_keys(reply) == ("vk:227771234:event:aa", "vk:msg:227771234:9022")
    restore = body("vk", "03_").replace(b'"wall_reply_new"', b'"wall_reply_restore"')
    (restored,) = vk.parse(restore).mentions
    assert restored.action is EventAction.UNHIDDEN
    other = vk.parse(b'{"type":"group_join","event_id":"bb","object":{},"group_id":227771234}')
    assert (other.mentions, other.ignored) == ((), ("vk group_join",))
