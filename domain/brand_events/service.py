"""Use cases of the brand events calendar.

Managing events needs `brand:manage` on the event's brand; reading them needs
`brand:read` (client roles see their granted brands' events). `active_events`
is for other modules (SLA clocks, triage) and takes no grantee: it runs inside
their already authorised unit of work.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain.authz.policy import Grantee, Permission, decide, require
from domain.brand_events.errors import InvalidBrandEventError
from domain.brand_events.models import BrandEvent, BrandEventKind, ExpectedImpact
from domain.brand_events.repository import BrandEventRepository
from domain.brand_events.rules import (
    DEFAULT_SLA_FACTORS,
    MAX_SLA_FACTOR,
    MIN_SLA_FACTOR,
    affects_channel,
    kind_from_catalogue,
)
from domain.brands.repository import BrandRepository
from domain.conversations.models import Conversation
from domain.db.uow import UnitOfWork
from domain.shared.errors import NotFoundError
from domain.shared.ids import new_id


@dataclass(frozen=True, slots=True)
class ActiveBrandEvent:
    """An event active at the time asked about, as SLA and triage read it."""

    id: uuid.UUID
    brand_id: uuid.UUID
    kind: BrandEventKind
    title: str
    starts_at: datetime
    ends_at: datetime
    planned: bool
    expected_impact: ExpectedImpact
    sla_factor: float
    briefing: str
    affected_products: tuple[str, ...]
    affected_channel_ids: tuple[str, ...]
    qna_entry_ids: tuple[str, ...]

    @classmethod
    def from_model(cls, event: BrandEvent) -> "ActiveBrandEvent":
        return cls(
            id=event.id,
            brand_id=event.brand_id,
            kind=event.kind,
            title=event.title,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            planned=event.planned,
            expected_impact=event.expected_impact,
            sla_factor=event.sla_factor,
            briefing=event.briefing,
            affected_products=tuple(str(item) for item in event.affected_products),
            affected_channel_ids=tuple(str(item) for item in event.affected_channel_ids),
            qna_entry_ids=tuple(str(item) for item in event.qna_entry_ids),
        )


@dataclass(frozen=True, slots=True)
class BrandEventFields:
    """What a caller sets on an event (all of it, on create and on update)."""

    kind: BrandEventKind
    title: str
    starts_at: datetime
    ends_at: datetime
    planned: bool = False
    affected_products: tuple[str, ...] = ()
    affected_channel_ids: tuple[uuid.UUID, ...] = ()
    expected_impact: ExpectedImpact = ExpectedImpact.RAISES
    sla_factor: float = 1.0
    briefing: str = ""
    qna_entry_ids: tuple[uuid.UUID, ...] = ()


def _validate(fields: BrandEventFields) -> None:
    if not fields.title.strip():
        raise InvalidBrandEventError("an event needs a title", field="title")
    if fields.ends_at <= fields.starts_at:
        raise InvalidBrandEventError("an event ends after it starts", field="endsAt")
    if not MIN_SLA_FACTOR <= fields.sla_factor <= MAX_SLA_FACTOR:
        raise InvalidBrandEventError(
            f"the SLA factor is between {MIN_SLA_FACTOR} and {MAX_SLA_FACTOR}", field="slaFactor"
        )


def _apply(event: BrandEvent, fields: BrandEventFields) -> None:
    event.kind = BrandEventKind(fields.kind)
    event.title = fields.title.strip()
    event.starts_at = fields.starts_at
    event.ends_at = fields.ends_at
    event.planned = fields.planned
    event.affected_products = list(fields.affected_products)
    event.affected_channel_ids = [str(item) for item in fields.affected_channel_ids]
    event.expected_impact = ExpectedImpact(fields.expected_impact)
    event.sla_factor = fields.sla_factor
    event.briefing = fields.briefing
    event.qna_entry_ids = [str(item) for item in fields.qna_entry_ids]


async def create_brand_event(
    uow: UnitOfWork, grantee: Grantee, *, brand_id: uuid.UUID, fields: BrandEventFields
) -> BrandEvent:
    """Add an event to a brand's calendar; flushes, the caller commits.

    Raises `NotFoundError` (brand not in the tenant), `PermissionDeniedError`,
    `InvalidBrandEventError`.
    """
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.BRAND_MANAGE, brand_id=brand.id)
    _validate(fields)
    event = BrandEvent(brand_id=brand.id)
    _apply(event, fields)
    BrandEventRepository(uow).add(event)
    await uow.flush()
    return event


async def update_brand_event(
    uow: UnitOfWork, grantee: Grantee, *, event_id: uuid.UUID, fields: BrandEventFields
) -> BrandEvent:
    """Replace an event's fields; clocks already started keep what they recorded."""
    event = await BrandEventRepository(uow).get(event_id)
    require(grantee, Permission.BRAND_MANAGE, brand_id=event.brand_id)
    _validate(fields)
    _apply(event, fields)
    await uow.flush()
    return event


async def delete_brand_event(uow: UnitOfWork, grantee: Grantee, *, event_id: uuid.UUID) -> None:
    """Remove an event; clocks it changed keep their target and reason (the link is cleared)."""
    repository = BrandEventRepository(uow)
    event = await repository.get(event_id)
    require(grantee, Permission.BRAND_MANAGE, brand_id=event.brand_id)
    await repository.delete(event)
    await uow.flush()


async def list_brand_events(
    uow: UnitOfWork, grantee: Grantee, *, brand_id: uuid.UUID, ending_after: datetime | None
) -> list[BrandEvent]:
    """A brand's events (those ending at or after `ending_after`, if given), by start."""
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.BRAND_READ, brand_id=brand.id)
    return await BrandEventRepository(uow).list_for_brand(brand.id, ending_after=ending_after)


async def active_events(
    uow: UnitOfWork,
    *,
    brand_ids: Iterable[uuid.UUID],
    at: datetime,
    channel_id: uuid.UUID | None = None,
) -> list[ActiveBrandEvent]:
    """Events of these brands active at `at` (affecting `channel_id`, when given), by start.

    No permission check: for modules acting inside an authorised use case.
    """
    found = await BrandEventRepository(uow).active(brand_ids, at=at)
    return [
        ActiveBrandEvent.from_model(event)
        for event in found
        if affects_channel(event.affected_channel_ids, channel_id)
    ]


async def briefings_for_conversation(
    uow: UnitOfWork, grantee: Grantee, *, conversation_id: uuid.UUID, at: datetime
) -> list[ActiveBrandEvent]:
    """The briefings agents see on a conversation: its brand's events active at `at`
    on its channel. Needs `inbox:read` on the brand; `NotFoundError` otherwise-alike."""
    result = await uow.session.execute(
        select(Conversation.brand_id, Conversation.channel_id).where(
            Conversation.id == conversation_id
        )
    )
    row = result.one_or_none()
    if row is None:
        raise NotFoundError("conversation not found")
    brand_id, channel_id = row
    require(grantee, Permission.INBOX_READ, brand_id=brand_id)
    return await active_events(uow, brand_ids=[brand_id], at=at, channel_id=channel_id)


def _catalogue_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def catalogue_event_rows(
    brand_id: uuid.UUID, entries: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Rows for `import_brand_events` from catalogue entries (`id`, `type`, `title`,
    `start`, `end`, `description`, `planned`, optional `sla_factor`); entries
    without an id or a valid window are skipped."""
    rows = []
    for entry in entries:
        starts_at, ends_at = _catalogue_time(entry.get("start")), _catalogue_time(entry.get("end"))
        key = entry.get("id")
        if starts_at is None or ends_at is None or ends_at <= starts_at or not key:
            continue
        kind = kind_from_catalogue(entry.get("type"))
        factor = entry.get("sla_factor")
        rows.append(
            {
                "id": new_id(),
                "brand_id": brand_id,
                "external_key": str(key)[:100],
                "kind": kind,
                "title": str(entry.get("title", ""))[:300] or kind.value,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "planned": entry.get("planned") is True,
                "affected_products": [],
                "affected_channel_ids": [],
                "expected_impact": ExpectedImpact.RAISES,
                "sla_factor": (
                    float(factor)
                    if isinstance(factor, int | float)
                    else DEFAULT_SLA_FACTORS.get(kind, 1.0)
                ),
                "briefing": str(entry.get("description", "")),
                "qna_entry_ids": [],
            }
        )
    return rows


async def import_brand_events(
    uow: UnitOfWork, *, brand_id: uuid.UUID, entries: Sequence[Mapping[str, Any]]
) -> int:
    """Import a brand's events from catalogue entries (see `catalogue_event_rows`).

    Idempotent: an entry imported before (same id) is updated, not duplicated.
    Returns how many entries were imported. The caller commits.
    """
    rows = catalogue_event_rows(brand_id, entries)
    await BrandEventRepository(uow).upsert_imported(rows, dialect=uow.dialect)
    return len(rows)


async def visible_brand_events(
    uow: UnitOfWork, grantee: Grantee, event_ids: Sequence[uuid.UUID]
) -> list[BrandEvent]:
    """The events among these ids the grantee may read (`brand:read` on their brand)."""
    found = await BrandEventRepository(uow).get_many(list(event_ids))
    return [
        event
        for event in found
        if decide(grantee, Permission.BRAND_READ, brand_id=event.brand_id).allowed
    ]
