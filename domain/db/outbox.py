"""The transactional outbox: side effects written with the change, delivered later."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, String, delete, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.bulk import ids_in
from domain.db.uow import UnitOfWork

#: How long delivered rows stay (to diagnose a delivery) before `purge_done_messages`.
DONE_RETENTION = timedelta(days=7)
#: Rows deleted per purge statement: short transactions, bounded lock time.
PURGE_BATCH_ROWS = 5000

#: `last_error` keeps at most this many characters (status and error type, never content).
MAX_ERROR_LENGTH = 1000


class OutboxMessage(TenantOwned, Base):
    """A side effect to deliver (index a mention, publish a realtime event …).

    Written in the same transaction as the change it follows, so it exists if
    and only if the change committed. Workers deliver pending messages in
    batches and set `done_at`; failures back off via `next_attempt_at`.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index(None, "tenant_id", "topic", "done_at", "next_attempt_at"),
        # The pending rows in the order `claim_due_messages` takes them.
        Index(
            None,
            "tenant_id",
            "topic",
            "next_attempt_at",
            "created_at",
            "id",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
    )

    topic: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(1000))


def retry_delay(attempts: int) -> timedelta:
    """The wait after an outbox row's `attempts`-th failure: 5 s, doubling, at most 10 min."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 600))


async def claim_due_messages(
    uow: UnitOfWork, *, topic: str, now: datetime, batch_size: int
) -> list[OutboxMessage]:
    """Up to `batch_size` pending rows of `topic` whose time has come, earliest due
    first and, among rows due together, in the order they were written (`created_at`:
    the inbox events of one change reach subscribers in order); a postponed row comes
    after the rows that were due before it. A partial index holds pending rows in
    this order: a claim reads its batch, not the whole backlog.

    On PostgreSQL the rows are locked with SKIP LOCKED: rows another worker
    holds are skipped, not waited for, so concurrent drains share the backlog
    instead of delivering the same rows twice.
    """
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.topic == topic,
            OutboxMessage.done_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.created_at, OutboxMessage.id)
        .limit(batch_size)
    )
    if uow.dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    result = await uow.session.execute(statement)
    return list(result.scalars())


async def has_due_messages(
    uow: UnitOfWork, *, topic: str, now: datetime, overdue_by: timedelta = timedelta(0)
) -> bool:
    """Whether the scope's tenant has pending `topic` rows due since `overdue_by` ago."""
    uow.require_scope()
    result = await uow.session.execute(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.topic == topic,
            OutboxMessage.done_at.is_(None),
            OutboxMessage.next_attempt_at <= now - overdue_by,
        )
        .limit(1)
    )
    return result.first() is not None


async def mark_messages_done(
    uow: UnitOfWork, message_ids: Sequence[uuid.UUID], *, now: datetime, note: str | None = None
) -> None:
    """Mark delivered (or undeliverable) rows done."""
    # Bulk UPDATEs: delivery bookkeeping is not an auditable change of the tenant's data.
    if message_ids:
        await uow.session.execute(
            update(OutboxMessage)
            .where(ids_in(OutboxMessage.id, message_ids, uow.dialect))
            .values(done_at=now, last_error=note),
            execution_options={"synchronize_session": False},
        )


async def postpone_messages(
    uow: UnitOfWork,
    message_ids: Sequence[uuid.UUID],
    *,
    attempts: int,
    now: datetime,
    reason: str,
) -> None:
    """Leave rows pending for a later attempt (`retry_delay(attempts)` from now)."""
    if message_ids:
        await uow.session.execute(
            update(OutboxMessage)
            .where(ids_in(OutboxMessage.id, message_ids, uow.dialect))
            .values(
                attempts=attempts,
                next_attempt_at=now + retry_delay(attempts),
                last_error=reason[:MAX_ERROR_LENGTH],
            ),
            execution_options={"synchronize_session": False},
        )


async def purge_done_messages(
    uow: UnitOfWork, *, done_before: datetime, limit: int = PURGE_BATCH_ROWS
) -> int:
    """Delete up to `limit` of the scope's rows delivered before `done_before`; returns how many.

    Pending rows are never touched, however old: they are work not yet done.
    Callers repeat (one transaction per call) until fewer than `limit` rows go.
    """
    tenant_id = uow.require_scope().tenant_id
    doomed = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.tenant_id == tenant_id,
            OutboxMessage.done_at.is_not(None),
            OutboxMessage.done_at < done_before,
        )
        .limit(limit)
        .scalar_subquery()
    )
    # A bulk DELETE: purging delivered bookkeeping is not an auditable change.
    result = await uow.session.execute(
        delete(OutboxMessage).where(OutboxMessage.id.in_(doomed)),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)
