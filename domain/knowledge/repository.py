"""Queries of Q&A entries and versions."""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.approvals.rules import VersionState
from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.mentions.models import Mention, MentionDirection
from domain.shared.ids import new_id


@dataclass(frozen=True, slots=True)
class QnaEntryFilter:
    """What a list of entries is narrowed to; None leaves a criterion out.

    `text` matches the key, the product or the newest version's questions or
    answer (case-insensitive substring); `stale` compares `review_at` with `now`.
    """

    language: str | None = None
    status: VersionState | None = None
    text: str | None = None
    stale: bool | None = None


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _insert_for(dialect: str) -> Any:
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


class QnaEntryRepository(ScopedRepository[QnaEntry]):
    model = QnaEntry

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def insert_missing(
        self, *, brand_id: uuid.UUID, rows: Sequence[dict[str, Any]], now: datetime
    ) -> None:
        """Insert entries by `external_key`; keys the brand already has are left alone.

        `INSERT … ON CONFLICT DO NOTHING` on (tenant, brand, external key):
        concurrent imports of one file create each entry once.
        """
        if not rows:
            return
        values = [
            {
                "id": new_id(),
                "tenant_id": self.scope.tenant_id,
                "created_at": now,
                "brand_id": brand_id,
                "status": VersionState.DRAFT,
                "latest_version": 0,
                **row,
            }
            for row in rows
        ]
        statement = (
            _insert_for(self.dialect)(QnaEntry)
            .values(values)
            .on_conflict_do_nothing(index_elements=["tenant_id", "brand_id", "external_key"])
        )
        await self.session.execute(statement)

    async def by_keys(self, brand_id: uuid.UUID, keys: Collection[str]) -> dict[str, QnaEntry]:
        """The brand's entries with these external keys, by key."""
        if not keys:
            return {}
        result = await self.session.execute(
            self._select().where(QnaEntry.brand_id == brand_id, QnaEntry.external_key.in_(keys)),
            execution_options={"populate_existing": True},
        )
        return {entry.external_key: entry for entry in result.scalars()}

    async def list_for_brand(
        self, brand_id: uuid.UUID, *, include_retired: bool = False
    ) -> list[QnaEntry]:
        statement = self._select().where(QnaEntry.brand_id == brand_id)
        if not include_retired:
            statement = statement.where(QnaEntry.retired_at.is_(None))
        result = await self.session.execute(statement.order_by(QnaEntry.external_key))
        return list(result.scalars())

    async def page(
        self,
        brand_ids: Collection[uuid.UUID],
        *,
        wanted: QnaEntryFilter,
        now: datetime,
        limit: int,
        after: tuple[str, uuid.UUID] | None = None,
    ) -> list[QnaEntry]:
        """Entries of these brands matching `wanted`, by (external key, id), after `after`."""
        if not brand_ids or limit <= 0:
            return []
        statement = self._select().where(QnaEntry.brand_id.in_(list(brand_ids)))
        if wanted.language is not None:
            statement = statement.where(QnaEntry.language == wanted.language)
        if wanted.status is not None:
            statement = statement.where(QnaEntry.status == wanted.status)
        if wanted.stale is True:
            statement = statement.where(QnaEntry.review_at < now)
        elif wanted.stale is False:
            statement = statement.where(
                or_(QnaEntry.review_at.is_(None), QnaEntry.review_at >= now)
            )
        if wanted.text:
            pattern = _like_pattern(wanted.text.strip())
            newest_matches = exists(
                select(QnaVersion.id).where(
                    QnaVersion.tenant_id == self.scope.tenant_id,
                    QnaVersion.entry_id == QnaEntry.id,
                    QnaVersion.number == QnaEntry.latest_version,
                    or_(
                        QnaVersion.answer.ilike(pattern, escape="\\"),
                        cast(QnaVersion.question_variants, String).ilike(pattern, escape="\\"),
                    ),
                )
            )
            statement = statement.where(
                or_(
                    QnaEntry.external_key.ilike(pattern, escape="\\"),
                    QnaEntry.product.ilike(pattern, escape="\\"),
                    newest_matches,
                )
            )
        if after is not None:
            key, entry_id = after
            statement = statement.where(
                or_(
                    QnaEntry.external_key > key,
                    and_(QnaEntry.external_key == key, QnaEntry.id > entry_id),
                )
            )
        result = await self.session.execute(
            statement.order_by(QnaEntry.external_key, QnaEntry.id).limit(limit)
        )
        return list(result.scalars())

    async def latest_customer_message(self, conversation_id: uuid.UUID) -> Mention | None:
        """The conversation's newest inbound message (what a suggestion answers), if any."""
        posted = func.coalesce(Mention.posted_at, Mention.received_at)
        result = await self.session.execute(
            select(Mention)
            .where(
                Mention.tenant_id == self.scope.tenant_id,
                Mention.conversation_id == conversation_id,
                Mention.direction == MentionDirection.INBOUND,
            )
            .where(Mention.deleted_at.is_(None))
            .order_by(posted.desc(), Mention.id.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()


class QnaVersionRepository(ScopedRepository[QnaVersion]):
    model = QnaVersion

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def insert_or_none(self, *, entry_id: uuid.UUID, number: int, **fields: Any) -> bool:
        """Insert version `number` of the entry; False when that number exists already."""
        version_id = new_id()
        statement = (
            _insert_for(self.dialect)(QnaVersion)
            .values(
                id=version_id,
                tenant_id=self.scope.tenant_id,
                entry_id=entry_id,
                number=number,
                **fields,
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "entry_id", "number"])
            .returning(QnaVersion.id)
        )
        result = await self.session.execute(statement)
        return result.scalar_one_or_none() is not None

    async def numbered(
        self, pairs: Collection[tuple[uuid.UUID, int]]
    ) -> dict[uuid.UUID, QnaVersion]:
        """Version `number` of each (entry id, number) pair, by entry id."""
        if not pairs:
            return {}
        conditions = [
            and_(QnaVersion.entry_id == entry_id, QnaVersion.number == number)
            for entry_id, number in pairs
        ]
        found: dict[uuid.UUID, QnaVersion] = {}
        # Chunks keep the statement small for large imports.
        for start in range(0, len(conditions), 200):
            result = await self.session.execute(
                self._select().where(or_(*conditions[start : start + 200])),
                execution_options={"populate_existing": True},
            )
            for version in result.scalars():
                found[version.entry_id] = version
        return found

    async def for_entries(self, entry_ids: Collection[uuid.UUID]) -> list[QnaVersion]:
        """Every version of these entries, by entry, oldest first."""
        if not entry_ids:
            return []
        result = await self.session.execute(
            self._select()
            .where(QnaVersion.entry_id.in_(list(entry_ids)))
            .order_by(QnaVersion.entry_id, QnaVersion.number)
        )
        return list(result.scalars())

    async def for_entry(self, entry_id: uuid.UUID) -> list[QnaVersion]:
        """Every version of the entry, oldest first."""
        result = await self.session.execute(
            self._select().where(QnaVersion.entry_id == entry_id).order_by(QnaVersion.number)
        )
        return list(result.scalars())
