import pytest

from domain.triage.checksums import (
    Checksum,
    is_valid_card_number,
    is_valid_checksum,
    is_valid_codice_fiscale,
    is_valid_iban,
    is_valid_inn,
    is_valid_iran_national_code,
    is_valid_pesel,
    is_valid_snils,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4111111111111111", True),
        ("5555555555554444", True),
        ("378282246310005", True),  # Amex, 15 digits
        ("2200000000000079", True),  # Mir range
        ("4111111111111112", False),  # last digit changed
        ("411111111111", False),  # 12 digits: too short for a card
        ("41111111111111111111", False),  # 20 digits: too long
        ("4111 1111 1111 1111", False),  # validators take the compact form
        ("４１１１１１１１１１１１１１１１", False),  # full-width digits
    ],
)
def test_card_number_needs_13_to_19_ascii_digits_passing_luhn(value: str, expected: bool) -> None:
    assert is_valid_card_number(value) is expected


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("PL47214190838888028178219445", None, True),
        ("IT51H0646842029000533328295", None, True),
        ("GB82WEST12345698765432", None, True),
        ("pl47214190838888028178219445", None, True),
        ("PL47214190838888028178219446", None, False),
        ("IT51H0646842029000533328296", None, False),
        # A Polish NRB is the IBAN without "PL": valid only when the country is known.
        ("47214190838888028178219445", "PL", True),
        ("47214190838888028178219445", None, False),
        ("47214190838888028178219445", "IT", False),
        ("PL47 2141 9083 8888 0281 7821 9445", None, False),
    ],
)
def test_iban_mod_97_with_optional_domestic_country(
    value: str, country: str | None, expected: bool
) -> None:
    assert is_valid_iban(value, country=country) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("83121471359", True),
        ("58100136204", True),
        ("83121471358", False),  # wrong check digit
        ("83131471350", False),  # check digit right, month 13 impossible
        ("8312147135", False),
    ],
)
def test_pesel(value: str, expected: bool) -> None:
    assert is_valid_pesel(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("LMBFNC02T41F839I", True),
        ("lmbfnc02t41f839i", True),
        ("LMBFNC02T41F839A", False),
        ("LMBFNC02T41F839", False),
    ],
)
def test_codice_fiscale(value: str, expected: bool) -> None:
    assert is_valid_codice_fiscale(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("652074660420", True),  # person, 12 digits
        ("5001007329", True),  # organisation, 10 digits
        ("652074660421", False),
        ("5001007328", False),
        ("65207466042", False),
    ],
)
def test_inn(value: str, expected: bool) -> None:
    assert is_valid_inn(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("41816313460", True),  # weighted sum 161 -> 161 mod 101 = 60
        ("11223344595", True),  # weighted sum 95 < 100 -> 95
        ("00150881500", True),  # weighted sum 100 -> 00
        ("00143754400", True),  # weighted sum 101 -> 101 mod 101 = 0
        ("41816313461", False),
        ("00143754401", False),
        ("00100199800", False),  # issued before check numbers existed
        ("4181631346", False),
        ("418-163-134 60", False),  # validators take the compact form
    ],
)
def test_snils(value: str, expected: bool) -> None:
    assert is_valid_snils(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5419503298", True),  # weighted sum 223, 223 mod 11 = 3 -> 11 - 3 = 8
        ("2564669050", True),
        ("1003141870", True),  # remainder 0 -> check digit 0
        ("1001047291", True),  # remainder 1 -> check digit 1
        ("5419503297", False),
        ("1111111111", False),  # repeated digit: arithmetic passes, never issued
        ("541950329", False),
        ("54195032980", False),
    ],
)
def test_iran_national_code(value: str, expected: bool) -> None:
    assert is_valid_iran_national_code(value) is expected


@pytest.mark.parametrize(
    ("checksum", "value", "expected"),
    [
        (Checksum.LUHN, "4111111111111111", True),
        (Checksum.LUHN, "4111111111111112", False),
        (Checksum.IBAN, "PL47214190838888028178219445", True),
        (Checksum.PESEL, "83121471359", True),
        (Checksum.CODICE_FISCALE, "LMBFNC02T41F839I", True),
        (Checksum.INN, "652074660420", True),
        (Checksum.SNILS, "41816313460", True),
        (Checksum.IRAN_NATIONAL_CODE, "5419503298", True),
        (Checksum.IRAN_NATIONAL_CODE, "5419503297", False),
    ],
)
def test_is_valid_checksum_dispatches_by_name(
    checksum: Checksum, value: str, expected: bool
) -> None:
    assert is_valid_checksum(checksum, value) is expected


def test_is_valid_checksum_passes_the_country_to_iban() -> None:
    assert is_valid_checksum(Checksum.IBAN, "47214190838888028178219445", country="PL") is True
