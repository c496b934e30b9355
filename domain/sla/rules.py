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
    since = start.astimezone(UTC)
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
            # Compared in UTC, and never before the previous interval's end: a slot
            # edge inside a DST gap (02:30 on the spring change) is a wall time that
            # never happens, read with the old offset, so wall-time comparison would
            # yield empty, negative or overlapping intervals.
            begin, end = max(opens.astimezone(UTC), since), closes.astimezone(UTC)
            if begin < end:
                yield begin, end
                since = end
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


def due_and_warning(
    calendar: BusinessCalendar, start: datetime, target: timedelta, warning: timedelta
) -> tuple[datetime, datetime]:
    """When a clock started at `start` with `target` falls due, and when it should warn.

    The warning comes when `warning` of business time is left (at `start` when
    the target is shorter than the lead time).
    """
    due = add_business_time(calendar, start, target)
    warn = add_business_time(calendar, start, max(target - warning, timedelta(0)))
    return due, warn


def resumed_due_time(
    calendar: BusinessCalendar, *, paused_at: datetime, resumed_at: datetime, due_at: datetime
) -> datetime:
    """The due time of a clock paused at `paused_at`, resumed at `resumed_at`.

    The business time that was left at the pause is left again at the resume.
    A clock paused after its due time stays overdue by the same calendar time.
    """
    if resumed_at <= paused_at:
        return due_at
    if paused_at >= due_at:
        return resumed_at - (paused_at - due_at)
    left = business_time_between(calendar, paused_at, due_at)
    return add_business_time(calendar, resumed_at, left)


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    """A policy's matching keys, as `choose_policy` compares them."""

    key: object
    priority: str
    service_tier: str


def choose_policy(
    candidates: Iterable[PolicyChoice], *, priority: str | None, service_tier: str, any_value: str
) -> object | None:
    """The key of the most specific policy matching the priority and tier, or None.

    A policy matches when each of its keys is `any_value` or equal to the
    conversation's; an exact priority beats an exact tier, which beats "any".
    Among equally specific policies the first candidate wins.
    """
    best: tuple[int, int] | None = None
    chosen: object | None = None
    for index, candidate in enumerate(candidates):
        priority_exact = priority is not None and candidate.priority == priority
        tier_exact = candidate.service_tier == service_tier
        if not (priority_exact or candidate.priority == any_value):
            continue
        if not (tier_exact or candidate.service_tier == any_value):
            continue
        score = (2 * priority_exact + tier_exact, -index)
        if best is None or score > best:
            best, chosen = score, candidate.key
    return chosen


@dataclass(frozen=True, slots=True)
class EventFactor:
    """An active brand event's SLA factor, as `strongest_event_factor` compares them."""

    key: object
    factor: float


def strongest_event_factor(events: Iterable[EventFactor]) -> EventFactor | None:
    """The event whose factor applies: the tightest below 1, else the most relaxing above 1.

    Events with factor 1 change nothing and are never chosen.
    """
    changing = [event for event in events if event.factor > 0 and event.factor != 1.0]
    tightening = [event for event in changing if event.factor < 1.0]
    if tightening:
        return min(tightening, key=lambda event: event.factor)
    if changing:
        return max(changing, key=lambda event: event.factor)
    return None


def clock_kinds_to_start(*, first_response_ever: bool, running: Iterable[str]) -> tuple[str, ...]:
    """Which clocks a customer message starts (kinds as strings, in start order).

    The first message of a conversation starts the first-response clock (once in
    the conversation's life: it is never restarted, so a later message can never
    overwrite its target); later messages start a next-response clock unless a
    response clock already runs (the earliest unanswered message sets the
    target). A resolution clock starts when none runs.
    """
    running_kinds = set(running)
    kinds: list[str] = []
    if not first_response_ever:
        kinds.append("first_response")
    elif not running_kinds & {"first_response", "next_response"}:
        kinds.append("next_response")
    if "resolution" not in running_kinds:
        kinds.append("resolution")
    return tuple(kinds)
