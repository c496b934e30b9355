"""Queries of tenants, users, memberships and grants."""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.authz.policy import Role
from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.shared.clock import utcnow
from domain.shared.ids import new_id
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


async def insert_user_if_new(uow: UnitOfWork, *, email: str, display_name: str) -> User:
    """The user with this (normalised) e-mail, inserted if new.

    One `INSERT … ON CONFLICT DO NOTHING` on the unique e-mail, then a read:
    two concurrent calls for one address end with one user.
    """
    insert = postgresql_insert if uow.dialect == "postgresql" else sqlite_insert
    now = utcnow()
    await uow.session.execute(
        insert(User)
        .values(
            id=new_id(),
            email=email,
            display_name=display_name,
            is_active=True,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["email"])
    )
    result = await uow.session.execute(
        select(User).where(User.email == email).execution_options(populate_existing=True)
    )
    return result.scalar_one()


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class MembershipRepository(ScopedRepository[Membership]):
    model = Membership

    async def get_for_user_or_none(self, user_id: uuid.UUID) -> Membership | None:
        result = await self.session.execute(self._select().where(Membership.user_id == user_id))
        return result.scalar_one_or_none()

    async def list_all(self) -> list[Membership]:
        result = await self.session.execute(self._select().order_by(Membership.created_at))
        return list(result.scalars())

    def _with_users(self) -> Select[Membership, User]:
        return (
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == self.scope.tenant_id)
        )

    async def page_with_users(
        self,
        *,
        role: Role | None,
        text: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[tuple[Membership, User]]:
        """Memberships with their users, oldest first by `(created_at, id)`, after the key."""
        statement = self._with_users()
        if role is not None:
            statement = statement.where(Membership.role == role)
        if text:
            pattern = _contains(text.strip())
            statement = statement.where(
                or_(
                    User.email.ilike(pattern, escape="\\"),
                    User.display_name.ilike(pattern, escape="\\"),
                )
            )
        if after is not None:
            statement = statement.where(tuple_(Membership.created_at, Membership.id) > after)
        result = await self.session.execute(
            statement.order_by(Membership.created_at, Membership.id).limit(limit)
        )
        return [(membership, user) for membership, user in result.all()]

    async def get_many_with_users(
        self, membership_ids: Sequence[uuid.UUID]
    ) -> list[tuple[Membership, User]]:
        """The tenant's memberships among these ids, with their users."""
        if not membership_ids:
            return []
        result = await self.session.execute(
            self._with_users().where(Membership.id.in_(membership_ids))
        )
        return [(membership, user) for membership, user in result.all()]

    async def get_many_for_users(self, user_ids: Sequence[uuid.UUID]) -> list[Membership]:
        """The tenant's memberships of these users."""
        if not user_ids:
            return []
        result = await self.session.execute(self._select().where(Membership.user_id.in_(user_ids)))
        return list(result.scalars())

    async def lock_active_owners(self) -> int:
        """Lock the tenant's active owner memberships for this transaction; their count.

        On PostgreSQL `FOR UPDATE` makes two concurrent demotions of the last
        two owners wait for each other, so one of them sees a single owner left.
        """
        result = await self.session.execute(
            self._select()
            .where(Membership.role == Role.OWNER, Membership.is_active.is_(True))
            .with_for_update()
        )
        return len(result.scalars().all())

    async def count(self) -> int:
        result = await self.session.execute(
            select(func.count())
            .select_from(Membership)
            .where(Membership.tenant_id == self.scope.tenant_id)
        )
        return int(result.scalar_one())


class BrandGrantRepository(ScopedRepository[BrandGrant]):
    model = BrandGrant

    async def brand_ids_for(self, membership_id: uuid.UUID) -> frozenset[uuid.UUID]:
        result = await self.session.execute(
            self._select().where(BrandGrant.membership_id == membership_id)
        )
        return frozenset(grant.brand_id for grant in result.scalars())

    async def brand_ids_by_membership(
        self, membership_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Granted brand ids per membership (empty lists for memberships without grants)."""
        granted: dict[uuid.UUID, list[uuid.UUID]] = {key: [] for key in membership_ids}
        if not membership_ids:
            return granted
        result = await self.session.execute(
            self._select()
            .where(BrandGrant.membership_id.in_(membership_ids))
            .order_by(BrandGrant.created_at, BrandGrant.id)
        )
        for grant in result.scalars():
            granted[grant.membership_id].append(grant.brand_id)
        return granted

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
