"""Queries of identity providers and of the issuer routes read before a tenant is known."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.identity_providers.models import IdentityProvider, IdentityProviderRoute, MemberClaim
from domain.shared.clock import utcnow
from domain.shared.ids import new_id
from domain.tenants.models import Membership, User
from domain.tenants.repository import normalize_email


class IdentityProviderRepository(ScopedRepository[IdentityProvider]):
    model = IdentityProvider

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self._dialect = uow.dialect

    async def insert_if_new(
        self, *, issuer: str, audience: str, algorithms: Sequence[str], member_claim: MemberClaim
    ) -> uuid.UUID | None:
        """The new provider's id, or None when the tenant already trusts `issuer`.

        `INSERT … ON CONFLICT DO NOTHING` on `(tenant_id, issuer)`: two concurrent
        registrations of one issuer end with one provider.
        """
        insert = postgresql_insert if self._dialect == "postgresql" else sqlite_insert
        provider_id = new_id()
        result = await self.session.execute(
            insert(IdentityProvider)
            .values(
                id=provider_id,
                tenant_id=self.scope.tenant_id,
                issuer=issuer,
                audience=audience,
                algorithms=list(algorithms),
                member_claim=member_claim,
                is_enabled=True,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "issuer"])
            .returning(IdentityProvider.id)
        )
        return result.scalar_one_or_none()

    async def get_by_issuer_or_none(self, issuer: str) -> IdentityProvider | None:
        result = await self.session.execute(self._select().where(IdentityProvider.issuer == issuer))
        return result.scalar_one_or_none()

    async def list_all(self) -> list[IdentityProvider]:
        result = await self.session.execute(self._select().order_by(IdentityProvider.issuer))
        return list(result.scalars())


async def insert_route_if_free(
    uow: UnitOfWork, *, issuer: str, audience: str, tenant_id: uuid.UUID, provider_id: uuid.UUID
) -> bool:
    """Reserve `(issuer, audience)` for the provider; False when another one holds it."""
    insert = postgresql_insert if uow.dialect == "postgresql" else sqlite_insert
    result = await uow.session.execute(
        insert(IdentityProviderRoute)
        .values(
            id=new_id(),
            issuer=issuer,
            audience=audience,
            tenant_id=tenant_id,
            provider_id=provider_id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["issuer", "audience"])
        .returning(IdentityProviderRoute.id)
    )
    return result.scalar_one_or_none() is not None


async def routes_for_issuer(uow: UnitOfWork, issuer: str) -> list[IdentityProviderRoute]:
    """Every route of `issuer` (one per audience registered for it), in any tenant."""
    result = await uow.session.execute(
        select(IdentityProviderRoute).where(IdentityProviderRoute.issuer == issuer)
    )
    return list(result.scalars())


async def active_member_user_id(
    uow: UnitOfWork, *, email: str | None = None, user_id: uuid.UUID | None = None
) -> uuid.UUID | None:
    """The user id of the active user (by e-mail or id) with an active membership in the scope.

    One query: the membership's tenant filter comes from the scope (and RLS).
    """
    uow.require_scope()
    statement = (
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.is_active.is_(True), Membership.is_active.is_(True))
    )
    if email is not None:
        statement = statement.where(User.email == normalize_email(email))
    elif user_id is not None:
        statement = statement.where(User.id == user_id)
    else:
        return None
    result = await uow.session.execute(statement)
    return result.scalar_one_or_none()
