"""A brand's business calendar: its hours, its closures and its country's public holidays."""

from collections.abc import Iterable, Mapping
from datetime import date

import holidays

from domain.brands.models import Brand
from domain.sla.rules import WEEKDAYS, BusinessCalendar, calendar_from_config


def public_holidays(country: str, years: Iterable[int]) -> set[date]:
    """The public holidays of `country` (ISO 3166 alpha-2) in `years`, from the holidays library.

    An unknown country has none (and is worth a warning to the admin, not a crash).
    """
    try:
        found = holidays.country_holidays(country, years=list(years))
    except NotImplementedError:
        return set()
    return set(found)


def _is_around_the_clock(business_hours: Mapping[str, Iterable[Mapping[str, str]]]) -> bool:
    return all(
        [(slot["open"], slot["close"]) for slot in business_hours.get(day, [])]
        == [("00:00", "24:00")]
        for day in WEEKDAYS
    )


def brand_calendar(
    brand: Brand,
    *,
    years: Iterable[int],
    business_hours: Mapping[str, Iterable[Mapping[str, str]]] | None = None,
) -> BusinessCalendar:
    """The brand's calendar for `years` (with `business_hours` instead of the brand's, if given).

    Public holidays of `holiday_country` close the day unless the brand works
    around the clock; the brand's own closures (`holidays`, with optional
    special hours) override both.
    """
    hours: Mapping[str, Iterable[Mapping[str, str]]] = (
        brand.business_hours if business_hours is None else business_hours
    )
    closed: set[date] = set()
    if brand.holiday_country and not _is_around_the_clock(hours):
        closed = public_holidays(brand.holiday_country, years)
    return calendar_from_config(
        timezone=brand.timezone,
        business_hours=hours,
        closures=brand.holidays,
        public_holidays=closed,
    )


def always_open_calendar(brand: Brand) -> BusinessCalendar:
    """A 24/7 calendar in the brand's timezone: no hours, no holidays."""
    return BusinessCalendar(timezone=brand.timezone, always_open=True)
