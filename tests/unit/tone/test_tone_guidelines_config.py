"""Tone guidelines read from the brand catalogue's shape."""

import pytest

from domain.tone.guidelines import (
    AddressForm,
    BannedCondition,
    BannedPhrase,
    EmojiPolicy,
    SignatureRule,
    ToneGuidelines,
    banned_phrase_from_text,
    tone_guidelines_from_config,
)
from tests.unit.tone.demo_tone import guidelines


def test_wierzba_formal_polish_with_conditional_banned_phrases() -> None:
    wierzba = guidelines("wierzba")

    assert wierzba.address_form is AddressForm.FORMAL
    assert wierzba.capitalized_formal_pronoun is False
    assert wierzba.banned_phrases == (
        BannedPhrase("Zapraszamy na priv"),
        BannedPhrase("Napisz do nas w wiadomości prywatnej"),
        BannedPhrase(
            "Prosimy o kontakt w wiadomości prywatnej",
            BannedCondition.WITHOUT_SUBSTANCE,
            "bez podania, po co i jakich danych potrzebujemy",
        ),
        BannedPhrase("Przepraszamy za niedogodności"),
        BannedPhrase("Zgodnie z OWU", BannedCondition.WITHOUT_REFERENCE, "bez wskazania zapisu"),
        BannedPhrase("Nie mamy na to wpływu"),
        BannedPhrase(
            "Sprawa została przekazana do odpowiedniego działu",
            BannedCondition.WITHOUT_TIMEFRAME,
            "bez terminu i nazwy działu",
        ),
    )
    assert wierzba.emoji == EmojiPolicy(
        allowed=True,
        max_per_reply=1,
        allowed_contexts=("praise", "general_mention"),
        forbidden_contexts=(
            "complaint",
            "urgent_request",
            "outage",
            "legal_compliance escalations",
        ),
    )
    # "podpis dokleja system przy wysyłce": the system signs.
    assert wierzba.signature == SignatureRule(
        format="– {imię}, Zespół Wierzba",
        example="– Marta, Zespół Wierzba",
        appended_by_system=True,
    )
    assert wierzba.max_reply_chars == 600
    assert wierzba.redirect_rule.startswith("Przeniesienie do wiadomości prywatnej")


def test_biryuza_requires_a_capital_formal_pronoun_and_no_emoji() -> None:
    biryuza = guidelines("biryuza")

    assert biryuza.address_form is AddressForm.FORMAL
    assert biryuza.capitalized_formal_pronoun is True  # «с заглавной буквы»
    assert biryuza.emoji == EmojiPolicy(allowed=False, max_per_reply=0)
    assert [(p.phrase, p.condition) for p in biryuza.banned_phrases] == [
        ("Напишите нам в личные сообщения", BannedCondition.WITHOUT_SUBSTANCE),
        ("Ваше обращение очень важно для нас", BannedCondition.ALWAYS),
        ("Приносим извинения за доставленные неудобства", BannedCondition.ALWAYS),
        ("Обратитесь в отделение", BannedCondition.ALONE),
        ("Ожидайте", BannedCondition.ALWAYS),
        ("Банк не несёт ответственности", BannedCondition.ALWAYS),
    ]
    assert biryuza.signature is not None
    assert biryuza.signature.appended_by_system is True


def test_forchetta_informal_italian() -> None:
    forchetta = guidelines("forchetta")

    assert forchetta.address_form is AddressForm.INFORMAL
    assert forchetta.emoji.max_per_reply == 2
    assert forchetta.emoji.allowed_contexts == ()
    assert [(p.phrase, p.condition) for p in forchetta.banned_phrases] == [
        ("Scrivici in privato", BannedCondition.WITHOUT_SUBSTANCE),
        ("Ci dispiace per il disagio", BannedCondition.ALWAYS),
        ("Come da policy", BannedCondition.ALWAYS),
        ("Non dipende da noi", BannedCondition.ALWAYS),
        ("Il rider è un collaboratore esterno", BannedCondition.ALWAYS),
        (
            "Abbiamo girato la segnalazione al reparto competente",
            BannedCondition.WITHOUT_TIMEFRAME,
        ),
    ]
    assert forchetta.signature == SignatureRule("^{Nome}", "^Giulia", appended_by_system=True)


def test_nilgoon_conditions_read_from_persian_notes() -> None:
    nilgoon = guidelines("nilgoon")

    assert nilgoon.address_form is AddressForm.FORMAL
    assert [(p.phrase, p.condition) for p in nilgoon.banned_phrases] == [
        ("به دایرکت پیام دهید", BannedCondition.WITHOUT_SUBSTANCE),
        ("از صبر و شکیبایی شما سپاسگزاریم", BannedCondition.ALONE),
        ("مشکل از گوشی شماست", BannedCondition.UNVERIFIABLE),
        ("پیگیری می\u200cکنیم", BannedCondition.WITHOUT_TIMEFRAME),
        ("مشترک محترم، درخواست شما ثبت شد", BannedCondition.WITHOUT_REFERENCE),
    ]


def test_kestrel_informal_professional_english() -> None:
    kestrel = guidelines("kestrel")

    assert kestrel.address_form is AddressForm.INFORMAL_PROFESSIONAL
    assert kestrel.max_reply_chars == 280
    assert kestrel.banned_phrases[0] == BannedPhrase(
        "Please DM us",
        BannedCondition.WITHOUT_SUBSTANCE,
        "without saying why and what to send",
    )
    assert kestrel.banned_phrases[-1] == BannedPhrase("Kindly")
    assert kestrel.emoji.forbidden_contexts == ("disruption", "complaint", "accessibility", "legal")


def test_explicit_keys_win_over_what_the_texts_say() -> None:
    config = {
        "address_form": "Informal",
        "address_form_rules": "Только на «Вы», с заглавной буквы",
        "capitalized_formal_pronoun": False,
        "banned_phrases": [
            {"phrase": "Please hold", "condition": "without_timeframe", "note": "no time"},
            {"phrase": "Odd", "condition": "whatever"},
        ],
        "signature": {
            "rule": "added automatically",
            "format": "^{initials}",
            "appended_by_system": False,
        },
        "channel_max_chars": {"x": 200, "instagram": 0, "vk": "long"},
        "complaint_required_phrases": ["We're sorry", 3],
    }

    assert tone_guidelines_from_config(config) == ToneGuidelines(
        address_form=AddressForm.INFORMAL,
        capitalized_formal_pronoun=False,
        banned_phrases=(
            BannedPhrase("Please hold", BannedCondition.WITHOUT_TIMEFRAME, "no time"),
            BannedPhrase("Odd", BannedCondition.UNVERIFIABLE),
        ),
        signature=SignatureRule("^{initials}", appended_by_system=False),
        channel_max_chars={"x": 200},
        complaint_required_phrases=("We're sorry",),
    )


def test_malformed_settings_are_skipped_not_raised() -> None:
    config = {
        "address_form": "very formal",
        "banned_phrases": "Kindly",
        "emoji_policy": {"allowed": "yes", "max_per_reply": -1, "allowed_contexts": "praise"},
        "signature": {"format": ""},
        "max_reply_chars": True,
    }

    assert tone_guidelines_from_config(config) == ToneGuidelines()
    assert tone_guidelines_from_config({}) == ToneGuidelines()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kindly", BannedPhrase("Kindly")),
        (
            "Ожидайте (как единственный ответ)",
            BannedPhrase("Ожидайте", BannedCondition.ALONE, "как единственный ответ"),
        ),
        (
            "Come da policy (senza tempi)",
            BannedPhrase("Come da policy", BannedCondition.WITHOUT_TIMEFRAME, "senza tempi"),
        ),
        (
            "We are on it (unless it rains)",
            BannedPhrase("We are on it", BannedCondition.UNVERIFIABLE, "unless it rains"),
        ),
        ("Broken (note", BannedPhrase("Broken (note")),
    ],
)
def test_a_parenthetical_note_becomes_the_condition(text: str, expected: BannedPhrase) -> None:
    assert banned_phrase_from_text(text) == expected
