"""Business-time arithmetic of SLA clocks."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.sla.rules import (
    BusinessCalendar,
    CalendarError,
    Slot,
    add_business_time,
    business_time_between,
    calendar_from_config,
    remaining_business_time,
    scaled_target,
)

WARSAW = ZoneInfo("Europe/Warsaw")
NINE_TO_FIVE = {
    day: [{"open": "09:00", "close": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri")
}


def warsaw(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW)


def office() -> BusinessCalendar:
    return calendar_from_config(timezone="Europe/Warsaw", business_hours=NINE_TO_FIVE)


def test_within_hours_the_due_time_is_plain_addition() -> None:
    due = add_business_time(office(), warsaw(2026, 12, 1, 10, 0), timedelta(hours=2))
    assert due == warsaw(2026, 12, 1, 12, 0)
    assert due.tzinfo is UTC


def test_the_clock_stops_at_closing_and_resumes_next_open_day() -> None:
    # Friday 16:00 + 2 h → 1 h on Friday, 1 h on Monday.
    due = add_business_time(office(), warsaw(2026, 12, 4, 16, 0), timedelta(hours=2))
    assert due == warsaw(2026, 12, 7, 10, 0)


def test_a_message_outside_hours_starts_counting_at_opening() -> None:
    due = add_business_time(office(), warsaw(2026, 12, 5, 22, 0), timedelta(minutes=30))
    assert due == warsaw(2026, 12, 7, 9, 30)
    assert add_business_time(office(), warsaw(2026, 12, 1, 7, 0), timedelta(0)) == warsaw(
        2026, 12, 1, 9, 0
    )


def test_several_slots_a_day() -> None:
    split = calendar_from_config(
        timezone="Europe/Warsaw",
        business_hours={
            "tue": [{"open": "08:00", "close": "12:00"}, {"open": "13:00", "close": "20:00"}]
        },
    )
    due = add_business_time(split, warsaw(2026, 12, 1, 11, 0), timedelta(hours=2))
    assert due == warsaw(2026, 12, 1, 14, 0)


def test_holidays_close_the_day_and_special_hours_replace_it() -> None:
    calendar = calendar_from_config(
        timezone="Europe/Warsaw",
        business_hours=NINE_TO_FIVE,
        closures=[{"date": "2026-12-24", "hours": [{"open": "09:00", "close": "12:00"}]}],
        public_holidays=[date(2026, 12, 25)],
    )
    # Thu 24th: 09–12 only; Fri 25th: closed; so 4 h from Thu 10:00 ends Mon 28th 11:00.
    due = add_business_time(calendar, warsaw(2026, 12, 24, 10, 0), timedelta(hours=4))
    assert due == warsaw(2026, 12, 28, 11, 0)


def test_pauses_stop_the_clock() -> None:
    pause = (warsaw(2026, 12, 1, 11, 0), warsaw(2026, 12, 1, 15, 0))
    due = add_business_time(
        office(), warsaw(2026, 12, 1, 10, 0), timedelta(hours=3), pauses=[pause]
    )
    assert due == warsaw(2026, 12, 1, 17, 0)


def test_midnight_closing_and_always_open() -> None:
    all_day = {
        day: [{"open": "00:00", "close": "24:00"}]
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    calendar = calendar_from_config(timezone="Europe/London", business_hours=all_day)
    assert calendar.always_open is True
    start = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    assert add_business_time(calendar, start, timedelta(hours=1)) == start + timedelta(hours=1)


def test_daylight_saving_change_counts_wall_clock_hours() -> None:
    # 29 March 2026: Warsaw jumps from 02:00 to 03:00. Open 00:00–24:00 that
    # Sunday is 23 real hours long.
    sundays = calendar_from_config(
        timezone="Europe/Warsaw", business_hours={"sun": [{"open": "00:00", "close": "24:00"}]}
    )
    start = warsaw(2026, 3, 29, 0, 0)
    end = warsaw(2026, 3, 30, 0, 0)
    assert business_time_between(sundays, start, end) == timedelta(hours=23)
    assert add_business_time(sundays, start, timedelta(hours=3)) == warsaw(2026, 3, 29, 4, 0)


def test_business_time_between_and_remaining() -> None:
    calendar = office()
    start = warsaw(2026, 12, 4, 16, 0)
    end = warsaw(2026, 12, 7, 10, 0)
    assert business_time_between(calendar, start, end) == timedelta(hours=2)
    assert business_time_between(calendar, end, start) == timedelta(0)
    assert remaining_business_time(calendar, start, end) == timedelta(hours=2)
    assert remaining_business_time(calendar, end + timedelta(minutes=5), end) == -timedelta(
        minutes=5
    )


def test_a_calendar_without_open_time_raises() -> None:
    never = BusinessCalendar(timezone="UTC")
    with pytest.raises(CalendarError, match="no open business time"):
        add_business_time(never, datetime(2026, 1, 1, tzinfo=UTC), timedelta(minutes=1))


def test_bad_input_is_refused() -> None:
    with pytest.raises(CalendarError):
        Slot(time(17, 0), time(9, 0))
    with pytest.raises(ValueError, match="naive"):
        add_business_time(office(), datetime(2026, 12, 1, 10, 0), timedelta(hours=1))
    with pytest.raises(ValueError, match="negative"):
        add_business_time(office(), warsaw(2026, 12, 1, 10, 0), timedelta(hours=-1))


def test_event_factors_scale_targets() -> None:
    assert scaled_target(timedelta(hours=1), 0.5) == timedelta(minutes=30)
    assert scaled_target(timedelta(hours=1), 1.5) == timedelta(minutes=90)
    with pytest.raises(ValueError, match="positive"):
        scaled_target(timedelta(hours=1), 0)
