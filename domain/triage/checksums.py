"""Check-digit validators for the identifiers that triage treats as personal data.

Every validator takes the identifier in compact form (no spaces or dashes, ASCII digits)
and returns a plain bool; none of them raises. Where python-stdnum has a validator we use
it; SNILS and the Iranian national code are not in stdnum, so they are implemented here.
"""

from enum import StrEnum

from stdnum import iban, luhn
from stdnum.it import codicefiscale
from stdnum.pl import pesel
from stdnum.ru import inn

__all__ = [
    "Checksum",
    "is_valid_card_number",
    "is_valid_checksum",
    "is_valid_codice_fiscale",
    "is_valid_iban",
    "is_valid_inn",
    "is_valid_iran_national_code",
    "is_valid_pesel",
    "is_valid_snils",
]


class Checksum(StrEnum):
    """Names of the check-digit algorithms an identifier format may require."""

    LUHN = "luhn"
    IBAN = "iban"
    PESEL = "pesel"
    CODICE_FISCALE = "codice_fiscale"
    INN = "inn"
    SNILS = "snils"
    IRAN_NATIONAL_CODE = "iran_national_code"


# SNILS numbers up to this one were issued before the check digits existed.
_SNILS_FIRST_CHECKED = 1_001_998


def is_valid_card_number(value: str) -> bool:
    """A payment card number: 13 to 19 ASCII digits passing the Luhn check."""
    return value.isascii() and value.isdigit() and 13 <= len(value) <= 19 and luhn.is_valid(value)


def is_valid_iban(value: str, *, country: str | None = None) -> bool:
    """An IBAN (ISO 13616, mod 97 and the country's BBAN layout).

    A value without a country prefix (a domestic form such as the Polish NRB, which is the
    IBAN without its leading ``PL``) is checked as ``country + value`` when ``country`` is
    given, and is invalid otherwise.
    """
    if not value.isascii() or not value.isalnum():
        return False
    candidate = value.upper()
    if candidate[:2].isdigit():
        if country is None:
            return False
        candidate = country.upper() + candidate
    return bool(iban.is_valid(candidate))


def is_valid_pesel(value: str) -> bool:
    """A Polish PESEL: 11 digits, weights 1,3,7,9 and a valid encoded birth date."""
    return value.isascii() and value.isdigit() and bool(pesel.is_valid(value))


def is_valid_codice_fiscale(value: str) -> bool:
    """An Italian codice fiscale for a person (16 characters, odd/even mod 26 check)."""
    return value.isascii() and len(value) == 16 and bool(codicefiscale.is_valid(value.upper()))


def is_valid_inn(value: str) -> bool:
    """A Russian INN: 10 digits (organisation) or 12 digits (person), mod 11 checks."""
    return value.isascii() and value.isdigit() and bool(inn.is_valid(value))


def is_valid_snils(value: str) -> bool:
    """A Russian SNILS: 9 digits and a 2-digit check number.

    The check number is the sum of the digits weighted 9 down to 1, reduced mod 101 with
    100 written as 00. Numbers up to 001-001-998 predate the check and are rejected.
    """
    if not (value.isascii() and value.isdigit() and len(value) == 11):
        return False
    body, check = value[:9], int(value[9:])
    if int(body) <= _SNILS_FIRST_CHECKED:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(body, range(9, 0, -1), strict=True))
    expected = total % 101
    if expected == 100:
        expected = 0
    return check == expected


def is_valid_iran_national_code(value: str) -> bool:
    """An Iranian national code (کد ملی): 10 digits, check digit from weights 10 down to 2.

    With ``r`` the weighted sum mod 11, the check digit is ``r`` when ``r < 2`` and
    ``11 - r`` otherwise. Codes made of one repeated digit pass the arithmetic but are not
    issued, so they are rejected.
    """
    if not (value.isascii() and value.isdigit() and len(value) == 10):
        return False
    if len(set(value)) == 1:
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True)
    )
    remainder = total % 11
    expected = remainder if remainder < 2 else 11 - remainder
    return int(value[9]) == expected


def is_valid_checksum(checksum: Checksum, value: str, *, country: str | None = None) -> bool:
    """Dispatch to the validator named by ``checksum``; ``country`` only matters for IBAN."""
    match checksum:
        case Checksum.LUHN:
            return value.isascii() and value.isdigit() and luhn.is_valid(value)
        case Checksum.IBAN:
            return is_valid_iban(value, country=country)
        case Checksum.PESEL:
            return is_valid_pesel(value)
        case Checksum.CODICE_FISCALE:
            return is_valid_codice_fiscale(value)
        case Checksum.INN:
            return is_valid_inn(value)
        case Checksum.SNILS:
            return is_valid_snils(value)
        case Checksum.IRAN_NATIONAL_CODE:
            return is_valid_iran_national_code(value)
