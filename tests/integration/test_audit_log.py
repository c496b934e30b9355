"""Every change to tenant data lands in the audit log, secrets redacted."""

import pytest
from sqlalchemy import select

from domain.audit.models import AuditLogEntry
from domain.brands.repository import BrandRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import Actor, TenantScope
from tests.factories import make_brand, make_channel, make_tenant

pytestmark = pytest.mark.postgres


async def entries(database: Database, scope: TenantScope) -> list[AuditLogEntry]:
    async with UnitOfWork(database, actor=Actor.system("reader"), scope=scope) as uow:
        result = await uow.session.execute(
            select(AuditLogEntry).order_by(AuditLogEntry.created_at, AuditLogEntry.entity_type)
        )
        return list(result.scalars())


async def test_create_update_delete_are_audited_with_actor_and_values(
    pg_database: Database,
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    scope = TenantScope(tenant)
    brand = await make_brand(pg_database, tenant, "alpha")
    editor = Actor.system("editor")
    async with UnitOfWork(pg_database, actor=editor, scope=scope) as uow:
        stored = await BrandRepository(uow).get(brand.id)
        stored.name = "Alpha Renamed"
        await uow.commit()
    async with UnitOfWork(pg_database, actor=editor, scope=scope) as uow:
        brands = BrandRepository(uow)
        await brands.delete(await brands.get(brand.id))
        await uow.commit()

    log = [entry for entry in await entries(pg_database, scope) if entry.entity_id == brand.id]
    assert [(entry.action, entry.actor_id) for entry in log] == [
        ("create", "tests"),
        ("update", "editor"),
        ("delete", "editor"),
    ]
    assert log[0].after is not None
    assert log[0].after["slug"] == "alpha"
    assert (log[1].before, log[1].after) == ({"name": "Alpha"}, {"name": "Alpha Renamed"})
    assert log[2].before is not None
    assert log[2].before["name"] == "Alpha Renamed"


async def test_secret_columns_are_redacted(pg_database: Database) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    brand = await make_brand(pg_database, tenant, "alpha")
    channel = await make_channel(
        pg_database, tenant, brand.id, external_account_id="1", secrets={"token": "s3cr3t"}
    )
    log = await entries(pg_database, TenantScope(tenant))
    created = next(entry for entry in log if entry.entity_id == channel.id)
    assert created.after is not None
    assert created.after["secrets_ciphertext"] == "[redacted]"
    assert "s3cr3t" not in str(created.after)


async def test_the_audit_log_is_tenant_scoped(pg_database: Database) -> None:
    tenant_a = await make_tenant(pg_database, "agency-a")
    tenant_b = await make_tenant(pg_database, "agency-b")
    await make_brand(pg_database, tenant_a, "alpha")
    await make_brand(pg_database, tenant_b, "beta")
    seen_by_a = await entries(pg_database, TenantScope(tenant_a))
    assert {entry.tenant_id for entry in seen_by_a} == {tenant_a}
    assert len(seen_by_a) == 1
