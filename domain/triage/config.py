"""Turn a brand's stored settings into the inputs of the triage rules.

The settings keep the shape of the brand catalogue (``identifier_formats``,
``escalation_routes``, ``locales``): plain JSON values. These helpers read them
defensively: an entry that does not describe something the rules can use is skipped,
never raised on, so one odd setting cannot stop triage for a whole brand.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from domain.triage.checksums import Checksum
from domain.triage.routes import EscalationRouteRule
from domain.triage.sensitive import REGIONS_BY_LANGUAGE, IdentifierFormat, SensitiveKind

__all__ = ["escalation_route_rules", "identifier_formats", "region_hints"]

# Free-text checksum descriptions in brand settings, matched case-insensitively.
_CHECKSUM_HINTS: tuple[tuple[str, Checksum], ...] = (
    ("luhn", Checksum.LUHN),
    ("13616", Checksum.IBAN),
    ("mod 97", Checksum.IBAN),
    ("pesel", Checksum.PESEL),
    ("codice fiscale", Checksum.CODICE_FISCALE),
    ("mod 26", Checksum.CODICE_FISCALE),
    ("snils", Checksum.SNILS),
    ("mod 101", Checksum.SNILS),
)


def identifier_formats(
    settings: Mapping[str, Any], *, country: str | None = None
) -> dict[str, IdentifierFormat]:
    """Identifier formats keyed by kind, from a brand's ``identifier_formats`` setting.

    Entries are kept when their key is a `SensitiveKind`, they carry a ``regex`` that
    compiles and are not marked ``"sensitive": false`` (order and flight numbers are not
    personal data).
    The checksum is recognised from the entry's ``checksum`` and ``name`` texts; an
    unrecognised description leaves the format without a checksum. ``country`` (ISO
    code of the brand's market) validates domestic account numbers such as the NRB.
    """
    kinds = {kind.value: kind for kind in SensitiveKind}
    formats: dict[str, IdentifierFormat] = {}
    for key, entry in settings.items():
        if key not in kinds or not isinstance(entry, Mapping):
            continue
        regex = entry.get("regex")
        if not isinstance(regex, str) or entry.get("sensitive", True) is False:
            continue
        if not _compiles(regex):
            continue
        formats[key] = IdentifierFormat(
            kind=kinds[key],
            regex=regex,
            checksum_name=_checksum(entry),
            country=country.upper() if country else None,
        )
    return formats


def escalation_route_rules(routes: Sequence[Mapping[str, Any]]) -> tuple[EscalationRouteRule, ...]:
    """Route rules from a brand's ``escalation_routes`` (department + criteria)."""
    rules = []
    for route in routes:
        department = route.get("department")
        criteria = route.get("criteria") or {}
        if not isinstance(department, str) or not isinstance(criteria, Mapping):
            continue
        rules.append(
            EscalationRouteRule(
                department=department,
                categories=_strings(criteria.get("categories")),
                keywords=_strings(criteria.get("keywords")),
            )
        )
    return tuple(rules)


def region_hints(locales: Sequence[str]) -> tuple[str, ...]:
    """Phone/ID regions of a brand's market, from its locales.

    The region subtags (``pl-PL`` → ``PL``) when any locale has one; otherwise the
    regions of the first locale's language (``fa`` → ``IR``, ``AF``). A bare ``en`` next
    to ``pl-PL`` serves English-speaking customers of the Polish market, not the UK/US.
    """
    parsed = [locale.replace("_", "-").partition("-") for locale in locales]
    regions = [region.upper() for _, _, region in parsed if region]
    if not regions and parsed:
        regions = list(REGIONS_BY_LANGUAGE.get(parsed[0][0].lower(), ()))
    return tuple(dict.fromkeys(regions))


def _checksum(entry: Mapping[str, Any]) -> Checksum | None:
    description = " ".join(str(entry.get(field, "")) for field in ("checksum", "name")).casefold()
    for hint, checksum in _CHECKSUM_HINTS:
        if hint in description:
            return checksum
    return None


def _compiles(regex: str) -> bool:
    try:
        re.compile(regex)
    except re.error:
        return False
    return True


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(item for item in value if isinstance(item, str))
