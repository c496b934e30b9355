"""Queries of tenants, users, memberships and grants."""

import uuid
from collections.abc import Collection

from sqlalchemy import select

from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.tenants.models import BrandGrant, Membership, Tenant, User


async def get_tenant_by_slug_or_none(uow: UnitOfWork, slug: str) -> Tenant | None:
    """The tenant with this slug. Tenants are not tenant-owned: no scope needed."""
    result = await uow.session.execute(select(Tenant).where(Tenant.slug == slug))
    return result.scalar_one_or_none()


async def get_tenant_or_none(uow: UnitOfWork, tenant_id: uuid.UUID) -> Tenant | None:
    return await uow.session.get(Tenant, tenant_id)


async def get_user_by_email_or_none(uow: UnitOfWork, email: str) -> User | None:
    result = await uow.session.execute(select(User).where(User.email == normalize_email(email)))
    return result.scalar_one_or_none()


def normalize_email(email: str) -> str:
    return email.strip().lower()


class MembershipRepository(ScopedRepository[Membership]):
    model = Membership

    async def get_for_user_or_none(self, user_id: uuid.UUID) -> Membership | None:
        result = await self.session.execute(self._select().where(Membership.user_id == user_id))
        return result.scalar_one_or_none()

    async def list_all(self) -> list[Membership]:
        result = await self.session.execute(self._select().order_by(Membership.created_at))
        return list(result.scalars())


class BrandGrantRepository(ScopedRepository[BrandGrant]):
    model = BrandGrant

    async def brand_ids_for(self, membership_id: uuid.UUID) -> frozenset[uuid.UUID]:
        result = await self.session.execute(
            self._select().where(BrandGrant.membership_id == membership_id)
        )
        return frozenset(grant.brand_id for grant in result.scalars())

    async def get_many_for(
        self, membership_id: uuid.UUID, brand_ids: Collection[uuid.UUID]
    ) -> list[BrandGrant]:
        if not brand_ids:
            return []
        result = await self.session.execute(
            self._select().where(
                BrandGrant.membership_id == membership_id, BrandGrant.brand_id.in_(brand_ids)
            )
        )
        return list(result.scalars())
