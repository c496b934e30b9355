import pytest

from domain.triage.routes import EscalationRouteRule, RouteSuggestion, suggest_department

PRECEDENCE = (
    "legal_compliance",
    "security",
    "pr",
    "technical",
    "claims",
    "billing",
    "logistics",
)
HOT = ("complaint", "urgent_request")

INSURER_ROUTES = (
    EscalationRouteRule("claims", HOT, ("szkoda", "odszkodowanie", "rzeczoznawca", "laweta")),
    EscalationRouteRule("billing", HOT, ("składka", "zwrot składki", "rata")),
    EscalationRouteRule("technical", ("outage", "complaint"), ("nie działa", "aplikacja", "błąd")),
    EscalationRouteRule(
        "legal_compliance", (*HOT, "spam"), ("RODO", "pozew", "sąd", "podszywanie się")
    ),
    EscalationRouteRule("pr", ("question", "complaint", "general_mention"), ("dziennikarz",)),
)
BANK_ROUTES = (
    EscalationRouteRule("security", (*HOT, "spam"), ("мошенник", "украли", "фишинг")),
    EscalationRouteRule("billing", HOT, ("комиссия", "возврат")),
    EscalationRouteRule("technical", ("outage", "complaint"), ("приложение", "не работает")),
    EscalationRouteRule("legal_compliance", HOT, ("суд", "ЦБ", "навязали")),
)


def department(
    text: str, category: str | None, routes: tuple[EscalationRouteRule, ...]
) -> str | None:
    suggestion = suggest_department(text, category, routes, PRECEDENCE)
    return None if suggestion is None else suggestion.department


def test_keyword_in_an_inflected_form_routes_with_a_reason() -> None:
    text = "Rzeczoznawca był raz, a szkody dalej nikt nie likwiduje."

    assert suggest_department(text, "complaint", INSURER_ROUTES, PRECEDENCE) == RouteSuggestion(
        "claims",
        ("keyword 'rzeczoznawca' → claims", "keyword 'szkoda' → claims"),
    )


def test_nothing_matches_means_the_care_team_handles_it() -> None:
    assert (
        department("Konsultant był niemiły i się rozłączył.", "complaint", INSURER_ROUTES) is None
    )


def test_only_routes_listing_the_category_are_eligible() -> None:
    text = "Jak zgłosić szkodę z OC sprawcy?"

    assert department(text, "question", INSURER_ROUTES) is None
    assert department(text, "complaint", INSURER_ROUTES) == "claims"
    assert department(text, None, INSURER_ROUTES) == "claims"


def test_media_inquiry_is_the_one_cold_escalation() -> None:
    text = "Jestem dziennikarzem, przygotowuję materiał o wypłatach odszkodowań."

    assert department(text, "question", INSURER_ROUTES) == "pr"


def test_legal_threat_outranks_the_topic_department() -> None:
    text = "Odmówiliście odszkodowania, sprawa trafi do sądu."

    assert suggest_department(text, "complaint", INSURER_ROUTES, PRECEDENCE) == RouteSuggestion(
        "legal_compliance", ("keyword 'sąd' → legal_compliance",)
    )


def test_security_outranks_billing_at_the_bank() -> None:
    text = "Мошенники украли деньги, верните комиссию"

    assert department(text, "urgent_request", BANK_ROUTES) == "security"


def test_outage_always_goes_to_the_route_listing_outages() -> None:
    assert suggest_department(
        "Nic się nie ładuje od 10 minut", "outage", INSURER_ROUTES, PRECEDENCE
    ) == RouteSuggestion("technical", ("category 'outage' → technical",))


def test_operational_departments_compete_on_evidence_before_precedence() -> None:
    # Technical ranks above billing, but one incidental mention of the app does not make
    # a double charge a bug report.
    text = "Pobraliście składkę dwa razy, w aplikacji widać dwie raty. Proszę o zwrot składki."

    assert department(text, "complaint", INSURER_ROUTES) == "billing"


def test_operational_tie_falls_back_to_precedence() -> None:
    assert department("Aplikacja pokazuje złą składkę", "complaint", INSURER_ROUTES) == "technical"


def test_built_in_vocabulary_covers_english_mentions_to_a_polish_brand() -> None:
    text = "Had a car accident, is there an English-speaking claims handler?"

    assert department(text, "complaint", INSURER_ROUTES) == "claims"


def test_built_in_vocabulary_only_reaches_departments_the_brand_has() -> None:
    text = "The rider never came and the food was cold"

    assert department(text, "complaint", INSURER_ROUTES) is None


class TestSpam:
    def test_generic_spam_is_not_escalated(self) -> None:
        text = "Najlepsze kredyty bez sprawdzania baz, link: kredyty.example/go"

        assert department(text, "spam", INSURER_ROUTES) is None

    def test_phishing_with_a_prize_and_a_link_goes_to_legal(self) -> None:
        text = "Gratulacje! Wierzba losuje iPhone'a. Odbierz nagrodę: http://nagroda.example/x"

        assert suggest_department(text, "spam", INSURER_ROUTES, PRECEDENCE) == RouteSuggestion(
            "legal_compliance",
            (
                "keyword 'gratulacje' → legal_compliance",
                "keyword 'losuje' → legal_compliance",
                "keyword 'nagrodę' → legal_compliance",
            ),
        )

    def test_prize_without_a_link_is_not_phishing(self) -> None:
        assert department("Gratulacje dla zwycięzcy konkursu!", "spam", INSURER_ROUTES) is None

    def test_bank_phishing_goes_to_the_route_accepting_spam(self) -> None:
        text = "Бирюза Банк дарит 5000 ₽! Получите бонус по ссылке: bonus.example/claim"

        assert department(text, "spam", BANK_ROUTES) == "security"


def test_departments_missing_from_the_precedence_rank_last() -> None:
    routes = (
        EscalationRouteRule("catering", HOT, ("kanapka",)),
        EscalationRouteRule("billing", HOT, ("składka",)),
    )

    assert department("kanapka i składka", "complaint", routes) == "billing"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("سیم‌کارتی که سفارش دادم بعد از ده روز هنوز نرسیده", "logistics"),
        ("دو روز در سفر رومینگ داشتم، صورتحسابش سه برابر اومده", "billing"),
        ("کد ملی من رو کسی استفاده کرده و خط به نام من ثبت شده", "legal_compliance"),
    ],
)
def test_persian_routes(text: str, expected: str) -> None:
    routes = (
        EscalationRouteRule("logistics", HOT, ("سیم‌کارت نرسیده", "پیک")),
        EscalationRouteRule("billing", HOT, ("صورتحساب", "رومینگ")),
        EscalationRouteRule("legal_compliance", HOT, ("کد ملی", "خط به نام من")),
    )

    assert department(text, "complaint", routes) == expected
