"""Tenant isolation through the application: scopes, repositories, sessions."""

import pytest
from sqlalchemy import select, update

from domain.brands.models import Brand
from domain.brands.repository import BrandRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.errors import MissingTenantScopeError, NotFoundError
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_tenant

pytestmark = pytest.mark.postgres


async def test_a_scope_never_sees_another_tenants_rows(pg_database: Database) -> None:
    tenant_a = await make_tenant(pg_database, "agency-a")
    tenant_b = await make_tenant(pg_database, "agency-b")
    alpha = await make_brand(pg_database, tenant_a, "alpha")
    beta = await make_brand(pg_database, tenant_b, "beta")

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant_a)) as uow:
        brands = BrandRepository(uow)
        assert [brand.slug for brand in await brands.list_all()] == ["alpha"]
        assert (await brands.get(alpha.id)).slug == "alpha"
        assert await brands.get_or_none(beta.id) is None
        with pytest.raises(NotFoundError):
            await brands.get(beta.id)
        assert await brands.get_many([alpha.id, beta.id]) == [await brands.get(alpha.id)]
        # Even a hand-written ORM query gets the tenant filter from the session.
        slugs = (await uow.session.execute(select(Brand.slug))).scalars().all()
        assert list(slugs) == ["alpha"]


async def test_a_scope_cannot_update_another_tenants_rows(pg_database: Database) -> None:
    tenant_a = await make_tenant(pg_database, "agency-a")
    tenant_b = await make_tenant(pg_database, "agency-b")
    beta = await make_brand(pg_database, tenant_b, "beta")

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant_a)) as uow:
        result = await uow.session.execute(
            update(Brand).where(Brand.id == beta.id).values(name="stolen")
        )
        assert result.rowcount == 0  # type: ignore[attr-defined]
        await uow.commit()

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant_b)) as uow:
        assert (await BrandRepository(uow).get(beta.id)).name == "Beta"


async def test_missing_scope_raises(pg_database: Database) -> None:
    tenant_a = await make_tenant(pg_database, "agency-a")
    await make_brand(pg_database, tenant_a, "alpha")

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=None) as uow:
        with pytest.raises(MissingTenantScopeError):
            BrandRepository(uow)
        with pytest.raises(MissingTenantScopeError):
            await uow.session.execute(select(Brand))
        uow.session.add(Brand(slug="x", name="x", tenant_id=tenant_a))
        with pytest.raises(MissingTenantScopeError):
            await uow.flush()


async def test_rows_of_another_tenant_cannot_be_added(pg_database: Database) -> None:
    tenant_a = await make_tenant(pg_database, "agency-a")
    tenant_b = await make_tenant(pg_database, "agency-b")
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant_a)) as uow:
        uow.session.add(Brand(slug="x", name="x", tenant_id=tenant_b))
        with pytest.raises(MissingTenantScopeError):
            await uow.flush()


async def test_unit_of_work_rolls_back_unless_committed(pg_database: Database) -> None:
    tenant_a = await make_tenant(pg_database, "agency-a")
    ran: list[str] = []
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant_a)) as uow:
        BrandRepository(uow).add(Brand(slug="ghost", name="Ghost"))
        await uow.flush()

        async def record() -> None:
            ran.append("after commit")

        uow.after_commit(record)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant_a)) as uow:
        assert await BrandRepository(uow).get_by_slug_or_none("ghost") is None
    assert ran == []


async def test_the_session_filter_follows_each_units_tenant(pg_database: Database) -> None:
    """The tenant criterion is bound per statement, never cached from an earlier scope."""
    tenants = [await make_tenant(pg_database, f"agency-{n}") for n in range(3)]
    for number, tenant in enumerate(tenants):
        await make_brand(pg_database, tenant, f"brand-{number}")
    for _ in range(2):
        for number, tenant in enumerate(tenants):
            async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant)) as uow:
                slugs = (await uow.session.execute(select(Brand.slug))).scalars().all()
            assert list(slugs) == [f"brand-{number}"]


async def test_the_session_filter_alone_isolates_tenants_on_sqlite(
    sqlite_database: Database,
) -> None:
    """SQLite has no row-level security: here the application scope does it all."""
    tenants = [await make_tenant(sqlite_database, f"agency-{n}") for n in range(3)]
    for number, tenant in enumerate(tenants):
        await make_brand(sqlite_database, tenant, f"brand-{number}")
    for _ in range(2):
        for number, tenant in enumerate(tenants):
            scope = TenantScope(tenant)
            async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
                slugs = (await uow.session.execute(select(Brand.slug))).scalars().all()
                changed = await uow.session.execute(update(Brand).values(name="renamed"))
                assert changed.rowcount == 1  # type: ignore[attr-defined]
            assert list(slugs) == [f"brand-{number}"]
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=None) as uow:
        with pytest.raises(MissingTenantScopeError):
            await uow.session.execute(select(Brand))
