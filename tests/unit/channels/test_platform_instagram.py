from datetime import UTC, datetime

from domain.channels.platforms import instagram
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MentionKind,
    NormalizedMention,
)
from tests.unit.channels.webhook_fixture_manifests import body

ACCOUNT = "17841405822304914"
ACCOUNT_IT = "17841463520098123"
MEDIA_M1 = "18047205561823794"
COMMENT_IC1 = "18028715934470391"
CUSTOMER_IGSID = "7712409385561023"
MID_06 = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjMTc4NDE0MDU4MjIzMDQ5MTQ6MzQwMjgyMzY2ODQxNzEwMzAwOTQ5"
    "MTg0MDkxOTY4NjU1ODE5ODA5OjY3NDEyNjU3MjMwMzkyMTYyMzQyODgwODE2ODgwNjQ3ODEyMDUzNAZDZD"
)
MID_07 = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjMTc4NDE0MDU4MjIzMDQ5MTQ6MzQwMjgyMzY2ODQxNzEwMzAwOTQ5"
    "MTE0OTk1MDI0NTMxMjA3MDgzOjgxODMzMTg4NjM3OTc2NzE0ODA5ODc2MTYzNTAwMjUzNzU5NTQ1OQZDZD"
)


def _single(file_prefix: str) -> NormalizedMention:
    result = instagram.parse(body("instagram", file_prefix))
    assert result.ignored == ()
    (mention,) = result.mentions
    return mention


def test_comment_is_normalised_exactly() -> None:
    assert _single("01_") == NormalizedMention(
        platform="instagram",
        account_id=ACCOUNT,
        action=EventAction.CREATED,
        kind=MentionKind.COMMENT,
        external_id=COMMENT_IC1,
        parent_external_id=MEDIA_M1,
        root_external_id=MEDIA_M1,
        author=Author(
            platform_user_id="1789203345610293", handle="giulia.bianchi_92", display_name=None
        ),
        text="Adoro il design! 😍 Ma arriverà anche la versione verde salvia in Italia?",
        posted_at=datetime(2025, 3, 14, 12, 2, 44, tzinfo=UTC),
        raw_kind="comments",
        extra={"media_product_type": "FEED"},
    )


def test_brand_reply_is_flagged_and_threads_under_the_comment() -> None:
    reply = _single("02_")
    assert reply.kind is MentionKind.REPLY
    assert reply.is_from_brand is True
    assert reply.external_id == "17993402281165720"
    assert (reply.parent_external_id, reply.root_external_id) == (COMMENT_IC1, MEDIA_M1)
    assert reply.author == Author(
        platform_user_id=ACCOUNT, handle="solvia.official", display_name=None
    )
    assert reply.text == (
        "@giulia.bianchi_92 Ciao Giulia! La versione verde salvia arriva in Italia ad aprile 🌿"
    )


def test_comment_on_a_reel_keeps_the_product_type() -> None:
    reel = _single("03_")
    assert reel.external_id == "18101234409817265"
    assert reel.root_external_id == "18329610245078113"
    assert reel.extra["media_product_type"] == "REELS"
    assert reel.author is not None
    assert reel.author.handle == "anya.volkova_spb"
    assert reel.is_from_brand is False


def test_mention_in_a_comment_has_ids_only_and_says_what_to_fetch() -> None:
    assert _single("04_") == NormalizedMention(
        platform="instagram",
        account_id=ACCOUNT,
        action=EventAction.CREATED,
        kind=MentionKind.COMMENT,
        external_id="17876543210987654",
        parent_external_id="18062218745390126",
        root_external_id="18062218745390126",
        author=None,
        text=None,
        posted_at=datetime(2025, 3, 14, 12, 40, 18, tzinfo=UTC),
        raw_kind="mentions",
        extra={"fetch": "mentioned_comment", "media_id": "18062218745390126"},
    )


def test_mention_in_a_caption_is_a_post_to_fetch() -> None:
    caption = _single("05_")
    assert (caption.kind, caption.external_id) == (MentionKind.POST, "18093374120865541")
    assert (caption.author, caption.text) == (None, None)
    assert dict(caption.extra) == {"fetch": "mentioned_media"}


def test_direct_message_text() -> None:
    dm = _single("06_")
    assert dm.kind is MentionKind.DM
    assert dm.external_id == MID_06
    assert dm.root_external_id == f"{ACCOUNT}:{CUSTOMER_IGSID}"
    assert dm.text == "سلام! هدفون Aura که از پیج شما خریدم گارانتی بین‌المللی داره؟"
    assert dm.posted_at == datetime(2025, 3, 14, 13, 1, 12, 734000, tzinfo=UTC)
    assert dm.is_from_brand is False


def test_image_only_direct_message() -> None:
    dm = _single("07_")
    assert (dm.external_id, dm.text, dm.media_types, dm.has_media) == (
        MID_07,
        None,
        ("image",),
        True,
    )


def test_direct_message_edit_and_unsend() -> None:
    edit = _single("08_")
    assert (edit.action, edit.external_id, dict(edit.extra)) == (
        EventAction.EDITED,
        MID_06,
        {"num_edit": "1"},
    )
    assert edit.text == (
        "سلام! هدفون Aura که از پیج شما خریدم گارانتی بین‌المللی داره؟ فاکتور رسمی هم می‌خواستم."
    )
    unsent = _single("09_")
    assert (unsent.action, unsent.external_id, unsent.text, unsent.has_media) == (
        EventAction.DELETED,
        MID_07,
        None,
        False,
    )


def test_batch_of_two_accounts() -> None:
    mentions = instagram.parse(body("instagram", "10_")).mentions
    assert [(m.account_id, m.external_id, m.author and m.author.handle) for m in mentions] == [
        (ACCOUNT, "18044612398170532", "mark.t_london"),
        (ACCOUNT, "17988120345561287", "kasia_nowak.pl"),
        (ACCOUNT_IT, "18139902745610038", "marco.ferri88"),
    ]
    assert mentions[0].text == 'Ordered on Monday, still says "processing". Any update? #solvia'
    assert instagram.account_ids(body("instagram", "10_")) == (ACCOUNT, ACCOUNT_IT)


def test_comment_id_key_variant_and_list_wrapped_body_are_accepted() -> None:
    variant = body("instagram", "01_").replace(
        b'"id":"18028715934470391"', b'"comment_id":"18028715934470391"'
    )
    wrapped = b"[" + variant + b"]"
    (mention,) = instagram.parse(wrapped).mentions
    assert mention.external_id == COMMENT_IC1
    assert instagram.dedupe_keys(wrapped) == ("ig:comment:18028715934470391",)


def test_unknown_fields_are_ignored_with_a_reason() -> None:
    payload = (
        b'{"object":"instagram","entry":[{"id":"17841405822304914","time":1741956000,'
        b'"changes":[{"field":"story_insights","value":{"media_id":"1","reach":10}}]}]}'
    )
    result = instagram.parse(payload)
    assert (result.mentions, result.ignored) == ((), ("instagram field story_insights",))
