"""Brand calendars from the demo brands' configuration."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.brands.models import Brand
from domain.brands.service import apply_brand_fields
from domain.demo.seed import brand_fields_from_config, load_demo_data
from domain.sla.calendar import brand_calendar, public_holidays
from domain.sla.rules import add_business_time


def demo_brand(slug: str) -> Brand:
    data = next(b for b in load_demo_data()["tenant"]["brands"] if b["slug"] == slug)
    brand = Brand(slug=slug, name=data["name"])
    apply_brand_fields(brand, brand_fields_from_config(data))
    return brand


def test_public_holidays_come_from_the_library() -> None:
    polish = public_holidays("PL", [2026])
    assert date(2026, 11, 11) in polish  # Independence Day
    assert date(2026, 11, 12) not in polish
    assert public_holidays("XX", [2026]) == set()


def test_a_public_holiday_closes_a_polish_brand() -> None:
    wierzba = demo_brand("wierzba")
    calendar = brand_calendar(wierzba, years=[2026])
    warsaw = ZoneInfo("Europe/Warsaw")
    # Tuesday 10 Nov 19:30 + 1 h: 30 min left that day, 11 Nov is a holiday,
    # so the rest runs from 08:00 on Thursday 12 Nov.
    due = add_business_time(
        calendar, datetime(2026, 11, 10, 19, 30, tzinfo=warsaw), timedelta(hours=1)
    )
    assert due == datetime(2026, 11, 12, 8, 30, tzinfo=warsaw)


def test_special_hours_of_a_brand_override_the_public_holiday() -> None:
    biryuza = demo_brand("biryuza")
    calendar = brand_calendar(biryuza, years=[2026])
    assert [
        (slot.opens.hour, slot.closes.hour if slot.closes else 24)
        for slot in calendar.slots_on(date(2026, 11, 4))
    ] == [(10, 18)]


def test_an_around_the_clock_brand_keeps_working_on_public_holidays() -> None:
    kestrel = demo_brand("kestrel")
    calendar = brand_calendar(kestrel, years=[2026])
    assert calendar.always_open is True
    christmas = datetime(2026, 12, 25, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    assert add_business_time(calendar, christmas, timedelta(hours=1)) == christmas + timedelta(
        hours=1
    )
