"""Properties of the business-time arithmetic, across DST changes, holidays, slots that
cross midnight, and pauses (hypothesis)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.sla.calendar import public_holidays
from domain.sla.rules import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    calendar_from_config,
    open_intervals,
    resumed_due_time,
)

#: Timezone and the country whose public holidays close the brand.
ZONES = {
    "Europe/Warsaw": "PL",
    "Europe/Rome": "IT",
    "Europe/London": "GB",
    "Europe/Moscow": "RU",  # no DST since 2014
    "Asia/Tehran": "IR",  # +03:30, no DST since 2022
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS = {
    "office": {day: [{"open": "09:00", "close": "17:00"}] for day in WEEKDAYS[:5]},
    "split": {
        **{
            day: [{"open": "08:00", "close": "12:00"}, {"open": "13:00", "close": "18:30"}]
            for day in WEEKDAYS[:5]
        },
        "sat": [{"open": "10:00", "close": "14:00"}],
    },
    # A night shift 22:00–06:00 crosses midnight: two slots, one each side of it.
    "night": {
        day: [{"open": "00:00", "close": "06:00"}, {"open": "22:00", "close": "24:00"}]
        for day in WEEKDAYS
    },
    # Opens and closes inside the DST jump hours (02:00–03:00 in Central Europe).
    "early": {
        day: [{"open": "01:30", "close": "02:30"}, {"open": "03:00", "close": "11:00"}]
        for day in WEEKDAYS
    },
    "always": {day: [{"open": "00:00", "close": "24:00"}] for day in WEEKDAYS},
}
YEARS = range(2025, 2029)
#: Starts around the DST changes of 2026 are drawn more often than others.
DST_2026 = (datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 10, 25, tzinfo=UTC))

_holiday_cache: dict[str, set[date]] = {}


def calendar(zone: str, hours: str, with_holidays: bool) -> BusinessCalendar:
    country = ZONES[zone]
    if country not in _holiday_cache:
        _holiday_cache[country] = set(public_holidays(country, YEARS))
    closed = _holiday_cache[country] if with_holidays and hours != "always" else set()
    return calendar_from_config(
        timezone=zone,
        business_hours=HOURS[hours],
        public_holidays=closed,
    )


calendars = st.builds(
    calendar,
    st.sampled_from(sorted(ZONES)),
    st.sampled_from(sorted(HOURS)),
    st.booleans(),
)
anywhere = st.datetimes(
    min_value=datetime(2025, 6, 1), max_value=datetime(2027, 6, 1), timezones=st.just(UTC)
)
near_dst = st.builds(
    lambda base, minutes: base + timedelta(minutes=minutes),
    st.sampled_from(DST_2026),
    st.integers(min_value=-3 * 24 * 60, max_value=2 * 24 * 60),
)
starts = st.one_of(anywhere, near_dst)
durations = st.integers(min_value=0, max_value=60 * 60 * 40).map(
    lambda seconds: timedelta(seconds=seconds)
)

PROPERTY_SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


def is_open_at(calendar: BusinessCalendar, moment: datetime) -> bool:
    """Whether `moment` lies in an open interval, its closing instant included."""
    for begin, end in open_intervals(calendar, moment - timedelta(days=2)):
        if begin > moment:
            return False
        if begin <= moment <= end:
            return True
    return False


@PROPERTY_SETTINGS
@given(calendars, starts, durations)
def test_adding_then_measuring_round_trips(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = add_business_time(calendar, start, duration)
    assert due >= start
    assert business_time_between(calendar, start, due) == duration


@PROPERTY_SETTINGS
@given(calendars, starts, durations)
def test_a_due_time_never_falls_in_closed_hours(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = add_business_time(calendar, start, duration)
    assert is_open_at(calendar, due)


@PROPERTY_SETTINGS
@given(calendars, starts, durations, durations)
def test_adding_in_two_steps_is_adding_once(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    middle = add_business_time(calendar, start, first)
    assert add_business_time(calendar, middle, second) == add_business_time(
        calendar, start, first + second
    )


@PROPERTY_SETTINGS
@given(
    calendars,
    starts,
    durations.filter(lambda duration: duration > timedelta(0)),
    st.floats(min_value=0.0, max_value=0.99),
    st.integers(min_value=1, max_value=60 * 60 * 24 * 5),
)
def test_a_pause_moves_the_due_time_by_the_business_time_it_covered(
    calendar: BusinessCalendar,
    start: datetime,
    duration: timedelta,
    pause_fraction: float,
    pause_seconds: int,
) -> None:
    due = add_business_time(calendar, start, duration)
    paused_at = start + (due - start) * pause_fraction
    resumed_at = paused_at + timedelta(seconds=pause_seconds)
    pauses = [(paused_at, resumed_at)]

    moved = add_business_time(calendar, start, duration, pauses=pauses)
    assert business_time_between(calendar, start, moved, pauses=pauses) == duration
    assert (
        resumed_due_time(calendar, paused_at=paused_at, resumed_at=resumed_at, due_at=due) == moved
    )
    assert moved >= due
    assert is_open_at(calendar, moved)


@PROPERTY_SETTINGS
@given(calendars, starts, durations)
def test_measuring_never_counts_a_holiday(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = add_business_time(calendar, start, duration)
    closed = [day for day, slots in calendar.special_days.items() if not slots]
    for begin, end in open_intervals(calendar, start):
        if begin >= due:
            break
        local_day = begin.astimezone(ZoneInfo(calendar.timezone)).date()
        assert local_day not in closed
        assert end > begin


def test_a_slot_edge_inside_the_dst_gap_opens_nothing_that_day() -> None:
    """Found by the properties above: 02:30 on 29 March 2026 never happens in Warsaw,
    and comparing wall times made the slot 02:30–03:00 a negative interval."""
    sundays = calendar_from_config(
        timezone="Europe/Warsaw", business_hours={"sun": [{"open": "02:30", "close": "03:00"}]}
    )
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert business_time_between(sundays, saturday, saturday + timedelta(days=4)) == timedelta(0)
    assert add_business_time(sundays, saturday, timedelta(hours=1)) == datetime(
        2026, 4, 12, 1, 0, tzinfo=UTC
    )


def test_slots_around_the_dst_gap_never_overlap() -> None:
    """Found by the properties above: 01:30–02:30 and 03:00–11:00 on 29 March 2026 in
    Warsaw; 02:30 (read as CET) is 01:30 UTC, after 03:00 CEST (01:00 UTC)."""
    early = calendar_from_config(
        timezone="Europe/Warsaw",
        business_hours={
            "sun": [{"open": "01:30", "close": "02:30"}, {"open": "03:00", "close": "11:00"}]
        },
    )
    day_start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    intervals = []
    for interval in open_intervals(early, day_start):
        if interval[0] >= day_start + timedelta(days=1):
            break
        intervals.append(interval)
    assert intervals == [
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 9, 0, tzinfo=UTC)),
    ]
    assert business_time_between(early, day_start, day_start + timedelta(days=1)) == timedelta(
        hours=8, minutes=30
    )
