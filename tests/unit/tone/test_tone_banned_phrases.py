"""Banned phrases: in any inflection, case and punctuation, and only when their condition holds."""

import pytest

from domain.tone.rules import Severity, ToneFinding, ToneFindingCode, check_tone
from tests.unit.tone.demo_tone import findings, guidelines

BANNED = "banned_phrase"


@pytest.mark.parametrize(
    ("slug", "draft", "span"),
    [
        (
            "wierzba",
            "PRZEPRASZAMY ZA WSZELKIE NIEDOGODNOŚCI!",
            "PRZEPRASZAMY ZA WSZELKIE NIEDOGODNOŚCI",
        ),
        ("wierzba", "Niestety, nie mamy na to wpływu.", "nie mamy na to wpływu"),
        (
            "biryuza",
            "Приносим свои извинения за доставленные неудобства.",
            "Приносим свои извинения за доставленные неудобства",
        ),
        # One of four meaningful words missing is still the same cliché.
        ("biryuza", "Приносим извинения за неудобства.", "Приносим извинения за неудобства"),
        ("biryuza", "Ваше обращение ОЧЕНЬ важно для нас!!!", "Ваше обращение ОЧЕНЬ важно для нас"),
        (
            "biryuza",
            "Банк не несет ответственности за действия третьих лиц.",
            "Банк не несет ответственности",
        ),
        ("biryuza", "Ожидайте.", "Ожидайте"),
        (
            "forchetta",
            "Ci dispiace molto per il disagio, ti rimborsiamo subito.",
            "Ci dispiace molto per il disagio",
        ),
        ("forchetta", "Come da policy, niente rimborso sulle mance.", "Come da policy"),
        ("forchetta", "Purtroppo non dipende da noi.", "non dipende da noi"),
        (
            "forchetta",
            "Il rider è un collaboratore esterno, ma ti aiutiamo.",
            "Il rider è un collaboratore esterno",
        ),
        ("kestrel", "We apologize for the inconvenience.", "We apologize for the inconvenience"),
        ("kestrel", "Your call is very important to us.", "Your call is very important to us"),
        ("kestrel", "As per our policy, refunds take 7 days.", "As per our policy"),
        (
            "kestrel",
            "Unfortunately there's nothing we can do.",
            "Unfortunately there's nothing we can do",
        ),
        ("kestrel", "Kindly check your email.", "Kindly"),
    ],
)
def test_always_banned_phrases_are_found_in_their_variations(
    slug: str, draft: str, span: str
) -> None:
    assert (BANNED, "error", span) in findings(slug, draft)


@pytest.mark.parametrize(
    ("slug", "draft"),
    [
        # Without the negation the sentence says the opposite.
        ("wierzba", "Mamy wpływ na czas naprawy w warsztatach partnerskich."),
        ("kestrel", "Kind regards from the whole team, and thanks for flying with us!"),
        ("forchetta", "La nostra policy sui rimborsi è su forchetta.example/rimborsi."),
        ("biryuza", "Ожидаемое время зачисления — 1 рабочий день."),
    ],
)
def test_look_alikes_are_not_banned_phrases(slug: str, draft: str) -> None:
    assert [f for f in findings(slug, draft) if f[0] == BANNED] == []


def test_a_finding_quotes_the_draft_and_the_listed_phrase() -> None:
    draft = "Przepraszamy za wszelkie niedogodności."

    assert check_tone(
        draft,
        guidelines=guidelines("wierzba"),
        language="pl",
        channel_kind=None,
        context_category=None,
    ) == (
        ToneFinding(
            code=ToneFindingCode.BANNED_PHRASE,
            message="“Przepraszamy za wszelkie niedogodności” is on this brand's list of banned "
            "phrases (“Przepraszamy za niedogodności”).",
            start=0,
            end=38,
        ),
    )


@pytest.mark.parametrize(
    ("slug", "empty", "with_substance"),
    [
        (
            "wierzba",
            "Prosimy o kontakt w wiadomości prywatnej.",
            "Prosimy o kontakt w wiadomości prywatnej i podanie numeru szkody, "
            "aby sprawdzić jej status.",
        ),
        (
            "biryuza",
            "Напишите нам в личные сообщения.",
            "Напишите нам в личные сообщения дату и сумму операции — проверим списание.",
        ),
        (
            "forchetta",
            "Scrivici in privato!",
            "Scrivici in privato il numero d'ordine, così controlliamo il rimborso.",
        ),
        (
            "nilgoon",
            "به دایرکت پیام دهید.",
            "به دایرکت پیام دهید و شماره پیگیری تراکنش را بفرستید تا بررسی کنیم.",
        ),
        (
            "kestrel",
            "Please DM us.",
            "Please DM us your booking reference and surname so we can check your refund.",
        ),
    ],
)
def test_a_redirect_phrase_is_banned_only_without_reason_or_data(
    slug: str, empty: str, with_substance: str
) -> None:
    [(code, severity, _)] = findings(slug, empty)
    assert (code, severity) == (BANNED, "error")
    assert findings(slug, with_substance) == []


def test_polish_owu_needs_the_clause() -> None:
    assert findings("wierzba", "Zgodnie z OWU nie możemy pokryć tej szkody.") == [
        (BANNED, "error", "Zgodnie z OWU")
    ]
    assert findings("wierzba", "Zgodnie z OWU (§ 12 ust. 3) nie możemy pokryć tej szkody.") == []


def test_handed_over_needs_a_time_frame() -> None:
    assert findings("wierzba", "Sprawa została przekazana do odpowiedniego działu.") == [
        (BANNED, "error", "Sprawa została przekazana do odpowiedniego działu")
    ]
    assert (
        findings(
            "wierzba",
            "Sprawa została przekazana do działu likwidacji szkód; "
            "odpowiedź w ciągu 2 dni roboczych.",
        )
        == []
    )
    assert findings("forchetta", "Abbiamo girato la segnalazione al reparto competente.") == [
        (BANNED, "error", "Abbiamo girato la segnalazione al reparto competente")
    ]
    assert (
        findings(
            "forchetta",
            "Abbiamo girato la segnalazione al reparto competente: ti rispondono entro 48 ore.",
        )
        == []
    )
    assert findings("nilgoon", "پیگیری می‌کنیم.") == [(BANNED, "error", "پیگیری می\u200cکنیم")]
    assert findings("nilgoon", "پیگیری می‌کنیم و نتیجه را ظرف ۴۸ ساعت اطلاع می‌دهیم.") == []


def test_request_registered_needs_a_tracking_number() -> None:
    assert findings("nilgoon", "مشترک محترم، درخواست شما ثبت شد.") == [
        (BANNED, "error", "مشترک محترم، درخواست شما ثبت شد")
    ]
    assert findings("nilgoon", "مشترک محترم، درخواست شما با شماره پیگیری ۱۲۳۴۵ ثبت شد.") == []


def test_alone_phrases_are_banned_only_as_the_whole_reply() -> None:
    assert findings("biryuza", "Обратитесь в отделение.") == [
        (BANNED, "error", "Обратитесь в отделение")
    ]
    assert (
        findings(
            "biryuza",
            "Обратитесь в отделение с паспортом: замену карты оформят за 15 минут, бесплатно.",
        )
        == []
    )
    assert findings("nilgoon", "از صبر و شکیبایی شما سپاسگزاریم.") == [
        (BANNED, "error", "از صبر و شکیبایی شما سپاسگزاریم")
    ]
    assert (
        findings(
            "nilgoon",
            "از صبر و شکیبایی شما سپاسگزاریم. اختلال شبکه در منطقه شما برطرف شده و سرعت اینترنت "
            "به حالت عادی بازگشته است.",
        )
        == []
    )


def test_a_condition_the_text_cannot_show_is_a_warning() -> None:
    draft = "مشکل از گوشی شماست."

    assert check_tone(
        draft,
        guidelines=guidelines("nilgoon"),
        language="fa",
        channel_kind=None,
        context_category=None,
    ) == (
        ToneFinding(
            code=ToneFindingCode.BANNED_PHRASE,
            message="“مشکل از گوشی شماست” is banned in one case (بدون بررسی): check that it "
            "does not apply here.",
            start=0,
            end=18,
            severity=Severity.WARNING,
        ),
    )
