"""Sensitive-data detection in mention text and the move-to-private rule.

Pure functions over strings: no I/O and no state (the regexes are module constants).
The kinds follow the labelling guide of the triage dataset: personal data about a natural
person (card numbers, bank accounts, national identifiers, phones, e-mails, street
addresses, insurance policies, airline bookings, passports). Brand-specific identifiers
(policy numbers, booking references, domestic account numbers, passport layouts) are
described by the caller as `IdentifierFormat` values taken from the brand's settings.
"""

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers

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

__all__ = [
    "REGIONS_BY_LANGUAGE",
    "IdentifierFormat",
    "SensitiveKind",
    "SensitiveMatch",
    "find_sensitive_data",
    "needs_private",
]


class SensitiveKind(StrEnum):
    """Kinds of personal data that must not be discussed on a public surface."""

    CARD_NUMBER = "card_number"
    IBAN = "iban"
    NATIONAL_ID = "national_id"
    PHONE = "phone"
    EMAIL = "email"
    ACCOUNT_NUMBER = "account_number"
    POLICY_NUMBER = "policy_number"
    BOOKING_REFERENCE = "booking_reference"
    PASSPORT_NUMBER = "passport_number"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class IdentifierFormat:
    """A brand-specific identifier layout.

    ``regex`` describes the whole identifier (``^``/``$`` anchors are optional and
    ignored); it is matched against the value as written and, for values of 10 or more
    characters, also against the value with its space/dash grouping removed. When
    ``checksum_name`` is set the compact value must also pass that check; ``country`` is
    the ISO country used to validate a domestic bank account (e.g. a Polish NRB, which is
    an IBAN without its ``PL`` prefix).
    """

    kind: SensitiveKind
    regex: str
    checksum_name: Checksum | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class SensitiveMatch:
    """One detected value: ``text[start:end]`` is the value as written in the mention.

    ``value_preview`` is masked (a few trailing characters at most, or the e-mail
    domain) and is safe to log or show to agents; the full value is never kept.
    """

    kind: SensitiveKind
    start: int
    end: int
    value_preview: str


# Phone regions to try when the caller gives a language but no region hints.
REGIONS_BY_LANGUAGE: Mapping[str, tuple[str, ...]] = {
    "pl": ("PL",),
    "ru": ("RU",),
    "it": ("IT",),
    "fa": ("IR", "AF"),
    "en": ("GB", "US"),
}

# Which national identifier schemes are plausible for a market. Unknown markets get all.
_NATIONAL_ID_SCHEMES: Mapping[str, frozenset[Checksum]] = {
    "PL": frozenset({Checksum.PESEL}),
    "RU": frozenset({Checksum.SNILS, Checksum.INN}),
    "IT": frozenset({Checksum.CODICE_FISCALE}),
    "IR": frozenset({Checksum.IRAN_NATIONAL_CODE}),
    "AF": frozenset({Checksum.IRAN_NATIONAL_CODE}),
}
_ALL_NATIONAL_ID_SCHEMES = frozenset(
    {
        Checksum.PESEL,
        Checksum.SNILS,
        Checksum.INN,
        Checksum.CODICE_FISCALE,
        Checksum.IRAN_NATIONAL_CODE,
    }
)

# Overlapping candidates are resolved by strength, then length: a value that passed a
# check digit beats one that merely has the right shape.
_STRENGTH_IBAN = 60
_STRENGTH_CARD = 50
_STRENGTH_EMAIL = 50
_STRENGTH_CHECKED_FORMAT = 45
_STRENGTH_NATIONAL_ID = 40
_STRENGTH_CUED_FORMAT = 35
_STRENGTH_SHAPED_FORMAT = 30
_STRENGTH_ADDRESS = 25
_STRENGTH_VALID_PHONE = 20
_STRENGTH_POSSIBLE_PHONE = 10

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits fold to ASCII one character for
# one character, so offsets in the folded text are offsets in the original text.
_DIGIT_FOLD = str.maketrans(
    {**{chr(0x06F0 + d): str(d) for d in range(10)}, **{chr(0x0660 + d): str(d) for d in range(10)}}
)

_TOKEN = re.compile(r"[0-9A-Za-z]+")
_GROUP_SEPARATORS = frozenset(" -\u00a0\u202f")
_MAX_GROUPS = 10
_MAX_COMPACT_LENGTH = 34
_MIN_COMPACT_FORMAT_LENGTH = 10

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-])?"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,}(?![\w-])"
)
_SNILS_GROUPED = re.compile(r"(?<![0-9])[0-9]{3}[- ][0-9]{3}[- ][0-9]{3}[- ][0-9]{2}(?![0-9])")

_UPPER = "A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻА-ЯЁ"
_LETTER = r"[^\W\d_]"
_NAME_WORD = rf"[{_UPPER}0-9]{_LETTER}*\.?"
_HOUSE = r"[0-9]+[A-Za-z]?(?:\s?/\s?[0-9]+[A-Za-z]?)?"
_ADDRESSES = (
    # Polish: "ul. Klonowa 73/32, 60-094 Poznań"
    re.compile(
        r"(?<!\w)(?i:ul\.|ulica|ulicy|al\.|aleja|alei|os\.|osiedle|pl\.|plac|placu)\s*"
        rf"{_NAME_WORD}(?:\s+{_LETTER}+\.?){{0,3}}?\s+{_HOUSE}(?:\s*m\.\s*[0-9]+)?"
        rf"(?:,\s*[0-9]{{2}}-[0-9]{{3}}\s+[{_UPPER}]{_LETTER}+(?:[- ][{_UPPER}]{_LETTER}+)?)?"
    ),
    # Italian: "Via Verdi 96, 40163 Bologna"
    re.compile(
        r"(?<!\w)(?i:via|viale|v\.le|piazza|p\.zza|piazzale|corso|c\.so|largo|vicolo|"
        rf"strada|lungomare|borgo)\s+[{_UPPER}]{_LETTER}*\.?(?:\s+{_LETTER}+['’.]?){{0,3}}?"
        rf"\s+{_HOUSE}(?:,\s*[0-9]{{5}}(?:\s+[{_UPPER}]{_LETTER}+(?:\s+[{_UPPER}]{_LETTER}+)?)?)?"
    ),
    # English: "Flat 8, 28 Maple Avenue, Manchester M14 8FX"
    re.compile(
        r"(?<!\w)(?:(?:Flat|Apartment|Apt\.?|Unit|Suite)\s+[0-9]+[A-Za-z]?,?\s+)?"
        r"[0-9]{1,5}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){1,3}"
        r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Close|Way|Court|"
        r"Crescent|Terrace|Boulevard|Blvd\.?|Gardens|Grove|Square|Mews|Place)(?![\w])"
        r"(?:,?\s+[A-Z][a-z'’]+(?:\s+[A-Z][a-z'’]+)?)?"
        r"(?:,?\s+(?:[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}|[A-Z]{2}\s+[0-9]{5}(?:-[0-9]{4})?"
        r"|[0-9]{5}(?:-[0-9]{4})?))?"
    ),
    # Russian: "ул. Ленина, д. 5, кв. 12"
    re.compile(
        r"(?<!\w)(?i:ул\.|улица|пр-т|просп\.|проспект|пер\.|переулок|б-р|бульвар|шоссе|"
        rf"наб\.|набережная|мкр\.?|микрорайон)\s*{_NAME_WORD}(?:\s+{_LETTER}+\.?){{0,3}}?"
        r"(?i:,?\s*(?:д\.|дом)\s*[0-9]+[а-я]?(?:\s*(?:к\.|корп\.|стр\.)\s*[0-9]+)?"
        r"(?:,?\s*(?:кв\.|квартира)\s*[0-9]+)?)"
    ),
    # Persian: "خیابان نسترن، کوچه سوم، پلاک ۷۴، واحد ۶"; street level means a plate
    # number (پلاک) follows within the sentence.
    re.compile(
        r"(?:خیابان|بلوار|کوچه|میدان|بزرگراه)(?=[^.!?؟\n]*پلاک)\s+[^،,.!?؟\n]+"
        r"(?:\s*[،,]\s*(?:خیابان|بلوار|کوچه|میدان|پلاک|واحد|طبقه|ساختمان|بن\u200c?\s?بست)"
        r"\s*[^،,.!?؟\n]+)*"
    ),
)

# Words that, shortly before a value, say what the value is. Passport layouts are bare
# digit patterns and need one; booking references need one unless they mix letters and
# digits; a phone that libphonenumber cannot place in an allocated range needs one.
_CUE_WINDOW = 32
_PASSPORT_CUES = ("паспорт", "passport", "paszport", "passaporto", "گذرنامه", "پاسپورت")
_BOOKING_CUES = (
    "booking",
    "reference",
    "ref",
    "pnr",
    "reservation",
    "confirmation",
    "prenotazion",
    "rezerwac",
    "бронь",
    "брониров",
    "رزرو",
)
_PHONE_CUES = (
    "phone",
    "call",
    "number",
    "mobile",
    "tel",
    "телефон",
    "номер",
    "звон",
    "numer",
    "komórk",
    "numero",
    "cellulare",
    "chiama",
    "شماره",
    "تلفن",
    "موبایل",
)
_PHONE_PREFIX_CHARS = frozenset("+0")


@dataclass(frozen=True, slots=True)
class _Candidate:
    kind: SensitiveKind
    start: int
    end: int
    strength: int


@dataclass(frozen=True, slots=True)
class _Group:
    """Consecutive alphanumeric tokens joined by single spaces or dashes."""

    start: int
    end: int
    compact: str
    token_lengths: tuple[int, ...]


def find_sensitive_data(
    text: str,
    *,
    language: str | None = None,
    region_hints: Sequence[str] = (),
    identifier_formats: Mapping[str, IdentifierFormat] | None = None,
    brand_email_domains: Collection[str] = (),
) -> tuple[SensitiveMatch, ...]:
    """Find personal data in ``text``; matches are sorted by ``start`` and never overlap.

    ``start``/``end`` are character offsets into ``text`` (``text[start:end]`` is the
    value as written, grouping spaces and dashes included). ``region_hints`` are ISO
    country codes of the brand's markets; they steer phone parsing of national formats
    and which national ID schemes are tried. Without hints, ``language`` is mapped to
    regions via `REGIONS_BY_LANGUAGE`; with neither, only international phone numbers
    are recognised and every national ID scheme is tried. E-mail addresses at
    ``brand_email_domains`` (or their subdomains) are the brand's own contact data and are
    not reported. When two candidates overlap, the one backed by a check digit wins (an
    IBAN is not also an account number, a card number is not also a phone).
    """
    folded = text.translate(_DIGIT_FOLD)
    regions = _regions(language, region_hints)
    schemes = _national_id_schemes(regions)
    formats = tuple((identifier_formats or {}).values())
    groups = tuple(_groups(folded))

    candidates: list[_Candidate] = []
    candidates.extend(_find_cards_and_ibans(groups))
    candidates.extend(_find_national_ids(folded, groups, schemes))
    candidates.extend(_find_brand_identifiers(text, folded, groups, formats))
    candidates.extend(_find_phones(text, regions))
    candidates.extend(_find_emails(folded, brand_email_domains))
    candidates.extend(_find_addresses(folded))

    accepted: list[_Candidate] = []
    for candidate in sorted(
        candidates, key=lambda c: (-c.strength, -(c.end - c.start), c.start, c.kind)
    ):
        if all(candidate.end <= kept.start or kept.end <= candidate.start for kept in accepted):
            accepted.append(candidate)
    return tuple(
        SensitiveMatch(
            kind=candidate.kind,
            start=candidate.start,
            end=candidate.end,
            value_preview=_preview(candidate.kind, folded[candidate.start : candidate.end]),
        )
        for candidate in sorted(accepted, key=lambda c: (c.start, c.end))
    )


def needs_private(
    matches: Sequence[SensitiveMatch],
    *,
    is_private_channel: bool,
    category: str | None = None,
) -> bool:
    """Whether the conversation should move to a private channel.

    Rule of the labelling guide: never for a private message (already private) nor for
    spam or trolling; otherwise yes when the mention contains sensitive data, or when
    ``category`` is a customer-specific problem (``complaint``, ``urgent_request``) that
    cannot be resolved without identifying the customer's account, policy, order, booking
    or line. Outages are not customer-specific and questions are answered publicly from
    the knowledge base. Without a ``category`` only the sensitive data decides.
    """
    if is_private_channel or category in {"spam", "troll"}:
        return False
    if matches:
        return True
    return category in {"complaint", "urgent_request"}


def _regions(language: str | None, region_hints: Sequence[str]) -> tuple[str, ...]:
    if region_hints:
        return tuple(dict.fromkeys(region.upper() for region in region_hints))
    if language is None:
        return ()
    return REGIONS_BY_LANGUAGE.get(language.lower().split("-")[0], ())


def _national_id_schemes(regions: Sequence[str]) -> frozenset[Checksum]:
    known = [_NATIONAL_ID_SCHEMES[region] for region in regions if region in _NATIONAL_ID_SCHEMES]
    if not known:
        return _ALL_NATIONAL_ID_SCHEMES
    return frozenset().union(*known)


def _groups(folded: str) -> Iterator[_Group]:
    """Every run of 1..10 consecutive tokens that are glued by single separators."""
    runs: list[list[re.Match[str]]] = []
    for token in _TOKEN.finditer(folded):
        previous = runs[-1][-1] if runs else None
        if (
            previous is not None
            and token.start() == previous.end() + 1
            and folded[previous.end()] in _GROUP_SEPARATORS
        ):
            runs[-1].append(token)
        else:
            runs.append([token])
    for run in runs:
        for first in range(len(run)):
            for last in range(first, min(len(run), first + _MAX_GROUPS)):
                start, end = run[first].start(), run[last].end()
                if not _is_delimited(folded, start, end):
                    continue
                tokens = run[first : last + 1]
                compact = "".join(token.group() for token in tokens)
                if len(compact) > _MAX_COMPACT_LENGTH:
                    break
                yield _Group(start, end, compact, tuple(len(token.group()) for token in tokens))


def _is_delimited(folded: str, start: int, end: int) -> bool:
    """The value is not glued to letters or digits of another script around it."""
    before = folded[start - 1] if start > 0 else " "
    after = folded[end] if end < len(folded) else " "
    return not before.isalnum() and not after.isalnum()


def _find_cards_and_ibans(groups: Sequence[_Group]) -> Iterator[_Candidate]:
    for group in groups:
        if group.compact.isdigit() and _is_card_grouping(group.token_lengths):
            if is_valid_card_number(group.compact):
                yield _Candidate(SensitiveKind.CARD_NUMBER, group.start, group.end, _STRENGTH_CARD)
        elif _is_iban_grouping(group) and is_valid_iban(group.compact):
            yield _Candidate(SensitiveKind.IBAN, group.start, group.end, _STRENGTH_IBAN)


def _is_card_grouping(lengths: tuple[int, ...]) -> bool:
    """One block of digits, blocks of four (the last may be shorter), or Amex 4-6-5 / 4-6-4."""
    if len(lengths) == 1:
        return True
    if lengths in {(4, 6, 5), (4, 6, 4)}:
        return True
    return all(length == 4 for length in lengths[:-1]) and 1 <= lengths[-1] <= 4


def _is_iban_grouping(group: _Group) -> bool:
    head = group.compact[:4]
    if not (head[:2].isalpha() and head[:2].isupper() and head[2:].isdigit()):
        return False
    lengths = group.token_lengths
    return len(lengths) == 1 or (
        all(length == 4 for length in lengths[:-1]) and 1 <= lengths[-1] <= 4
    )


def _find_national_ids(
    folded: str, groups: Sequence[_Group], schemes: frozenset[Checksum]
) -> Iterator[_Candidate]:
    for group in groups:
        if len(group.token_lengths) != 1:
            continue
        value = group.compact
        if _is_national_id(value, schemes):
            yield _Candidate(
                SensitiveKind.NATIONAL_ID, group.start, group.end, _STRENGTH_NATIONAL_ID
            )
    if Checksum.SNILS in schemes:
        for match in _SNILS_GROUPED.finditer(folded):
            if is_valid_snils(re.sub(r"[- ]", "", match.group())):
                yield _Candidate(
                    SensitiveKind.NATIONAL_ID, match.start(), match.end(), _STRENGTH_NATIONAL_ID
                )


def _is_national_id(value: str, schemes: frozenset[Checksum]) -> bool:
    if value.isdigit():
        return (
            (Checksum.PESEL in schemes and len(value) == 11 and is_valid_pesel(value))
            or (Checksum.SNILS in schemes and is_valid_snils(value))
            or (Checksum.INN in schemes and len(value) in {10, 12} and is_valid_inn(value))
            or (Checksum.IRAN_NATIONAL_CODE in schemes and is_valid_iran_national_code(value))
        )
    return (
        Checksum.CODICE_FISCALE in schemes
        and len(value) == 16
        and value.isupper()
        and is_valid_codice_fiscale(value)
    )


def _find_brand_identifiers(
    text: str, folded: str, groups: Sequence[_Group], formats: Sequence[IdentifierFormat]
) -> Iterator[_Candidate]:
    for identifier in formats:
        pattern = re.compile(_unanchored(identifier.regex))
        for group in groups:
            written = folded[group.start : group.end]
            if not (
                pattern.fullmatch(written)
                or (
                    len(group.token_lengths) > 1
                    and len(group.compact) >= _MIN_COMPACT_FORMAT_LENGTH
                    and pattern.fullmatch(group.compact)
                )
            ):
                continue
            strength = _format_strength(identifier, text, group)
            if strength is not None:
                yield _Candidate(identifier.kind, group.start, group.end, strength)


def _unanchored(regex: str) -> str:
    body = regex.removeprefix("^")
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    return body


def _format_strength(identifier: IdentifierFormat, text: str, group: _Group) -> int | None:
    """How strongly a shape match is believed, or None when it is not believed at all."""
    if identifier.checksum_name is not None:
        if not is_valid_checksum(
            identifier.checksum_name, group.compact, country=identifier.country
        ):
            return None
        return _STRENGTH_CHECKED_FORMAT
    if identifier.kind is SensitiveKind.PASSPORT_NUMBER:
        return _STRENGTH_CUED_FORMAT if _has_cue(text, group.start, _PASSPORT_CUES) else None
    if identifier.kind is SensitiveKind.BOOKING_REFERENCE:
        mixes = any(c.isdigit() for c in group.compact) and any(c.isalpha() for c in group.compact)
        if mixes:
            return _STRENGTH_SHAPED_FORMAT
        return _STRENGTH_CUED_FORMAT if _has_cue(text, group.start, _BOOKING_CUES) else None
    return _STRENGTH_SHAPED_FORMAT


def _has_cue(text: str, start: int, cues: Sequence[str]) -> bool:
    window = text[max(0, start - _CUE_WINDOW) : start].casefold()
    return any(cue in window for cue in cues)


def _find_phones(text: str, regions: Sequence[str]) -> Iterator[_Candidate]:
    # With no region only numbers written in international format can be parsed.
    for region in regions or ("ZZ",):
        matcher = phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.POSSIBLE
        )
        for match in matcher:
            if phonenumbers.is_valid_number(match.number):
                yield _Candidate(SensitiveKind.PHONE, match.start, match.end, _STRENGTH_VALID_PHONE)
            elif match.raw_string.translate(_DIGIT_FOLD)[:1] in _PHONE_PREFIX_CHARS and _has_cue(
                text, match.start, _PHONE_CUES
            ):
                # Fictional or newly allocated ranges are not "valid" to libphonenumber,
                # but a number with a trunk/international prefix introduced as a phone is.
                yield _Candidate(
                    SensitiveKind.PHONE, match.start, match.end, _STRENGTH_POSSIBLE_PHONE
                )


def _find_emails(folded: str, brand_domains: Collection[str]) -> Iterator[_Candidate]:
    suffixes = tuple(domain.casefold().lstrip("@.") for domain in brand_domains)
    for match in _EMAIL.finditer(folded):
        domain = match.group().rpartition("@")[2].casefold()
        if any(domain == suffix or domain.endswith("." + suffix) for suffix in suffixes):
            continue
        yield _Candidate(SensitiveKind.EMAIL, match.start(), match.end(), _STRENGTH_EMAIL)


def _find_addresses(folded: str) -> Iterator[_Candidate]:
    for pattern in _ADDRESSES:
        for match in pattern.finditer(folded):
            value = match.group().rstrip(" ،,")
            yield _Candidate(
                SensitiveKind.ADDRESS, match.start(), match.start() + len(value), _STRENGTH_ADDRESS
            )


def _preview(kind: SensitiveKind, value: str) -> str:
    """A masked rendering: an e-mail's domain, nothing of an address, else 2-4 last characters."""
    if kind is SensitiveKind.EMAIL:
        _, _, domain = value.partition("@")
        return f"…@{domain}"
    if kind is SensitiveKind.ADDRESS:
        return "…"
    characters = [c for c in value if c.isalnum()]
    visible = 4 if len(characters) >= 10 else 2
    return "…" + "".join(characters[-visible:])
