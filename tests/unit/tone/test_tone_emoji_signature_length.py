"""Emoji policy, signatures and length limits."""

from dataclasses import replace

import pytest

from domain.tone.guidelines import EmojiPolicy, SignatureRule, ToneGuidelines
from domain.tone.rules import Severity, ToneFinding, ToneFindingCode, check_tone
from tests.unit.tone.demo_tone import findings, guidelines

EMOJI = "emoji_policy"


def test_a_brand_without_emoji_flags_every_one() -> None:
    assert findings("biryuza", "Спасибо за отзыв! 🙏 :)", context="praise") == [
        (EMOJI, "error", "🙏"),
        (EMOJI, "error", ":)"),
    ]


def test_emoji_only_in_the_allowed_contexts() -> None:
    assert findings("wierzba", "Dziękujemy za miłe słowa! 😊", context="praise") == []
    assert findings("wierzba", "Bardzo nam przykro 😔", context="complaint") == [
        (EMOJI, "error", "😔")
    ]
    # A context the policy names neither way: outside the allowed ones.
    assert findings("nilgoon", "اختلال برطرف شد 🌷", context="outage") == [(EMOJI, "error", "🌷")]


def test_the_context_is_unknown_so_only_the_count_is_checked() -> None:
    assert findings("wierzba", "Dziękujemy! 😊") == []


def test_forbidden_contexts_are_matched_however_the_catalogue_words_them() -> None:
    assert findings("kestrel", "Hi Tom, sorry about the delay ✈️", context="outage") == [
        (EMOJI, "error", "✈️")
    ]
    assert findings("wierzba", "Dziękujemy 😊", context="legal_compliance") == [
        (EMOJI, "error", "😊")
    ]
    assert findings("forchetta", "Controlla gli allergeni 🙂", context="outage") == [
        (EMOJI, "error", "🙂")
    ]
    assert findings("forchetta", "Grazie mille! 🍕", context="praise") == []


def test_messages_name_the_rule_that_applies() -> None:
    draft = "Hi Tom, sorry ✈️"
    [disruption] = check_tone(
        draft,
        guidelines=guidelines("kestrel"),
        language="en",
        channel_kind=None,
        context_category="outage",
    )
    assert disruption.message == "This brand uses no emoji in “disruption” conversations."

    [outside] = check_tone(
        draft,
        guidelines=guidelines("kestrel"),
        language="en",
        channel_kind=None,
        context_category="question",
    )
    assert outside.message == (
        "This brand uses emoji only in “praise”, “general_mention” conversations; "
        "this one is “question”."
    )


def test_emoji_beyond_the_allowed_count() -> None:
    assert findings("forchetta", "Grazie mille! 🍕🎉😍", context="praise") == [
        (EMOJI, "error", "😍")
    ]
    assert findings("kestrel", "Thanks, Priya! ✈️😊", context="praise") == [(EMOJI, "error", "😊")]


def test_emoji_sequences_count_once_and_arrows_are_not_emoji() -> None:
    policy = replace(guidelines("kestrel"), emoji=EmojiPolicy(max_per_reply=1))
    text = "Manage Booking → Refunds 👨‍👩‍👧 👍🏽 🇬🇧"

    result = check_tone(
        text, guidelines=policy, language="en", channel_kind=None, context_category=None
    )

    assert [text[f.start : f.end] for f in result] == ["👍🏽", "🇬🇧"]
    assert result[0].message == "3 emoji in this reply; this brand uses at most 1."


def test_a_signature_the_agent_must_add() -> None:
    signing = replace(
        guidelines("wierzba"),
        signature=SignatureRule("– {imię}, Zespół Wierzba", "– Marta, Zespół Wierzba"),
    )
    draft = "Dziękujemy, szkoda jest już w likwidacji. "

    assert check_tone(
        draft, guidelines=signing, language="pl", channel_kind=None, context_category=None
    ) == (
        ToneFinding(
            code=ToneFindingCode.MISSING_SIGNATURE,
            message="Replies of this brand end with the agent's signature, like "
            "“– Marta, Zespół Wierzba”: add it.",
            start=41,
            end=41,
        ),
    )
    for signed in (
        draft + "\n– Marta, Zespół Wierzba",
        draft + "— Jan Kowalski, Zespół Wierzba  ",
        draft + "- Ola,Zespół Wierzba",
    ):
        assert (
            check_tone(
                signed, guidelines=signing, language="pl", channel_kind=None, context_category=None
            )
            == ()
        )


def test_a_signature_the_system_appends_must_not_be_typed_as_well() -> None:
    draft = "Ciao Giulia! Ti rimborsiamo subito 🙌\n^Marco"

    assert check_tone(
        draft,
        guidelines=guidelines("forchetta"),
        language="it",
        channel_kind=None,
        context_category=None,
    ) == (
        ToneFinding(
            code=ToneFindingCode.DUPLICATE_SIGNATURE,
            message="The system appends the signature (“^Giulia”) when sending: remove it "
            "from the draft.",
            start=37,
            end=43,
            severity=Severity.WARNING,
        ),
    )
    assert findings("nilgoon", "با سپاس از شما.\n— سارا، پشتیبانی نیلگون") == [
        ("duplicate_signature", "warning", "— سارا، پشتیبانی نیلگون")
    ]
    assert findings("kestrel", "Hi Tom, it's rebooked.") == []


def test_the_brand_limit_keeps_room_for_the_appended_signature() -> None:
    # Kestrel allows 280 characters; "^JM" and a line break take 4 of them.
    assert findings("kestrel", "a" * 276) == []
    draft = "a" * 281

    [too_long] = check_tone(
        draft,
        guidelines=guidelines("kestrel"),
        language="en",
        channel_kind=None,
        context_category=None,
    )
    assert too_long == ToneFinding(
        code=ToneFindingCode.TOO_LONG,
        message="281 characters; the limit for this brand's replies is 280, 4 of them kept for "
        "the signature the system appends: shorten it by 5.",
        start=276,
        end=281,
    )


def test_x_counts_links_and_emoji_by_weight() -> None:
    generous = replace(guidelines("kestrel"), max_reply_chars=None, signature=None)
    link = "https://kestrel.example/claims/" + "x" * 60  # 91 characters, weighs 23
    draft = "b" * 250 + " " + link + " 😊"  # 254 characters, weighs 250 + 1 + 23 + 1 + 2 = 277

    assert (
        check_tone(
            draft, guidelines=generous, language="en", channel_kind="x", context_category=None
        )
        == ()
    )

    longer = "c" * 4 + draft
    [too_long] = check_tone(
        longer, guidelines=generous, language="en", channel_kind="x", context_category=None
    )
    assert too_long.message == (
        "281 weighted characters (X counts links as 23, emoji as 2); the limit for X replies "
        "is 280: shorten it by 1."
    )
    # The emoji is what takes the draft over 280.
    assert longer[too_long.start : too_long.end] == "😊"


def test_other_platforms_count_characters_and_the_strictest_limit_wins() -> None:
    no_brand_limit = replace(guidelines("biryuza"), max_reply_chars=None, signature=None)
    assert findings_for(no_brand_limit, "я" * 4096, "telegram") == []
    assert findings_for(no_brand_limit, "я" * 4097, "vk") == ["too_long"]

    store = replace(no_brand_limit, channel_max_chars={"telegram": 350})
    [too_long] = check_tone(
        "я" * 351, guidelines=store, language="ru", channel_kind="telegram", context_category=None
    )
    assert too_long.message == (
        "351 characters; the limit for this brand's replies on telegram is 350: shorten it by 1."
    )


def findings_for(tone: ToneGuidelines, text: str, channel_kind: str) -> list[str]:
    return [
        finding.code.value
        for finding in check_tone(
            text,
            guidelines=tone,
            language="ru",
            channel_kind=channel_kind,
            context_category=None,
        )
    ]


def test_complaint_replies_need_the_required_phrase_when_the_brand_asks() -> None:
    owning = replace(
        guidelines("kestrel"), complaint_required_phrases=("We're sorry", "That's on us")
    )

    def codes(draft: str, context: str) -> list[tuple[str, str, int, int]]:
        return [
            (f.code.value, f.severity.value, f.start, f.end)
            for f in check_tone(
                draft, guidelines=owning, language="en", channel_kind=None, context_category=context
            )
        ]

    assert codes("Hi Tom, we've rebooked you on the 09:40.", "complaint") == [
        ("missing_required_phrase", "warning", 0, 0)
    ]
    assert codes("Hi Tom, we are so sorry. We've rebooked you.", "complaint") == []
    assert codes("Hi Tom, that's on us: we've rebooked you.", "complaint") == []
    assert codes("Hi Tom, we've rebooked you on the 09:40.", "question") == []


@pytest.mark.parametrize("channel_kind", [None, "generic_webhook", "import"])
def test_channels_without_a_platform_limit_use_the_brand_limit(channel_kind: str | None) -> None:
    assert [
        code for code, _, _ in findings("forchetta", "a" * 441, channel_kind=channel_kind)
    ] == []
    assert [code for code, _, _ in findings("forchetta", "a" * 443, channel_kind=channel_kind)] == [
        "too_long"
    ]
