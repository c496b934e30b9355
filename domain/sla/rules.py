"""Business-time arithmetic for SLA clocks: pure functions over plain values.

A `BusinessCalendar` says when a brand is open: weekly slots in the brand's
timezone (several per day), dates with special hours or closed (public
holidays, custom closures), or always open. Clocks count only open time, and
not while paused (waiting on the customer, snoozed).

All datetimes in and out are timezone-aware; results are in UTC. Days are
walked in the brand's local time, so daylight-saving changes shorten or
lengthen the local day exactly as the wall clock does.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: How far ahead a due time is searched (a calendar with no open time at all
#: would otherwise loop forever).
SEARCH_HORIZON = timedelta(days=800)


class CalendarError(ValueError):
    """A calendar that cannot be used (bad slot, or no open time ahead)."""


@dataclass(frozen=True, slots=True)
class Slot:
    """Open from `opens` to `closes` local time; `closes=None` means midnight (24:00)."""

    opens: time
    closes: time | None

    def __post_init__(self) -> None:
        if self.closes is not None and self.closes <= self.opens:
            raise CalendarError(f"slot closes ({self.closes}) before it opens ({self.opens})")


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """When a brand is open.

    `special_days` maps a local date to its slots (empty: closed all day),
    overriding the weekly slots; `always_open` ignores both.
    """

    timezone: str
    weekly: Mapping[str, Sequence[Slot]] = field(default_factory=dict)
    special_days: Mapping[date, Sequence[Slot]] = field(default_factory=dict)
    always_open: bool = False

    def slots_on(self, day: date) -> Sequence[Slot]:
        if day in self.special_days:
            return self.special_days[day]
        return self.weekly.get(WEEKDAYS[day.weekday()], ())


def parse_slot(opens: str, closes: str) -> Slot:
    """A slot from "HH:MM" strings; "24:00" closes at midnight."""
    return Slot(
        time.fromisoformat(opens), None if closes == "24:00" else time.fromisoformat(closes)
    )


def calendar_from_config(
    *,
    timezone: str,
    business_hours: Mapping[str, Iterable[Mapping[str, str]]],
    closures: Iterable[Mapping[str, object]] = (),
    public_holidays: Iterable[date] = (),
) -> BusinessCalendar:
    """A calendar from a brand's stored configuration.

    `business_hours` maps weekday keys to `{"open", "close"}` slots; `closures`
    are `{"date": "YYYY-MM-DD", "hours": [...]?}` entries (no hours: closed);
    `public_holidays` are closed dates (from a holidays library, by country).
    A week with every day open 00:00–24:00 and no closures is always open.
    """
    weekly = {
        day: tuple(parse_slot(slot["open"], slot["close"]) for slot in slots)
        for day, slots in business_hours.items()
    }
    special: dict[date, Sequence[Slot]] = dict.fromkeys(public_holidays, ())
    for closure in closures:
        hours: Iterable[Mapping[str, str]] = closure.get("hours") or ()  # type: ignore[assignment]
        special[date.fromisoformat(str(closure["date"]))] = tuple(
            parse_slot(slot["open"], slot["close"]) for slot in hours
        )
    full_day = (Slot(time(0, 0), None),)
    always_open = not special and all(tuple(weekly.get(day, ())) == full_day for day in WEEKDAYS)
    return BusinessCalendar(
        timezone=timezone, weekly=weekly, special_days=special, always_open=always_open
    )


def open_intervals(
    calendar: BusinessCalendar, start: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals in UTC, in order, from `start` on (clipped at `start`)."""
    if start.tzinfo is None:
        raise ValueError("naive datetime refused")
    if calendar.always_open:
        yield start.astimezone(UTC), start.astimezone(UTC) + SEARCH_HORIZON
        return
    zone = ZoneInfo(calendar.timezone)
    day = start.astimezone(zone).date()
    last_day = day + timedelta(days=SEARCH_HORIZON.days)
    while day <= last_day:
        for slot in calendar.slots_on(day):
            opens = datetime.combine(day, slot.opens, zone)
            closes = (
                datetime.combine(day + timedelta(days=1), time(0, 0), zone)
                if slot.closes is None
                else datetime.combine(day, slot.closes, zone)
            )
            begin, end = max(opens, start), closes
            if begin < end:
                yield begin.astimezone(UTC), end.astimezone(UTC)
        day += timedelta(days=1)


def _minus_pauses(
    intervals: Iterable[tuple[datetime, datetime]], pauses: Sequence[tuple[datetime, datetime]]
) -> Iterator[tuple[datetime, datetime]]:
    ordered = sorted(pauses)
    for begin, end in intervals:
        cursor = begin
        for pause_begin, pause_end in ordered:
            if pause_end <= cursor or pause_begin >= end:
                continue
            if pause_begin > cursor:
                yield cursor, pause_begin
            cursor = max(cursor, pause_end)
            if cursor >= end:
                break
        if cursor < end:
            yield cursor, end


def add_business_time(
    calendar: BusinessCalendar,
    start: datetime,
    duration: timedelta,
    *,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """The moment `duration` of open, unpaused time has passed since `start` (UTC).

    A zero duration starting outside business hours is due when business opens.
    Raises `CalendarError` when the calendar has no open time within the horizon.
    """
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    remaining = duration
    for begin, end in _minus_pauses(open_intervals(calendar, start), pauses):
        span = end - begin
        if remaining <= span:
            return begin + remaining
        remaining -= span
    raise CalendarError("no open business time within the search horizon")


def business_time_between(
    calendar: BusinessCalendar,
    start: datetime,
    end: datetime,
    *,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> timedelta:
    """Open, unpaused time between `start` and `end` (zero when `end <= start`)."""
    total = timedelta(0)
    if end <= start:
        return total
    for begin, finish in _minus_pauses(open_intervals(calendar, start), pauses):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total


def remaining_business_time(
    calendar: BusinessCalendar, now: datetime, due_at: datetime
) -> timedelta:
    """Open time left until `due_at`; negative (calendar time overdue) once breached."""
    if now >= due_at:
        return -(now - due_at)
    return business_time_between(calendar, now, due_at)


def scaled_target(target: timedelta, factor: float) -> timedelta:
    """A target tightened (factor < 1) or relaxed (factor > 1), e.g. by a brand event."""
    if factor <= 0:
        raise ValueError("factor must be positive")
    return timedelta(seconds=round(target.total_seconds() * factor))
