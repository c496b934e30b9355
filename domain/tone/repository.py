"""Queries of tone guideline versions."""

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.approvals.rules import VersionState
from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.shared.clock import utcnow
from domain.shared.ids import new_id
from domain.tone.models import ToneGuidelineVersion


class ToneGuidelineRepository(ScopedRepository[ToneGuidelineVersion]):
    model = ToneGuidelineVersion

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def newest(self, brand_id: uuid.UUID, language: str) -> ToneGuidelineVersion | None:
        """The brand's newest version in this language, whatever its state."""
        result = await self.session.execute(
            self._select()
            .where(
                ToneGuidelineVersion.brand_id == brand_id,
                ToneGuidelineVersion.language == language,
            )
            .order_by(ToneGuidelineVersion.number.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def newest_approved(
        self, brand_id: uuid.UUID, language: str
    ) -> ToneGuidelineVersion | None:
        """The brand's newest approved version in this language: the one enforced."""
        result = await self.session.execute(
            self._select()
            .where(
                ToneGuidelineVersion.brand_id == brand_id,
                ToneGuidelineVersion.language == language,
                ToneGuidelineVersion.state == VersionState.APPROVED,
            )
            .order_by(ToneGuidelineVersion.number.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def for_brand(
        self, brand_id: uuid.UUID, language: str | None = None
    ) -> list[ToneGuidelineVersion]:
        """The brand's versions (in `language`, or all), by language, newest first."""
        statement = self._select().where(ToneGuidelineVersion.brand_id == brand_id)
        if language is not None:
            statement = statement.where(ToneGuidelineVersion.language == language)
        result = await self.session.execute(
            statement.order_by(ToneGuidelineVersion.language, ToneGuidelineVersion.number.desc())
        )
        return list(result.scalars())

    async def insert_next_or_none(
        self, *, brand_id: uuid.UUID, language: str, config: dict[str, Any], created_by: str
    ) -> ToneGuidelineVersion | None:
        """Insert the next version number as a draft; None when a concurrent insert took it."""
        latest = await self.session.execute(
            select(func.max(ToneGuidelineVersion.number)).where(
                ToneGuidelineVersion.tenant_id == self.scope.tenant_id,
                ToneGuidelineVersion.brand_id == brand_id,
                ToneGuidelineVersion.language == language,
            )
        )
        number = (latest.scalar_one_or_none() or 0) + 1
        insert = postgresql_insert if self.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(ToneGuidelineVersion)
            .values(
                id=new_id(),
                tenant_id=self.scope.tenant_id,
                created_at=utcnow(),
                brand_id=brand_id,
                language=language,
                number=number,
                config=config,
                state=VersionState.DRAFT,
                created_by=created_by,
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "brand_id", "language", "number"])
            .returning(ToneGuidelineVersion.id)
        )
        inserted = (await self.session.execute(statement)).scalar_one_or_none()
        return None if inserted is None else await self.get(inserted)
