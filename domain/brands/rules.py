"""Pure rules of brand settings: what a slug, a timezone and a language code may be."""

import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from domain.brands.models import ServiceTier
from domain.shared.errors import ValidationError

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# ISO 639-1/639-3 language, optionally with an ISO 3166 region or a script: pl, pl-PL, sr-Latn.
_LOCALE = re.compile(r"[a-z]{2,3}(?:-(?:[A-Z]{2}|[A-Z][a-z]{3}|[0-9]{3}))?")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_NAME_LENGTH = 200
_INDUSTRY_LENGTH = 60
_MAX_LOCALES = 20


def normalize_slug(slug: str) -> str:
    """The slug, stripped: 1-63 lowercase letters, digits, inner dashes; else `ValidationError`."""
    slug = slug.strip()
    if not _SLUG.fullmatch(slug):
        raise ValidationError(
            "slug: 1-63 lowercase letters, digits and dashes (not at either end)", field="slug"
        )
    return slug


def is_known_timezone(name: str) -> bool:
    """True for an IANA timezone name the system's zone database knows."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_brand_fields(fields: Mapping[str, Any]) -> None:
    """Validate the editable brand fields present in `fields`.

    `ValidationError.field` names the API input: name, timezone (IANA, checked
    against zoneinfo), primaryLanguage (ISO 639), locales (like `pl` or
    `pl-PL`, at most 20), holidayCountry (ISO 3166 alpha-2), serviceTier, industry.
    """
    if "name" in fields:
        name = str(fields["name"]).strip()
        if not name or len(name) > _NAME_LENGTH:
            raise ValidationError("name: 1 to 200 characters", field="name")
    if "timezone" in fields and not is_known_timezone(str(fields["timezone"])):
        raise ValidationError(f"unknown timezone {fields['timezone']!r}", field="timezone")
    if "primary_language" in fields and not _LANGUAGE.fullmatch(str(fields["primary_language"])):
        raise ValidationError(
            "primary language: an ISO 639 code such as 'pl'", field="primaryLanguage"
        )
    if "locales" in fields:
        locales = list(fields["locales"])
        if len(locales) > _MAX_LOCALES or not all(
            isinstance(locale, str) and _LOCALE.fullmatch(locale) for locale in locales
        ):
            raise ValidationError(
                "locales: at most 20 codes such as 'pl' or 'pl-PL'", field="locales"
            )
    country = fields.get("holiday_country")
    if country is not None and not _COUNTRY.fullmatch(str(country)):
        raise ValidationError(
            "holiday country: an ISO 3166 alpha-2 code such as 'PL'", field="holidayCountry"
        )
    if "service_tier" in fields and fields["service_tier"] not in set(ServiceTier):
        raise ValidationError("unknown service tier", field="serviceTier")
    if "industry" in fields and len(str(fields["industry"])) > _INDUSTRY_LENGTH:
        raise ValidationError("industry: at most 60 characters", field="industry")
