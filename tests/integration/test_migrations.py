"""Migrations on the real PostgreSQL: a full round trip, and no drift from the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import UniqueConstraint, inspect
from sqlalchemy.engine import Connection

from domain.db.base import Base, tenant_owned_tables
from domain.db.session import create_engine
from migrations import runner

pytestmark = pytest.mark.postgres


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _drift(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_downgrade_upgrade_round_trip(migrated_postgres: str) -> None:
    engine = create_engine(migrated_postgres)
    try:
        await runner.downgrade_in_thread(migrated_postgres, "base")
        async with engine.connect() as connection:
            assert await connection.run_sync(_table_names) == {"alembic_version"}
        await runner.upgrade_in_thread(migrated_postgres, "head")
        async with engine.connect() as connection:
            tables = await connection.run_sync(_table_names)
        assert tables == {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}
    finally:
        await engine.dispose()


async def test_autogenerate_finds_no_drift(migrated_postgres: str) -> None:
    engine = create_engine(migrated_postgres)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_drift) == []
    finally:
        await engine.dispose()


def test_every_tenant_owned_table_has_tenant_id_in_every_unique_key() -> None:
    for table in Base.metadata.sorted_tables:
        if table.name not in tenant_owned_tables():
            continue
        assert not table.c.tenant_id.nullable, table.name
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                assert "tenant_id" in constraint.columns, (table.name, constraint.name)
