"""Small builders of test data through the real services (no fakes of our code)."""

import uuid

from domain.authz.policy import Role
from domain.brands.models import Brand
from domain.brands.service import create_brand
from domain.channels.models import Channel, ChannelKind
from domain.channels.service import create_channel
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import Actor, TenantScope
from domain.tenants import service as tenants_service

TEST_ACTOR = Actor.system("tests")


async def make_tenant(database: Database, slug: str) -> uuid.UUID:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=None) as uow:
        tenant = await tenants_service.create_tenant(uow, slug=slug, name=slug.title())
        await uow.commit()
    return tenant.id


async def make_brand(database: Database, tenant_id: uuid.UUID, slug: str) -> Brand:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        brand = await create_brand(
            uow, None, slug=slug, name=slug.title(), fields={"primary_language": "en"}
        )
        await uow.commit()
    return brand


async def make_channel(
    database: Database,
    tenant_id: uuid.UUID,
    brand_id: uuid.UUID,
    *,
    external_account_id: str,
    secrets: dict[str, str] | None = None,
) -> Channel:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        channel = await create_channel(
            uow,
            None,
            brand_id=brand_id,
            kind=ChannelKind.FACEBOOK_PAGE,
            name=f"page {external_account_id}",
            external_account_id=external_account_id,
            secrets=secrets,
        )
        await uow.commit()
    return channel


async def make_member(
    database: Database,
    tenant_id: uuid.UUID,
    email: str,
    role: Role,
    brand_slugs: tuple[str, ...] = (),
) -> uuid.UUID:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        membership = await tenants_service.add_member(
            uow, email=email, role=role, brand_slugs=brand_slugs
        )
        await uow.commit()
    return membership.user_id
