"""The brand events calendar as triage reads it.

Brand events live in the calendar (`domain.brand_events`); a brand's settings may still
carry events in the catalogue's shape. Triage reads both: `calendar_events` loads the
calendar events of a batch's brands overlapping the batch's time span in one query,
`triage_event` maps one into the triage `BrandEvent`, and `with_calendar` merges them
into a `BrandProfile` (the calendar wins over a settings event of the same title).
"""

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from domain.brand_events.models import BrandEvent as CalendarEvent
from domain.brand_events.models import ExpectedImpact
from domain.brand_events.service import ActiveBrandEvent
from domain.db.uow import UnitOfWork
from domain.triage.brands import BrandEvent, BrandProfile

__all__ = ["calendar_events", "triage_event", "with_calendar"]


async def calendar_events(
    uow: UnitOfWork,
    *,
    brand_ids: Collection[uuid.UUID],
    start: datetime,
    end: datetime,
    titles: Collection[str] = (),
) -> dict[uuid.UUID, list[BrandEvent]]:
    """The calendar events of these brands whose window overlaps ``[start, end]``, and
    those titled like one of ``titles`` (the brands' settings events, which they replace
    whenever they are), by brand, earliest start first: one query, whatever the number of
    brands or mentions. Each mention then keeps the events active when it was posted
    (`BrandProfile.active_events`)."""
    if not brand_ids:
        return {}
    wanted_titles = sorted({" ".join(title.split()) for title in titles})
    overlapping = and_(CalendarEvent.starts_at <= end, CalendarEvent.ends_at >= start)
    result = await uow.session.execute(
        select(CalendarEvent)
        .where(
            CalendarEvent.brand_id.in_(sorted(brand_ids)),
            or_(
                overlapping,
                CalendarEvent.title.in_(wanted_titles),
                func.lower(CalendarEvent.title).in_([title.lower() for title in wanted_titles]),
            )
            if wanted_titles
            else overlapping,
        )
        .order_by(CalendarEvent.starts_at, CalendarEvent.id)
    )
    found: dict[uuid.UUID, list[BrandEvent]] = defaultdict(list)
    for event in result.scalars():
        found[event.brand_id].append(triage_event(ActiveBrandEvent.from_model(event)))
    return dict(found)


def triage_event(event: ActiveBrandEvent) -> BrandEvent:
    """A calendar event in the shape the triage rules read."""
    return BrandEvent(
        id=str(event.id),
        kind=event.kind.value,
        title=event.title,
        start=event.starts_at,
        end=event.ends_at,
        planned=event.planned,
        products=event.affected_products,
        channel_ids=event.affected_channel_ids,
        raises_expectations=event.expected_impact is ExpectedImpact.RAISES,
    )


def with_calendar(profile: BrandProfile, events: Iterable[BrandEvent]) -> BrandProfile:
    """The profile with the calendar's events added to its settings events; a settings
    event with the title of a calendar event (ignoring case and spacing) is replaced by
    the calendar's, whatever their windows."""
    calendar = list(events)
    if not calendar:
        return profile
    titles = {_title_key(event.title) for event in calendar}
    kept = [event for event in profile.events if _title_key(event.title) not in titles]
    merged = sorted([*kept, *calendar], key=lambda event: (event.start, event.id))
    return replace(profile, events=tuple(merged))


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()
