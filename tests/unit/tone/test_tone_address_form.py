"""Form of address: formal and informal drafts in Polish, Russian, Italian, Persian and English."""

from dataclasses import replace

import pytest

from domain.tone.rules import (
    AddressForm,
    Severity,
    ToneFinding,
    ToneFindingCode,
    address_markers,
    check_tone,
)
from tests.unit.tone.demo_tone import findings, guidelines

WRONG = "wrong_address_form"


@pytest.mark.parametrize(
    ("slug", "draft"),
    [
        ("wierzba", "Dzień dobry, Pani Anno! Czy mogliby Państwo przesłać numer szkody?"),
        ("wierzba", "Prosimy o przesłanie zdjęć uszkodzeń, sprawdzimy je w 2 dni robocze."),
        ("biryuza", "Здравствуйте, Ольга! Вы можете заблокировать карту в приложении."),
        ("biryuza", "Напишите, пожалуйста, в чат приложения дату и сумму операции."),
        ("forchetta", "Ciao Giulia! Puoi seguire il rider in app, ti avvisiamo appena parte."),
        ("forchetta", "La consegna è gratuita. Le bibite arrivano in un sacchetto a parte."),
        (
            "nilgoon",
            "لطفاً شماره پیگیری را از طریق ربات پشتیبانی بفرستید؛ "
            "شما می‌توانید وضعیت را در اپلیکیشن ببینید.",
        ),
        ("kestrel", "Hi Priya, we've rebooked you on tomorrow's 09:40 flight."),
    ],
)
def test_the_brands_own_form_passes(slug: str, draft: str) -> None:
    assert findings(slug, draft) == []


def test_polish_informal_pronouns_and_verbs_in_a_formal_brand() -> None:
    draft = "Możesz sprawdzić status w aplikacji. Twoja szkoda jest w toku, napisz, jeśli coś."

    assert findings("wierzba", draft) == [
        (WRONG, "error", "Możesz"),
        (WRONG, "error", "Twoja"),
        (WRONG, "error", "napisz"),
    ]


def test_polish_past_tense_and_plural_informal_forms() -> None:
    draft = "Jeśli wysłałeś już zdjęcia, dajcie znać – wam odpiszemy."

    assert findings("wierzba", draft) == [
        (WRONG, "error", "wysłałeś"),
        (WRONG, "error", "dajcie"),
        (WRONG, "error", "wam"),
    ]


def test_polish_nouns_that_end_like_verbs_are_not_mistaken() -> None:
    draft = "Nasz konsultant wyśle kosz prezentowy; klawisz „Zgłoś” jest w aplikacji."

    assert findings("wierzba", draft) == []


def test_polish_formal_forms_in_an_informal_brand() -> None:
    informal = replace(guidelines("wierzba"), address_form=AddressForm.INFORMAL)
    draft = "Szanowny Panie, czy mogliby Państwo przesłać zdjęcie?"

    result = check_tone(
        draft, guidelines=informal, language="pl", channel_kind=None, context_category=None
    )

    assert [draft[f.start : f.end] for f in result] == ["Szanowny", "Panie", "Państwo"]
    assert result[0] == ToneFinding(
        code=ToneFindingCode.WRONG_ADDRESS_FORM,
        message="“Szanowny” is the formal form of address; this brand addresses customers "
        "informally: use the informal “Ty” forms.",
        start=0,
        end=8,
    )


def test_russian_ty_and_singular_verbs_in_a_formal_brand() -> None:
    draft = "Ты можешь проверить статус в приложении, а твою заявку мы уже видим. Напиши нам!"

    assert findings("biryuza", draft) == [
        (WRONG, "error", "Ты"),
        (WRONG, "error", "можешь"),
        (WRONG, "error", "твою"),
        (WRONG, "error", "Напиши"),
    ]


def test_russian_lower_case_vy_is_a_warning_where_the_capital_is_required() -> None:
    draft = "Если вы сообщили код, заблокируйте карту: ваши деньги под защитой."

    result = check_tone(
        draft,
        guidelines=guidelines("biryuza"),
        language="ru",
        channel_kind=None,
        context_category=None,
    )

    assert result == (
        ToneFinding(
            code=ToneFindingCode.WRONG_ADDRESS_FORM,
            message="“вы”: this brand capitalises the formal pronoun when addressing one "
            "customer (“Вы”).",
            start=5,
            end=7,
            severity=Severity.WARNING,
        ),
        ToneFinding(
            code=ToneFindingCode.WRONG_ADDRESS_FORM,
            message="“ваши”: this brand capitalises the formal pronoun when addressing one "
            "customer (“Ваши”).",
            start=42,
            end=46,
            severity=Severity.WARNING,
        ),
    )


def test_russian_formal_forms_in_an_informal_brand() -> None:
    informal = replace(guidelines("biryuza"), address_form=AddressForm.INFORMAL)
    draft = "Уважаемый клиент, напишите нам, и Вы получите ответ."

    result = check_tone(
        draft, guidelines=informal, language="ru", channel_kind=None, context_category=None
    )

    assert [draft[f.start : f.end] for f in result] == ["Уважаемый", "напишите", "Вы", "получите"]


def test_italian_formal_lei_in_an_informal_brand() -> None:
    draft = (
        "Gentile cliente, La preghiamo di attendere. Ci scriva il numero d'ordine: "
        "il Suo rimborso è in arrivo. Possiamo aiutarLa?"
    )

    assert findings("forchetta", draft) == [
        (WRONG, "error", "Gentile cliente"),
        (WRONG, "error", "La preghiamo"),
        (WRONG, "error", "Ci scriva"),
        (WRONG, "error", "Suo"),
        (WRONG, "error", "aiutarLa"),
    ]


def test_italian_articles_and_third_persons_are_not_formal_address() -> None:
    draft = "Le segnalazioni vanno fatte entro 24 ore. Lei, la rider, arriva tra poco."

    assert findings("forchetta", draft) == []


def test_italian_informal_forms_in_a_formal_brand() -> None:
    formal = replace(guidelines("forchetta"), address_form=AddressForm.FORMAL)
    draft = "Scrivici in chat il numero d'ordine, così puoi avere il tuo rimborso."

    result = check_tone(
        draft, guidelines=formal, language="it", channel_kind=None, context_category=None
    )

    assert [draft[f.start : f.end] for f in result] == ["Scrivici", "puoi", "tuo"]


def test_persian_to_and_singular_verbs_in_a_formal_brand() -> None:
    draft = "تو می‌تونی بسته را از اپلیکیشن بخری؛ شماره‌ات را برام بفرست."

    assert findings("nilgoon", draft) == [
        (WRONG, "error", "تو"),
        (WRONG, "error", "می\u200cتونی"),
        (WRONG, "error", "بفرست"),
    ]


def test_persian_formal_forms_in_an_informal_brand() -> None:
    informal = replace(guidelines("nilgoon"), address_form=AddressForm.INFORMAL)
    draft = "شما می‌توانید شماره را بفرستید."

    result = check_tone(
        draft, guidelines=informal, language="fa", channel_kind=None, context_category=None
    )

    assert [draft[f.start : f.end] for f in result] == ["شما", "می\u200cتوانید", "بفرستید"]


def test_english_letter_formulas_and_slang_against_an_informal_professional_brand() -> None:
    draft = "Dear Sir/Madam, we're gonna check this for u."

    assert findings("kestrel", draft) == [
        (WRONG, "error", "Dear Sir/Madam"),
        (WRONG, "error", "gonna"),
        (WRONG, "error", "u"),
    ]


def test_english_replies_of_a_formal_brand_may_not_use_slang() -> None:
    assert findings("wierzba", "Thanks, we'll sort it out asap, lol.", language="en") == [
        (WRONG, "error", "lol")
    ]
    assert findings("wierzba", "Dear Customer, thank you for your message.", language="en") == []


def test_quoted_labels_are_not_how_we_address_the_customer() -> None:
    draft = "W aplikacji prosimy wybrać zakładkę „Zgłoś szkodę” i dodać zdjęcia."

    assert findings("wierzba", draft) == []


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "pl",
            "Czy mogliby Państwo napisać? Sprawdź też „Twoje konto”.",
            [("formal", "Państwo"), ("informal", "Sprawdź")],
        ),
        (
            "ru",
            "Вы можете написать, а ты — нет.",
            [("formal", "Вы"), ("formal", "можете"), ("informal", "ты")],
        ),
        (
            "it",
            "Puoi scriverci; Lei invece ci scriva.",
            [("informal", "Puoi"), ("formal", "Lei"), ("formal", "ci scriva")],
        ),
        (
            "fa",
            "شما می‌توانید، تو نمی‌تونی.",
            [
                ("formal", "شما"),
                ("formal", "می\u200cتوانید"),
                ("informal", "تو"),
                ("informal", "نمی\u200cتونی"),
            ],
        ),
        ("en", "Dear customer, pls hold.", [("formal", "Dear customer"), ("informal", "pls")]),
        ("de", "Sie und du.", []),
    ],
)
def test_address_markers_show_the_forms_a_draft_uses(
    language: str, text: str, expected: list[tuple[str, str]]
) -> None:
    markers = address_markers(text, language)

    assert [(marker.form.value, text[marker.start : marker.end]) for marker in markers] == expected
