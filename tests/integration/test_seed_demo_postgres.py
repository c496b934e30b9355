"""`seed demo` on PostgreSQL: the whole Northwind tenant, idempotent."""

import pytest
from sqlalchemy import func, select

from domain.authz.policy import Role
from domain.brands.models import Brand, EscalationRoute
from domain.channels.models import Channel
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.demo.seed import seed_demo
from domain.shared.tenancy import Actor, TenantScope
from domain.tenants.models import BrandGrant, Membership

pytestmark = pytest.mark.postgres


async def counts(database: Database, scope: TenantScope) -> dict[str, int]:
    async with UnitOfWork(database, actor=Actor.system("reader"), scope=scope) as uow:
        result: dict[str, int] = {}
        for model in (Brand, EscalationRoute, Channel, Membership, BrandGrant):
            total = await uow.session.execute(select(func.count()).select_from(model))
            result[model.__tablename__] = total.scalar_one()
        return result


async def test_seed_demo_loads_the_tenant_and_is_idempotent(pg_database: Database) -> None:
    first = await seed_demo(pg_database)
    assert sorted(first.brand_ids) == ["biryuza", "forchetta", "kestrel", "nilgoon", "wierzba"]
    assert [(user.email, user.role) for user in first.users] == [
        ("owner@northwind-social.example", Role.OWNER),
        ("admin@northwind-social.example", Role.ADMIN),
        ("agent@northwind-social.example", Role.AGENT),
        ("analyst@northwind-social.example", Role.ANALYST),
        ("approver@northwind-social.example", Role.CLIENT_APPROVER),
        ("viewer@northwind-social.example", Role.CLIENT_VIEWER),
    ]
    scope = TenantScope(first.tenant_id)
    after_first = await counts(pg_database, scope)
    assert after_first["brands"] == 5
    assert after_first["memberships"] == 6
    assert after_first["brand_grants"] == 10  # approver and viewer, five brands each
    assert after_first["channels"] == 25
    assert after_first["escalation_routes"] >= 15

    second = await seed_demo(pg_database)
    assert second.tenant_id == first.tenant_id
    assert second.brand_ids == first.brand_ids
    assert await counts(pg_database, scope) == after_first


async def test_seeded_brands_carry_their_holiday_countries(pg_database: Database) -> None:
    seeded = await seed_demo(pg_database)
    async with UnitOfWork(
        pg_database, actor=Actor.system("reader"), scope=TenantScope(seeded.tenant_id)
    ) as uow:
        rows = await uow.session.execute(select(Brand.slug, Brand.holiday_country))
        countries = {row.slug: row.holiday_country for row in rows}
    assert countries == {
        "wierzba": "PL",
        "biryuza": "RU",
        "forchetta": "IT",
        "nilgoon": "IR",
        "kestrel": "GB",
    }
