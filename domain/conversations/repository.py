"""Queries and batch writes of conversations and their events."""

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, select, update

from domain.conversations.models import Conversation, ConversationEvent
from domain.db.bulk import array_updatable, ids_in, insert_rows, keys_in, update_by_id_statement
from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork

T = TypeVar("T")

#: Rows per multi-row statement (PostgreSQL takes at most 32,767 parameters per statement).
CHUNK_ROWS = 500

ThreadKey = tuple[uuid.UUID, str, uuid.UUID]
"""(channel id, thread key, customer id): the messages one conversation may group."""

_COLUMNS = (
    Conversation.id,
    Conversation.brand_id,
    Conversation.channel_id,
    Conversation.customer_id,
    Conversation.kind,
    Conversation.thread_key,
    Conversation.status,
    Conversation.opened_at,
    Conversation.last_message_at,
    Conversation.last_customer_message_at,
    Conversation.resolved_at,
    Conversation.message_count,
    Conversation.created_at,
)


def chunks(items: Sequence[T], size: int = CHUNK_ROWS) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _table(model: type[Conversation] | type[ConversationEvent]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _latest(rows: Iterable[Any], key: Any) -> dict[Any, Any]:
    latest: dict[Any, Any] = {}
    for row in rows:
        found = latest.get(key(row))
        if found is None or (row.opened_at, row.created_at) > (found.opened_at, found.created_at):
            latest[key(row)] = row
    return latest


class ConversationRepository(ScopedRepository[Conversation]):
    model = Conversation

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def lock_latest(self, keys: Iterable[ThreadKey]) -> dict[ThreadKey, Any]:
        """The latest conversation (by `opened_at`) of each (channel, thread, customer),
        with every conversation of those threads locked FOR UPDATE in id order."""
        rows: list[Any] = []
        for part in chunks(sorted(set(keys))):
            result = await self.session.execute(
                select(*_COLUMNS)
                .where(
                    Conversation.tenant_id == self.scope.tenant_id,
                    keys_in(
                        (
                            Conversation.channel_id,
                            Conversation.thread_key,
                            Conversation.customer_id,
                        ),
                        part,
                        self.dialect,
                    ),
                )
                .order_by(Conversation.id)
                .with_for_update()
            )
            rows.extend(result)
        return _latest(rows, lambda row: (row.channel_id, row.thread_key, row.customer_id))

    async def lock_latest_of_threads(
        self, keys: Iterable[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], Any]:
        """The latest conversation of each (channel, thread) whoever the customer, locked."""
        rows: list[Any] = []
        for part in chunks(sorted(set(keys))):
            result = await self.session.execute(
                select(*_COLUMNS)
                .where(
                    Conversation.tenant_id == self.scope.tenant_id,
                    keys_in((Conversation.channel_id, Conversation.thread_key), part, self.dialect),
                )
                .order_by(Conversation.id)
                .with_for_update()
            )
            rows.extend(result)
        return _latest(rows, lambda row: (row.channel_id, row.thread_key))

    async def lock_many(self, conversation_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
        """These conversations, locked FOR UPDATE in id order."""
        found: dict[uuid.UUID, Any] = {}
        for part in chunks(sorted(set(conversation_ids))):
            result = await self.session.execute(
                select(*_COLUMNS)
                .where(
                    Conversation.tenant_id == self.scope.tenant_id,
                    ids_in(Conversation.id, part, self.dialect),
                )
                .order_by(Conversation.id)
                .with_for_update()
            )
            found.update((row.id, row) for row in result)
        return found

    async def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        table = _table(Conversation)
        for part in chunks(rows):
            values = [{**row, "tenant_id": self.scope.tenant_id} for row in part]
            await self.session.execute(insert(table), values)

    async def update_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write status and counters of conversations by id: one statement per chunk on
        PostgreSQL, an executemany elsewhere."""
        if not rows:
            return
        table = _table(Conversation)
        columns = (
            "status",
            "resolved_at",
            "last_message_at",
            "last_customer_message_at",
            "message_count",
        )
        if self.dialect == "postgresql" and array_updatable(table, columns):
            # An executemany UPDATE runs once per row in PostgreSQL; one statement over
            # array parameters costs a fraction of that.
            for part in chunks(sorted(rows, key=lambda row: row["id"])):
                bulk, arrays = update_by_id_statement(table, self.scope.tenant_id, columns, part)
                await self.session.execute(bulk, arrays)
            return
        statement = (
            update(table)
            .where(
                table.c.tenant_id == self.scope.tenant_id,
                table.c.id == bindparam("b_id", type_=table.c.id.type),
            )
            .values({name: bindparam(f"b_{name}", type_=table.c[name].type) for name in columns})
        )
        params = [
            {"b_id": row["id"], **{f"b_{name}": row[name] for name in columns}} for row in rows
        ]
        for part in chunks(params):
            await self.session.execute(statement, list(part))

    async def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        table = _table(ConversationEvent)
        values = [{**row, "tenant_id": self.scope.tenant_id} for row in rows]
        await insert_rows(self.session, self.dialect, table, values)

    async def move_customer(
        self, *, from_customer: uuid.UUID, to_customer: uuid.UUID
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Give one customer's conversations to another; returns (id, brand id) of each."""
        table = _table(Conversation)
        result = await self.session.execute(
            update(table)
            .where(table.c.tenant_id == self.scope.tenant_id, table.c.customer_id == from_customer)
            .values(customer_id=to_customer)
            .returning(table.c.id, table.c.brand_id)
        )
        return sorted((row.id, row.brand_id) for row in result)
