"""Row-level security, seen from raw SQL as the runtime role."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.db.base import ROUTING_TABLES, tenant_owned_tables
from domain.db.session import Database
from tests.factories import make_brand, make_tenant

pytestmark = pytest.mark.postgres


async def test_runtime_role_is_neither_superuser_nor_owner_and_cannot_bypass_rls(
    pg_database: Database,
) -> None:
    async with pg_database.engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
                    "FROM pg_roles WHERE rolname = current_user"
                )
            )
        ).one()
        owned = (
            await connection.execute(
                text(
                    "SELECT count(*) FROM pg_tables "
                    "WHERE schemaname = 'public' AND tableowner = current_user"
                )
            )
        ).scalar_one()
    assert tuple(row) == (False, False, False, False)
    assert owned == 0


async def test_every_tenant_owned_table_forces_row_level_security(
    owner_engine: AsyncEngine,
) -> None:
    async with owner_engine.connect() as connection:
        with_tenant_column = set(
            (
                await connection.execute(
                    text(
                        "SELECT table_name FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND column_name = 'tenant_id'"
                    )
                )
            ).scalars()
        )
        forced = set(
            (
                await connection.execute(
                    text(
                        "SELECT c.relname FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = 'public' AND c.relkind = 'r' "
                        "AND c.relrowsecurity AND c.relforcerowsecurity"
                    )
                )
            ).scalars()
        )
        with_policy = set(
            (
                await connection.execute(
                    text("SELECT tablename FROM pg_policies WHERE schemaname = 'public'")
                )
            ).scalars()
        )
    assert with_tenant_column - ROUTING_TABLES == set(tenant_owned_tables())
    assert with_tenant_column - ROUTING_TABLES <= forced
    assert with_tenant_column - ROUTING_TABLES <= with_policy
    assert not ROUTING_TABLES & forced


async def _count_brands(database: Database, tenant_setting: str | None) -> list[str]:
    async with database.engine.connect() as connection, connection.begin():
        if tenant_setting is not None:
            await connection.execute(
                text("SELECT set_config('app.tenant_id', :tenant, true)"),
                {"tenant": tenant_setting},
            )
        rows = await connection.execute(text("SELECT slug FROM brands ORDER BY slug"))
        return list(rows.scalars())


async def test_raw_sql_sees_only_the_transactions_tenant(pg_database: Database) -> None:
    tenant_a = await make_tenant(pg_database, "agency-a")
    tenant_b = await make_tenant(pg_database, "agency-b")
    await make_brand(pg_database, tenant_a, "alpha")
    await make_brand(pg_database, tenant_b, "beta")

    assert await _count_brands(pg_database, str(tenant_a)) == ["alpha"]
    assert await _count_brands(pg_database, str(tenant_b)) == ["beta"]
    assert await _count_brands(pg_database, None) == []
    assert await _count_brands(pg_database, str(uuid.uuid4())) == []


async def test_raw_sql_cannot_write_into_another_tenant(pg_database: Database) -> None:
    tenant_a = await make_tenant(pg_database, "agency-a")
    tenant_b = await make_tenant(pg_database, "agency-b")
    beta = await make_brand(pg_database, tenant_b, "beta")

    async with pg_database.engine.connect() as connection:
        await connection.execute(
            text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_a)}
        )
        updated = await connection.execute(
            text("UPDATE brands SET name = 'stolen' WHERE id = :id"), {"id": beta.id}
        )
        assert updated.rowcount == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            await connection.execute(
                text(
                    "INSERT INTO brands (id, tenant_id, slug, name, industry, locales, "
                    "primary_language, timezone, business_hours, holidays, service_tier, "
                    "settings, created_at) VALUES (:id, :tenant, 'x', 'x', '', '[]', 'en', "
                    "'UTC', '{}', '[]', 'standard', '{}', now())"
                ),
                {"id": uuid.uuid4(), "tenant": tenant_b},
            )
        await connection.rollback()
