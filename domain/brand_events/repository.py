"""Reads and writes of brand events."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.brand_events.models import BrandEvent
from domain.db.repository import ScopedRepository

_IMPORTED_COLUMNS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "planned",
    "briefing",
    "sla_factor",
    "expected_impact",
)


class BrandEventRepository(ScopedRepository[BrandEvent]):
    model = BrandEvent

    async def active(self, brand_ids: Iterable[uuid.UUID], *, at: datetime) -> list[BrandEvent]:
        """Events of these brands active at `at`, earliest start first."""
        wanted = list(brand_ids)
        if not wanted:
            return []
        result = await self.session.execute(
            self._select()
            .where(
                BrandEvent.brand_id.in_(wanted),
                BrandEvent.starts_at <= at,
                BrandEvent.ends_at >= at,
            )
            .order_by(BrandEvent.starts_at, BrandEvent.id)
        )
        return list(result.scalars())

    async def list_for_brand(
        self, brand_id: uuid.UUID, *, ending_after: datetime | None = None
    ) -> list[BrandEvent]:
        statement = self._select().where(BrandEvent.brand_id == brand_id)
        if ending_after is not None:
            statement = statement.where(BrandEvent.ends_at >= ending_after)
        result = await self.session.execute(statement.order_by(BrandEvent.starts_at, BrandEvent.id))
        return list(result.scalars())

    async def upsert_imported(self, rows: Sequence[Mapping[str, Any]], *, dialect: str) -> None:
        """Insert catalogue events, or update the ones already imported (same `external_key`)."""
        if not rows:
            return
        table = BrandEvent.__table__
        assert isinstance(table, Table)
        values = [{**row, "tenant_id": self.scope.tenant_id} for row in rows]
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_id", "brand_id", "external_key"],
            set_={column: statement.excluded[column] for column in _IMPORTED_COLUMNS},
        )
        await self.session.execute(statement)
