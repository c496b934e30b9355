"""Reads and writes of SLA policies and clocks.

Clock writes are bulk statements: a clock's bookkeeping (start, pause, stop,
warn, breach) is recorded on the clock itself and in realtime events, not row
by row in the audit log. Policy changes go through the ORM and are audited.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.conversations.models import Conversation
from domain.db.repository import ScopedRepository
from domain.sla.models import SlaClock, SlaPolicy

_BULK = {"synchronize_session": False}


#: Clock rows per INSERT (about 20 columns each: well under 32,767 parameters).
_INSERT_CHUNK_ROWS = 500


class PolicyRepository(ScopedRepository[SlaPolicy]):
    model = SlaPolicy

    async def current_for_brands(self, brand_ids: Iterable[uuid.UUID]) -> list[SlaPolicy]:
        """Current (not retired) policies of these brands, oldest first."""
        wanted = list(brand_ids)
        if not wanted:
            return []
        result = await self.session.execute(
            self._select()
            .where(SlaPolicy.brand_id.in_(wanted), SlaPolicy.retired_at.is_(None))
            .order_by(SlaPolicy.created_at, SlaPolicy.id)
        )
        return list(result.scalars())


@dataclass(frozen=True, slots=True)
class ClaimedClock:
    """A clock the sweep claimed a warning or a breach for."""

    id: uuid.UUID
    conversation_id: uuid.UUID
    brand_id: uuid.UUID
    kind: str
    policy_id: uuid.UUID
    due_at: datetime


class ClockRepository(ScopedRepository[SlaClock]):
    model = SlaClock

    async def for_conversations(self, conversation_ids: Iterable[uuid.UUID]) -> list[SlaClock]:
        """Every clock of these conversations (running and stopped), oldest first."""
        wanted = list(conversation_ids)
        if not wanted:
            return []
        result = await self.session.execute(
            self._select()
            .where(SlaClock.conversation_id.in_(wanted))
            .order_by(SlaClock.started_at, SlaClock.id)
        )
        return list(result.scalars())

    async def raised_by_running_breach(
        self, conversation_ids: Iterable[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of these conversations with a breached clock still running whose policy
        raises the priority on breach (one query, whatever the number of ids)."""
        wanted = list(conversation_ids)
        if not wanted:
            return set()
        result = await self.session.execute(
            select(SlaClock.conversation_id, SlaPolicy.breach_actions)
            .join(SlaPolicy, SlaPolicy.id == SlaClock.policy_id)
            .where(
                SlaClock.conversation_id.in_(wanted),
                SlaClock.breached_at.is_not(None),
                SlaClock.stopped_at.is_(None),
            )
        )
        # The flag is read in Python: JSON booleans compare differently per dialect.
        return {
            conversation_id
            for conversation_id, actions in result.all()
            if isinstance(actions, Mapping) and actions.get("raise_priority")
        }

    async def insert_running(self, rows: Sequence[Mapping[str, Any]], *, dialect: str) -> None:
        """Start clocks; a kind already running on the conversation is left as it is."""
        if not rows:
            return
        table = SlaClock.__table__
        assert isinstance(table, Table)
        values = [{**row, "tenant_id": self.scope.tenant_id} for row in rows]
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        # Chunks keep each statement under the drivers' bind-parameter limits.
        for start in range(0, len(values), _INSERT_CHUNK_ROWS):
            await self.session.execute(
                insert(table)
                .values(values[start : start + _INSERT_CHUNK_ROWS])
                .on_conflict_do_nothing(
                    index_elements=["tenant_id", "conversation_id", "kind"],
                    index_where=text("stopped_at IS NULL"),
                )
            )

    async def stop(
        self, conversation_id: uuid.UUID, *, kinds: Iterable[str] | None, at: datetime
    ) -> int:
        """Stop the conversation's running clocks (of `kinds`, or all); returns how many."""
        statement = update(SlaClock).where(
            SlaClock.conversation_id == conversation_id, SlaClock.stopped_at.is_(None)
        )
        if kinds is not None:
            statement = statement.where(SlaClock.kind.in_(list(kinds)))
        result = await self.session.execute(
            statement.values(stopped_at=at), execution_options=_BULK
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def pause(self, conversation_id: uuid.UUID, *, at: datetime) -> None:
        """Pause the conversation's running, unpaused clocks at `at`."""
        await self.session.execute(
            update(SlaClock)
            .where(
                SlaClock.conversation_id == conversation_id,
                SlaClock.stopped_at.is_(None),
                SlaClock.paused_at.is_(None),
            )
            .values(paused_at=at),
            execution_options=_BULK,
        )

    async def set_resumed(
        self, clock_id: uuid.UUID, *, due_at: datetime, warn_at: datetime, paused_seconds: int
    ) -> None:
        await self.session.execute(
            update(SlaClock)
            .where(SlaClock.id == clock_id, SlaClock.paused_at.is_not(None))
            .values(paused_at=None, due_at=due_at, warn_at=warn_at, paused_seconds=paused_seconds),
            execution_options=_BULK,
        )

    async def _claim(
        self, *, moment_column: Any, claimed_column: Any, now: datetime, limit: int, dialect: str
    ) -> list[ClaimedClock]:
        due = (
            select(SlaClock.id)
            .where(
                SlaClock.tenant_id == self.scope.tenant_id,
                claimed_column.is_(None),
                SlaClock.stopped_at.is_(None),
                SlaClock.paused_at.is_(None),
                moment_column <= now,
            )
            .order_by(moment_column)
            .limit(limit)
        )
        if dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        values: dict[str, Any] = {claimed_column.key: now}
        if claimed_column is SlaClock.breached_at:
            # A breach claimed first (the sweep was down) needs no late warning.
            values["warned_at"] = func.coalesce(SlaClock.warned_at, now)
        result = await self.session.execute(
            update(SlaClock)
            .where(
                SlaClock.id.in_(due.scalar_subquery()),
                # Checked again on the locked row: a concurrent sweep that
                # claimed it first makes this one skip it.
                claimed_column.is_(None),
                SlaClock.stopped_at.is_(None),
            )
            .values(values)
            .returning(
                SlaClock.id,
                SlaClock.conversation_id,
                SlaClock.brand_id,
                SlaClock.kind,
                SlaClock.policy_id,
                SlaClock.due_at,
            ),
            execution_options=_BULK,
        )
        return [
            ClaimedClock(
                id=row[0],
                conversation_id=row[1],
                brand_id=row[2],
                kind=str(row[3]),
                policy_id=row[4],
                due_at=row[5],
            )
            for row in result.all()
        ]

    async def claim_warnings(
        self, *, now: datetime, limit: int, dialect: str
    ) -> list[ClaimedClock]:
        """Mark `warned_at` on up to `limit` running clocks whose warning time has come
        and return them; each clock is claimed once, whatever runs concurrently."""
        return await self._claim(
            moment_column=SlaClock.warn_at,
            claimed_column=SlaClock.warned_at,
            now=now,
            limit=limit,
            dialect=dialect,
        )

    async def claim_breaches(
        self, *, now: datetime, limit: int, dialect: str
    ) -> list[ClaimedClock]:
        """Mark `breached_at` on up to `limit` running clocks past their due time and
        return them; each clock is claimed once, whatever runs concurrently."""
        return await self._claim(
            moment_column=SlaClock.due_at,
            claimed_column=SlaClock.breached_at,
            now=now,
            limit=limit,
            dialect=dialect,
        )

    async def refresh_conversation_due(self, conversation_ids: Iterable[uuid.UUID]) -> None:
        """Set each conversation's `sla_due_at` to its running, unpaused clocks' earliest
        due time (NULL when none runs)."""
        wanted = list(conversation_ids)
        if not wanted:
            return
        earliest = (
            select(func.min(SlaClock.due_at))
            .where(
                SlaClock.tenant_id == self.scope.tenant_id,
                SlaClock.conversation_id == Conversation.id,
                SlaClock.stopped_at.is_(None),
                SlaClock.paused_at.is_(None),
            )
            .scalar_subquery()
        )
        await self.session.execute(
            update(Conversation).where(Conversation.id.in_(wanted)).values(sla_due_at=earliest),
            execution_options=_BULK,
        )
