"""Queries of approval requests, decisions and digest records."""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.approvals.models import ApprovalDecision, ApprovalDigestItem, ApprovalRequest
from domain.approvals.rules import ApprovalStatus, SubjectKind
from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.shared.ids import new_id


def _insert_for(dialect: str) -> Any:
    """The dialect's INSERT construct (both have `on_conflict_do_nothing`)."""
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


class ApprovalRequestRepository(ScopedRepository[ApprovalRequest]):
    model = ApprovalRequest

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def insert_pending_or_none(
        self,
        *,
        brand_id: uuid.UUID,
        subject_kind: SubjectKind,
        subject_id: uuid.UUID,
        summary: str,
        requested_by: str,
        now: datetime,
    ) -> uuid.UUID | None:
        """Insert a pending request; None when the subject already has one pending.

        One `INSERT … ON CONFLICT DO NOTHING` on the partial unique index of
        pending subjects, so two concurrent requests cannot both insert.
        """
        insert = _insert_for(self.dialect)
        request_id = new_id()
        statement = (
            insert(ApprovalRequest)
            .values(
                id=request_id,
                tenant_id=self.scope.tenant_id,
                created_at=now,
                brand_id=brand_id,
                subject_kind=subject_kind,
                subject_id=subject_id,
                summary=summary,
                status=ApprovalStatus.PENDING,
                requested_by=requested_by,
            )
            .on_conflict_do_nothing(
                index_elements=["tenant_id", "subject_kind", "subject_id"],
                index_where=text("status = 'pending'"),
            )
            .returning(ApprovalRequest.id)
        )
        result = await self.session.execute(statement)
        return result.scalar_one_or_none()

    async def pending_for_subject_or_none(
        self, subject_kind: SubjectKind, subject_id: uuid.UUID
    ) -> ApprovalRequest | None:
        result = await self.session.execute(
            self._select().where(
                ApprovalRequest.subject_kind == subject_kind,
                ApprovalRequest.subject_id == subject_id,
                ApprovalRequest.status == ApprovalStatus.PENDING,
            )
        )
        return result.scalar_one_or_none()

    async def get_for_update(self, request_id: uuid.UUID) -> ApprovalRequest | None:
        """The request, locked until the transaction ends (PostgreSQL), so it is decided once."""
        statement = self._select().where(ApprovalRequest.id == request_id)
        if self.dialect == "postgresql":
            statement = statement.with_for_update()
        result = await self.session.execute(
            statement, execution_options={"populate_existing": True}
        )
        return result.scalar_one_or_none()

    async def pending_for_brands(
        self,
        brand_ids: Collection[uuid.UUID],
        *,
        limit: int | None = None,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[ApprovalRequest]:
        """Pending requests of these brands, oldest first (after `after`: (created at, id))."""
        if not brand_ids:
            return []
        statement = (
            self._select()
            .where(
                ApprovalRequest.status == ApprovalStatus.PENDING,
                ApprovalRequest.brand_id.in_(list(brand_ids)),
            )
            .order_by(ApprovalRequest.created_at, ApprovalRequest.id)
        )
        if after is not None:
            created_at, request_id = after
            statement = statement.where(
                or_(
                    ApprovalRequest.created_at > created_at,
                    and_(ApprovalRequest.created_at == created_at, ApprovalRequest.id > request_id),
                )
            )
        if limit is not None:
            statement = statement.limit(limit)
        result = await self.session.execute(statement)
        return list(result.scalars())

    async def for_subjects(
        self, subject_kind: SubjectKind, subject_ids: Sequence[uuid.UUID]
    ) -> list[ApprovalRequest]:
        """Every request about these subjects, oldest first."""
        if not subject_ids:
            return []
        result = await self.session.execute(
            self._select()
            .where(
                ApprovalRequest.subject_kind == subject_kind,
                ApprovalRequest.subject_id.in_(list(subject_ids)),
            )
            .order_by(ApprovalRequest.created_at, ApprovalRequest.id)
        )
        return list(result.scalars())


class ApprovalDecisionRepository(ScopedRepository[ApprovalDecision]):
    model = ApprovalDecision

    async def for_brands(
        self,
        brand_ids: Collection[uuid.UUID],
        *,
        subject_id: uuid.UUID | None = None,
        limit: int = 100,
    ) -> list[ApprovalDecision]:
        """Decisions on these brands (optionally on one subject), newest first."""
        if not brand_ids:
            return []
        statement = self._select().where(ApprovalDecision.brand_id.in_(list(brand_ids)))
        if subject_id is not None:
            statement = statement.where(ApprovalDecision.subject_id == subject_id)
        result = await self.session.execute(
            statement.order_by(ApprovalDecision.decided_at.desc(), ApprovalDecision.id).limit(limit)
        )
        return list(result.scalars())

    async def for_approvals(self, approval_ids: Collection[uuid.UUID]) -> list[ApprovalDecision]:
        """Decisions on these requests, oldest first."""
        if not approval_ids:
            return []
        result = await self.session.execute(
            self._select()
            .where(ApprovalDecision.approval_id.in_(list(approval_ids)))
            .order_by(ApprovalDecision.decided_at, ApprovalDecision.id)
        )
        return list(result.scalars())


class ApprovalDigestRepository(ScopedRepository[ApprovalDigestItem]):
    model = ApprovalDigestItem

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def last_sent_at(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, datetime]:
        """When each of these users last got a digest (users who never did are absent)."""
        if not user_ids:
            return {}
        result = await self.session.execute(
            select(ApprovalDigestItem.user_id, func.max(ApprovalDigestItem.sent_at))
            .where(
                ApprovalDigestItem.tenant_id == self.scope.tenant_id,
                ApprovalDigestItem.user_id.in_(list(user_ids)),
            )
            .group_by(ApprovalDigestItem.user_id)
        )
        return dict(result.all())

    async def sent_approval_ids(
        self, user_ids: Collection[uuid.UUID], approval_ids: Collection[uuid.UUID]
    ) -> set[tuple[uuid.UUID, uuid.UUID]]:
        """(user id, approval id) pairs among these that were already in a digest."""
        if not user_ids or not approval_ids:
            return set()
        result = await self.session.execute(
            select(ApprovalDigestItem.user_id, ApprovalDigestItem.approval_id).where(
                ApprovalDigestItem.tenant_id == self.scope.tenant_id,
                ApprovalDigestItem.user_id.in_(list(user_ids)),
                ApprovalDigestItem.approval_id.in_(list(approval_ids)),
            )
        )
        return {(user_id, approval_id) for user_id, approval_id in result.all()}

    async def claim(
        self,
        *,
        user_id: uuid.UUID,
        approval_ids: Sequence[uuid.UUID],
        now: datetime,
    ) -> list[uuid.UUID]:
        """Record these requests as sent to the user; returns those not recorded before.

        `INSERT … ON CONFLICT DO NOTHING RETURNING`: of two concurrent digest
        runs, each request goes to the one whose insert wins.
        """
        if not approval_ids:
            return []
        insert = _insert_for(self.dialect)
        statement = (
            insert(ApprovalDigestItem)
            .values(
                [
                    {
                        "id": new_id(),
                        "tenant_id": self.scope.tenant_id,
                        "created_at": now,
                        "user_id": user_id,
                        "approval_id": approval_id,
                        "sent_at": now,
                    }
                    for approval_id in approval_ids
                ]
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "user_id", "approval_id"])
            .returning(ApprovalDigestItem.approval_id)
        )
        result = await self.session.execute(statement)
        return list(result.scalars())
