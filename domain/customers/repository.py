"""Queries and batch writes of customers and their platform identities."""

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.customers.models import Customer, CustomerIdentity
from domain.db.bulk import ids_in, keys_in, update_by_id_statement
from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork

IdentityKey = tuple[str, str]
"""(platform, platform user id)."""


T = TypeVar("T")

#: Rows per multi-row statement (PostgreSQL takes at most 32,767 parameters per statement).
CHUNK_ROWS = 500


def chunks(items: Sequence[T], size: int = CHUNK_ROWS) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _table(model: type[Customer] | type[CustomerIdentity]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _insert(dialect: str, table: Table) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


class CustomerRepository(ScopedRepository[Customer]):
    model = Customer

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def insert_missing(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert customers whose id is free (`ON CONFLICT (id) DO NOTHING`)."""
        table = _table(Customer)
        statement = _insert(self.dialect, table).on_conflict_do_nothing()
        for part in chunks(sorted(rows, key=lambda row: row["id"])):
            values = [{**row, "tenant_id": self.scope.tenant_id} for row in part]
            await self.session.execute(statement, values)

    async def lock_many(self, customer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
        """(id, last_seen_at, merged_into_id) of these customers, locked FOR UPDATE in id
        order: whoever changes a customer's conversations holds this lock first."""
        found: dict[uuid.UUID, Any] = {}
        for part in chunks(sorted(set(customer_ids))):
            result = await self.session.execute(
                select(Customer.id, Customer.last_seen_at, Customer.merged_into_id)
                .where(
                    Customer.tenant_id == self.scope.tenant_id,
                    ids_in(Customer.id, part, self.dialect),
                )
                .order_by(Customer.id)
                .with_for_update()
            )
            found.update((row.id, row) for row in result)
        return found

    async def set_last_seen(self, seen: Mapping[uuid.UUID, Any]) -> None:
        """Set `last_seen_at` of each customer: one statement per chunk on PostgreSQL,
        an executemany elsewhere."""
        if not seen:
            return
        table = _table(Customer)
        if self.dialect == "postgresql":
            # An executemany UPDATE runs once per row in PostgreSQL; one statement over
            # array parameters costs a fraction of that.
            rows = [{"id": key, "last_seen_at": value} for key, value in sorted(seen.items())]
            for part in chunks(rows):
                bulk, arrays = update_by_id_statement(
                    table, self.scope.tenant_id, ("last_seen_at",), part
                )
                await self.session.execute(bulk, arrays)
            return
        statement = (
            update(table)
            .where(
                table.c.tenant_id == self.scope.tenant_id,
                table.c.id == bindparam("b_id", type_=table.c.id.type),
            )
            .values(last_seen_at=bindparam("b_seen", type_=table.c.last_seen_at.type))
        )
        params = [{"b_id": key, "b_seen": value} for key, value in sorted(seen.items())]
        for part in chunks(params):
            await self.session.execute(statement, list(part))

    async def repoint_merged(self, *, from_customer: uuid.UUID, to_customer: uuid.UUID) -> None:
        """Customers merged into `from_customer` earlier now point at `to_customer`."""
        await self.session.execute(
            update(Customer)
            .where(
                Customer.tenant_id == self.scope.tenant_id,
                Customer.merged_into_id == from_customer,
            )
            .values(merged_into_id=to_customer)
            .execution_options(synchronize_session=False)
        )


class CustomerIdentityRepository(ScopedRepository[CustomerIdentity]):
    model = CustomerIdentity

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect

    async def find(self, keys: Iterable[IdentityKey]) -> dict[IdentityKey, Any]:
        """(id, customer_id, handle, display_name) of the identities with these keys."""
        found: dict[IdentityKey, Any] = {}
        for part in chunks(sorted(set(keys))):
            result = await self.session.execute(
                select(
                    CustomerIdentity.id,
                    CustomerIdentity.platform,
                    CustomerIdentity.platform_user_id,
                    CustomerIdentity.customer_id,
                    CustomerIdentity.handle,
                    CustomerIdentity.display_name,
                ).where(
                    CustomerIdentity.tenant_id == self.scope.tenant_id,
                    keys_in(
                        (CustomerIdentity.platform, CustomerIdentity.platform_user_id),
                        part,
                        self.dialect,
                    ),
                )
            )
            found.update(((row.platform, row.platform_user_id), row) for row in result)
        return found

    async def upsert(self, rows: Sequence[Mapping[str, Any]]) -> dict[IdentityKey, uuid.UUID]:
        """Insert identities, or refresh handle and name of existing ones; returns each
        identity's customer.

        `ON CONFLICT (tenant_id, platform, platform_user_id) DO UPDATE`: concurrent
        transactions linking the same identity wait for each other and all get the
        customer of the one that inserted first. Unknown (None) names keep the stored ones.
        """
        table = _table(CustomerIdentity)
        linked: dict[IdentityKey, uuid.UUID] = {}
        ordered = sorted(rows, key=lambda row: (row["platform"], row["platform_user_id"]))
        insert = _insert(self.dialect, table)
        statement = insert.on_conflict_do_update(
            index_elements=["tenant_id", "platform", "platform_user_id"],
            set_={
                "handle": func.coalesce(insert.excluded.handle, table.c.handle),
                "display_name": func.coalesce(insert.excluded.display_name, table.c.display_name),
            },
        ).returning(table.c.platform, table.c.platform_user_id, table.c.customer_id)
        for part in chunks(ordered):
            values = [{**row, "tenant_id": self.scope.tenant_id} for row in part]
            result = await self.session.execute(statement, values)
            linked.update(((row.platform, row.platform_user_id), row.customer_id) for row in result)
        return linked

    async def update_names(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Set handle and display name of identities by id (executemany)."""
        if not rows:
            return
        table = _table(CustomerIdentity)
        statement = (
            update(table)
            .where(
                table.c.tenant_id == self.scope.tenant_id,
                table.c.id == bindparam("b_id", type_=table.c.id.type),
            )
            .values(
                handle=bindparam("b_handle", type_=table.c.handle.type),
                display_name=bindparam("b_display_name", type_=table.c.display_name.type),
            )
        )
        params = [
            {"b_id": row["id"], "b_handle": row["handle"], "b_display_name": row["display_name"]}
            for row in rows
        ]
        for part in chunks(params):
            await self.session.execute(statement, list(part))

    async def move_customer(self, *, from_customer: uuid.UUID, to_customer: uuid.UUID) -> int:
        """Give one customer's identities to another; returns how many moved."""
        result = await self.session.execute(
            update(CustomerIdentity)
            .where(
                CustomerIdentity.tenant_id == self.scope.tenant_id,
                CustomerIdentity.customer_id == from_customer,
            )
            .values(customer_id=to_customer)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
