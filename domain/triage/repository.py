"""Stored triage state of one tenant: feedback rows and incidents."""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention
from domain.triage.feedback import FeedbackValue
from domain.triage.models import Incident, IncidentStatus, TriageFeedback

#: The newest corrections of a tenant that the pipeline's memory holds.
MEMORY_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class FeedbackStamp:
    """Changes whenever a tenant's feedback changes (rows are only ever added)."""

    count: int
    latest: datetime | None


@dataclass(frozen=True, slots=True)
class IncidentSighting:
    """What one triage run saw of an incident, to upsert its row."""

    brand_id: uuid.UUID
    key: str
    kind: str
    title: str
    terms: Sequence[str]
    started_at: datetime
    last_seen_at: datetime
    new_members: int
    planned_event: str | None


class TriageFeedbackRepository(ScopedRepository[TriageFeedback]):
    model = TriageFeedback

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def stamp(self) -> FeedbackStamp:
        result = await self.session.execute(
            select(func.count(TriageFeedback.id), func.max(TriageFeedback.created_at)).where(
                TriageFeedback.tenant_id == self.scope.tenant_id
            )
        )
        count, latest = result.one()
        return FeedbackStamp(int(count), latest)

    async def memory_values(self, *, limit: int = MEMORY_LIMIT) -> list[FeedbackValue]:
        """The newest `limit` feedback rows with their mentions' texts, oldest first."""
        result = await self.session.execute(
            select(
                TriageFeedback.mention_id,
                Mention.text,
                TriageFeedback.field,
                TriageFeedback.new_value,
                TriageFeedback.actor_kind,
                TriageFeedback.actor_id,
                TriageFeedback.created_at,
            )
            .join(Mention, Mention.id == TriageFeedback.mention_id)
            .where(TriageFeedback.tenant_id == self.scope.tenant_id)
            .order_by(TriageFeedback.created_at.desc(), TriageFeedback.id)
            .limit(limit)
        )
        values = [
            FeedbackValue(
                mention_id=str(mention_id),
                text=text,
                field=str(field),
                new_value=new_value,
                corrected_by="an agent" if actor_kind == "user" else f"{actor_kind} {actor_id}",
                corrected_at=created_at,
            )
            for mention_id, text, field, new_value, actor_kind, actor_id, created_at in result
        ]
        values.reverse()
        return values

    async def list_recent(
        self,
        *,
        brand_ids: Collection[uuid.UUID],
        since: datetime | None,
        limit: int,
    ) -> list[TriageFeedback]:
        statement = self._select().where(TriageFeedback.brand_id.in_(sorted(brand_ids)))
        if since is not None:
            statement = statement.where(TriageFeedback.created_at >= since)
        result = await self.session.execute(
            statement.order_by(TriageFeedback.created_at.desc(), TriageFeedback.id).limit(limit)
        )
        return list(result.scalars())


class IncidentRepository(ScopedRepository[Incident]):
    model = Incident

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def get_for_update(self, incident_id: uuid.UUID) -> Incident | None:
        statement = self._select().where(Incident.id == incident_id)
        if self.dialect == "postgresql":
            statement = statement.with_for_update()
        result = await self.session.execute(statement)
        return result.scalar_one_or_none()

    async def list_recent(
        self,
        *,
        brand_ids: Collection[uuid.UUID],
        status: IncidentStatus | None,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[Incident]:
        """Incidents by `(last_seen_at, id)` descending, strictly after `after` when given."""
        statement = self._select().where(Incident.brand_id.in_(sorted(brand_ids)))
        if status is not None:
            statement = statement.where(Incident.status == status)
        if after is not None:
            last_seen_at, incident_id = after
            statement = statement.where(
                or_(
                    Incident.last_seen_at < last_seen_at,
                    and_(Incident.last_seen_at == last_seen_at, Incident.id < incident_id),
                )
            )
        result = await self.session.execute(
            statement.order_by(Incident.last_seen_at.desc(), Incident.id.desc()).limit(limit)
        )
        return list(result.scalars())

    async def by_ids(self, incident_ids: Collection[uuid.UUID]) -> list[Incident]:
        if not incident_ids:
            return []
        result = await self.session.execute(
            self._select().where(Incident.id.in_(sorted(incident_ids)))
        )
        return list(result.scalars())

    async def record(self, sighting: IncidentSighting, *, now: datetime) -> uuid.UUID | None:
        """Insert the incident, or widen the stored one (times, member count).

        Returns the id when this call created the row (the incident just opened),
        None when it existed. `ON CONFLICT DO NOTHING`, then an UPDATE: two runs that
        see the same incident create it once.
        """
        table = Incident.__table__
        assert isinstance(table, Table)
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "created_at": now,
            "tenant_id": self.scope.tenant_id,
            "brand_id": sighting.brand_id,
            "key": sighting.key,
            "kind": sighting.kind,
            "title": sighting.title,
            "terms": list(sighting.terms),
            "status": IncidentStatus.OPEN.value,
            "started_at": sighting.started_at,
            "last_seen_at": sighting.last_seen_at,
            "mention_count": sighting.new_members,
            "planned_event": sighting.planned_event,
        }
        dialect_insert: Any = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        statement = (
            dialect_insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["tenant_id", "brand_id", "key"])
            .returning(table.c.id)
        )
        inserted = (await self.session.execute(statement)).scalar_one_or_none()
        if inserted is not None:
            return inserted  # type: ignore[no-any-return]
        await self.session.execute(
            update(Incident)
            .where(
                Incident.tenant_id == self.scope.tenant_id,
                Incident.brand_id == sighting.brand_id,
                Incident.key == sighting.key,
            )
            .values(
                started_at=case(
                    (Incident.started_at > sighting.started_at, sighting.started_at),
                    else_=Incident.started_at,
                ),
                last_seen_at=case(
                    (Incident.last_seen_at < sighting.last_seen_at, sighting.last_seen_at),
                    else_=Incident.last_seen_at,
                ),
                mention_count=Incident.mention_count + sighting.new_members,
            ),
            execution_options={"synchronize_session": False},
        )
        return None


def insert_feedback_rows(uow: UnitOfWork, rows: Sequence[TriageFeedback]) -> None:
    """Stage feedback rows in the scope's tenant."""
    repository = TriageFeedbackRepository(uow)
    for row in rows:
        repository.add(row)


async def lock_mention(uow: UnitOfWork, mention_id: uuid.UUID) -> Mention | None:
    """The tenant's mention, locked for update on PostgreSQL (two agents correcting the
    same mention apply one after the other), freshly read."""
    statement = (
        select(Mention)
        .where(Mention.tenant_id == uow.require_scope().tenant_id, Mention.id == mention_id)
        .execution_options(populate_existing=True)
    )
    if uow.dialect == "postgresql":
        statement = statement.with_for_update()
    result = await uow.session.execute(statement)
    return result.scalar_one_or_none()
