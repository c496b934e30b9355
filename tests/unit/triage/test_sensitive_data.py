from collections.abc import Mapping

import pytest

from domain.triage.checksums import Checksum
from domain.triage.sensitive import (
    IdentifierFormat,
    SensitiveKind,
    SensitiveMatch,
    find_sensitive_data,
    needs_private,
)

WIERZBA_FORMATS = {
    "policy_number": IdentifierFormat(SensitiveKind.POLICY_NUMBER, r"^WRZ\d{9}$"),
    "national_id": IdentifierFormat(SensitiveKind.NATIONAL_ID, r"^\d{11}$", Checksum.PESEL),
    "account_number": IdentifierFormat(
        SensitiveKind.ACCOUNT_NUMBER, r"^(PL)?\d{26}$", Checksum.IBAN, country="PL"
    ),
}
BIRYUZA_FORMATS = {
    "account_number": IdentifierFormat(SensitiveKind.ACCOUNT_NUMBER, r"^40817810\d{12}$"),
    "passport_number": IdentifierFormat(SensitiveKind.PASSPORT_NUMBER, r"^\d{2} ?\d{2} ?\d{6}$"),
}
KESTREL_FORMATS = {
    "booking_reference": IdentifierFormat(SensitiveKind.BOOKING_REFERENCE, r"^[A-Z2-9]{6}$"),
    "passport_number": IdentifierFormat(SensitiveKind.PASSPORT_NUMBER, r"^\d{9}$"),
}


def found(
    text: str,
    regions: tuple[str, ...] = (),
    formats: Mapping[str, IdentifierFormat] | None = None,
    brand_email_domains: tuple[str, ...] = (),
) -> list[tuple[str, str]]:
    """(kind, value as written) of every match, the value cut from text by the span."""
    matches = find_sensitive_data(
        text,
        region_hints=regions,
        identifier_formats=formats,
        brand_email_domains=brand_email_domains,
    )
    return [(match.kind.value, text[match.start : match.end]) for match in matches]


def test_reports_span_and_masked_preview() -> None:
    text = "Płaciłem kartą 4111-1111-1111-1111 wczoraj."

    assert find_sensitive_data(text, region_hints=("PL",)) == (
        SensitiveMatch(SensitiveKind.CARD_NUMBER, start=15, end=34, value_preview="…1111"),
    )


def test_offsets_count_code_points_like_the_dataset() -> None:
    text = "🔥🔥 telefon +48 534 502 364"

    [match] = find_sensitive_data(text, region_hints=("PL",))

    assert (match.start, match.end) == (11, 26)
    assert text[match.start : match.end] == "+48 534 502 364"


@pytest.mark.parametrize(
    "text",
    [
        "karta 4111 1111 1111 1111",
        "karta 4111-1111-1111-1111",
        "karta 4111111111111111",
        "amex 3782 822463 10005",
    ],
)
def test_card_numbers_in_usual_groupings(text: str) -> None:
    [(kind, value)] = found(text)

    assert kind == "card_number"
    assert text.endswith(value)


def test_card_number_failing_luhn_or_oddly_grouped_is_not_reported() -> None:
    assert found("karta 4111 1111 1111 1112") == []
    assert found("numery 411 111 111 111 1111") == []


def test_iban_wins_over_account_format_and_card_inside_it() -> None:
    text = "Nowy numer: PL47 2141 9083 8888 0281 7821 9445. Dziękuję"

    assert found(text, ("PL",), WIERZBA_FORMATS) == [("iban", "PL47 2141 9083 8888 0281 7821 9445")]


def test_domestic_nrb_is_an_account_number_checked_with_the_brand_country() -> None:
    valid = "konto 47 2141 9083 8888 0281 7821 9445"
    tampered = "konto 47 2141 9083 8888 0281 7821 9446"

    assert found(valid, ("PL",), WIERZBA_FORMATS) == [
        ("account_number", "47 2141 9083 8888 0281 7821 9445")
    ]
    assert found(tampered, ("PL",), WIERZBA_FORMATS) == []


def test_italian_iban_with_letters_inside() -> None:
    text = "accreditate su questo IBAN: IT51 H064 6842 0290 0053 3328 295? Grazie"

    assert found(text, ("IT",)) == [("iban", "IT51 H064 6842 0290 0053 3328 295")]


def test_russian_account_number_from_the_brand_format() -> None:
    text = "на счёт 40817810022599891778 не пришла зарплата"

    assert found(text, ("RU",), BIRYUZA_FORMATS) == [("account_number", "40817810022599891778")]


@pytest.mark.parametrize(
    ("text", "regions", "value"),
    [
        ("PESEL 83121471359, proszę", ("PL",), "83121471359"),
        ("codice fiscale LMBFNC02T41F839I.", ("IT",), "LMBFNC02T41F839I"),
        ("Мой ИНН 652074660420 — где справка?", ("RU",), "652074660420"),
        ("Мой СНИЛС 418-163-134 60, оформляла", ("RU",), "418-163-134 60"),
        ("کد ملی من 5419503298 است", ("IR",), "5419503298"),
        ("کد ملی من ۵۴۱۹۵۰۳۲۹۸ است", ("IR",), "۵۴۱۹۵۰۳۲۹۸"),
    ],
)
def test_national_ids(text: str, regions: tuple[str, ...], value: str) -> None:
    assert found(text, regions) == [("national_id", value)]


def test_national_id_with_a_wrong_check_digit_is_not_reported() -> None:
    assert found("PESEL 83121471358", ("PL",)) == []
    assert found("СНИЛС 418-163-134 61", ("RU",)) == []
    # Ten digits without a valid code can still be an Iranian landline number.
    assert found("کد ملی من 5419503297 است", ("IR",)) == [("phone", "5419503297")]


def test_national_id_schemes_follow_the_market() -> None:
    # 5419503298 is a valid Iranian code; a Polish brand does not try that scheme.
    assert found("numer 5419503298", ("PL",)) == []
    assert found("numer 5419503298") == [("national_id", "5419503298")]


@pytest.mark.parametrize(
    ("text", "regions", "value"),
    [
        ("Proszę o kontakt: +48 787 238 024.", ("PL",), "+48 787 238 024"),
        ("Телефон для связи +7 926 778-22-10", ("RU",), "+7 926 778-22-10"),
        ("chiamatemi al 320 9028142!", ("IT",), "320 9028142"),
        ("Number 0902 226 7335.", ("IR",), "0902 226 7335"),
        ("شماره‌م ۰۹۳۶۹۴۳۰۸۹۵ هست", ("IR",), "۰۹۳۶۹۴۳۰۸۹۵"),
        ("Call me: +1 617-555-0118", ("GB", "US"), "+1 617-555-0118"),
    ],
)
def test_phones(text: str, regions: tuple[str, ...], value: str) -> None:
    assert found(text, regions) == [("phone", value)]


def test_national_phone_format_needs_a_region_hint_or_language() -> None:
    text = "chiamatemi al 320 9028142!"

    assert found(text) == []
    assert found(text, ("PL",)) == []
    assert [m.kind for m in find_sensitive_data(text, language="it")] == [SensitiveKind.PHONE]


def test_international_phone_is_found_without_hints() -> None:
    assert found("Call me: +48 534 502 364") == [("phone", "+48 534 502 364")]


def test_unallocated_range_counts_as_phone_only_when_introduced_as_one() -> None:
    # 07700 900xxx is reserved for drama and invalid to libphonenumber.
    assert found("Phone: +44 7700 900416", ("GB",)) == [("phone", "+44 7700 900416")]
    assert found("Gate +44 7700 900416", ("GB",)) == []


def test_email_but_not_brand_contact_addresses_or_handles() -> None:
    text = (
        "Mój mail to bartek.mazur98@example.com, piszę też do szkody@wierzba.example, @WierzbaUbezp"
    )

    assert found(text, ("PL",), brand_email_domains=("wierzba.example",)) == [
        ("email", "bartek.mazur98@example.com")
    ]


def test_email_preview_keeps_only_the_domain() -> None:
    [match] = find_sensitive_data("write to aisha.khan89@example.com please")

    assert match.value_preview == "…@example.com"


@pytest.mark.parametrize(
    ("text", "regions", "value"),
    [
        (
            "Polisa WRZ160003452, adres: ul. Klonowa 73/32, 60-094 Poznań. Co mam zrobić?",
            ("PL",),
            "ul. Klonowa 73/32, 60-094 Poznań",
        ),
        (
            "Il mio indirizzo è Via Verdi 96, 40163 Bologna e il rider non trova il civico.",
            ("IT",),
            "Via Verdi 96, 40163 Bologna",
        ),
        (
            "still not delivered to Flat 8, 28 Maple Avenue, Manchester M14 8FX. I'm at a wedding",
            ("GB",),
            "Flat 8, 28 Maple Avenue, Manchester M14 8FX",
        ),
        ("Привезите карту на ул. Ленина, д. 5, кв. 12 завтра", ("RU",), "ул. Ленина, д. 5, кв. 12"),
        (
            "آدرسم اینه: خیابان نسترن، کوچه سوم، پلاک ۷۴، واحد ۶. لطفاً",
            ("IR",),
            "خیابان نسترن، کوچه سوم، پلاک ۷۴، واحد ۶",
        ),
    ],
)
def test_street_level_addresses(text: str, regions: tuple[str, ...], value: str) -> None:
    addresses = [pair for pair in found(text, regions) if pair[0] == "address"]

    assert addresses == [("address", value)]


def test_address_preview_shows_nothing_of_the_address() -> None:
    [match] = find_sensitive_data("Indirizzo: Via Verdi 51, 80196 Napoli", region_hints=("IT",))

    assert match.value_preview == "…"


def test_street_name_without_house_number_is_not_an_address() -> None:
    assert found("W oddziale na ulicy Lenina kolejka", ("PL",)) == []
    assert found("ulica jest 5 km stąd", ("PL",)) == []
    assert found("улица длинная, дом 5 этажей", ("RU",)) == []
    assert found("Ordine via app 3 volte", ("IT",)) == []
    assert found("خیابان نسترن خیلی شلوغه", ("IR",)) == []


def test_policy_number_from_the_brand_format() -> None:
    text = "Znowu wezwanie do zapłaty za polisę WRZ557620653, którą wypowiedziałem"

    assert found(text, ("PL",), WIERZBA_FORMATS) == [("policy_number", "WRZ557620653")]


def test_booking_reference_mixing_letters_and_digits_needs_no_cue() -> None:
    text = "Booking ref C4VYMD: your website misspelled my surname"

    assert found(text, ("GB", "US"), KESTREL_FORMATS) == [("booking_reference", "C4VYMD")]
    assert found("Card done, JXZHS5 is mine", ("GB",), KESTREL_FORMATS) == [
        ("booking_reference", "JXZHS5")
    ]


def test_all_letter_booking_reference_needs_a_cue() -> None:
    assert found("my booking ABCDEF is gone", ("GB",), KESTREL_FORMATS) == [
        ("booking_reference", "ABCDEF")
    ]
    assert found("PLEASE ANSWER ME", ("GB",), KESTREL_FORMATS) == []


def test_passport_number_needs_a_cue() -> None:
    text = "Мой паспорт 90 83 659919, договор кредитки"

    assert found(text, ("RU",), BIRYUZA_FORMATS) == [("passport_number", "90 83 659919")]
    assert found("Passport 123456789 expires soon", ("GB",), KESTREL_FORMATS) == [
        ("passport_number", "123456789")
    ]
    assert found("Queue of 123456789 people", ("GB",), KESTREL_FORMATS) == []


@pytest.mark.parametrize(
    "text",
    [
        "Ordine FV-558213 del 2026-11-07, consegna 3,49€ alle 14:40",
        "Flight KW482 at 06:50 from T2, gate B12, £312.40",
        "Двойное списание 3 450 ₽ и 48 000 ₽ за 5 минут",
        "Porównuję oferty OC: 1 140 zł, dwie inne firmy około 1 200.",
        "Il codice BENVENUTO20 non funziona",
        "سرعت اینترنت ۴جی از ۲۰۰ کیلوبایت بیشتر نمی‌شه",
        "Claim now: kestrel-rewards.example/claim or t.me/invest_guru_777",
    ],
)
def test_order_numbers_flights_amounts_dates_and_links_are_not_sensitive(text: str) -> None:
    assert found(text, ("PL", "RU", "IT", "IR", "GB", "US"), KESTREL_FORMATS) == []


def test_several_kinds_in_one_mention_come_sorted_by_position() -> None:
    text = (
        "Polisa WRZ761702153, telefon +48 534 502 364, PESEL 83121471359, "
        "mail anna.lewandowska66@example.net"
    )

    assert found(text, ("PL",), WIERZBA_FORMATS) == [
        ("policy_number", "WRZ761702153"),
        ("phone", "+48 534 502 364"),
        ("national_id", "83121471359"),
        ("email", "anna.lewandowska66@example.net"),
    ]


def test_previews_never_hold_the_full_value() -> None:
    text = "Polisa WRZ761702153, karta 4242 4242 4242 4242, tel. +48 534 502 364, ref RXHW6J"
    formats = {**WIERZBA_FORMATS, **KESTREL_FORMATS}

    matches = find_sensitive_data(text, region_hints=("PL",), identifier_formats=formats)

    assert [match.value_preview for match in matches] == ["…2153", "…4242", "…2364", "…6J"]


def test_no_text_no_matches() -> None:
    assert find_sensitive_data("") == ()


class TestNeedsPrivate:
    card = SensitiveMatch(SensitiveKind.CARD_NUMBER, 0, 19, "…1111")

    def test_public_mention_with_sensitive_data(self) -> None:
        assert needs_private([self.card], is_private_channel=False) is True

    def test_public_mention_without_sensitive_data_and_no_category(self) -> None:
        assert needs_private([], is_private_channel=False) is False

    def test_private_message_is_already_private(self) -> None:
        assert needs_private([self.card], is_private_channel=True, category="complaint") is False

    @pytest.mark.parametrize("category", ["spam", "troll"])
    def test_never_for_spam_or_trolls(self, category: str) -> None:
        assert needs_private([self.card], is_private_channel=False, category=category) is False

    @pytest.mark.parametrize(
        ("category", "expected"),
        [
            ("complaint", True),
            ("urgent_request", True),
            ("outage", False),
            ("question", False),
            ("praise", False),
            ("general_mention", False),
            ("industry", False),
        ],
    )
    def test_customer_specific_problems_move_to_private(
        self, category: str, expected: bool
    ) -> None:
        assert needs_private([], is_private_channel=False, category=category) is expected

    def test_question_with_sensitive_data(self) -> None:
        assert needs_private([self.card], is_private_channel=False, category="question") is True
