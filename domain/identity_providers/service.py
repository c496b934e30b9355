"""Use cases of external identity providers: registration by admins, and the lookups that
turn a verified external token into a member of exactly one tenant."""

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from domain.authz.policy import Grantee, Permission, require
from domain.db.uow import UnitOfWork
from domain.identity_providers import repository
from domain.identity_providers.errors import IssuerAlreadyRegisteredError
from domain.identity_providers.models import IdentityProvider, MemberClaim
from domain.identity_providers.repository import IdentityProviderRepository
from domain.identity_providers.rules import (
    DEFAULT_ALGORITHMS,
    check_algorithms,
    check_audience,
    check_issuer,
    member_email,
)
from domain.shared.errors import NotFoundError

#: Managing identity providers decides who may sign in to the tenant's API: the same
#: trust as registering API clients, so the same permission guards it.
MANAGE_PERMISSION = Permission.API_CLIENTS_MANAGE


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """An enabled provider as token validation needs it (no ORM object leaves the session)."""

    provider_id: uuid.UUID
    tenant_id: uuid.UUID
    issuer: str
    audience: str
    algorithms: tuple[str, ...]
    member_claim: MemberClaim


async def add_identity_provider(
    uow: UnitOfWork,
    grantee: Grantee | None,
    *,
    issuer: str,
    audience: str,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
    member_claim: MemberClaim = MemberClaim.EMAIL,
) -> IdentityProvider:
    """Trust `issuer`'s tokens for `audience` in the scope's tenant.

    `grantee` None is the operator (CLI). `IssuerAlreadyRegisteredError` when the
    tenant already trusts the issuer or any tenant already owns the pair
    `(issuer, audience)`; the unit of work must then be rolled back (it is unless
    committed). Invalid input raises `InvalidIdentityProviderError`.
    """
    if grantee is not None:
        require(grantee, MANAGE_PERMISSION)
    scope = uow.require_scope()
    issuer = check_issuer(issuer)
    audience = check_audience(audience)
    providers = IdentityProviderRepository(uow)
    provider_id = await providers.insert_if_new(
        issuer=issuer,
        audience=audience,
        algorithms=check_algorithms(algorithms),
        member_claim=member_claim,
    )
    if provider_id is None:
        raise IssuerAlreadyRegisteredError("this tenant already trusts the issuer", field="issuer")
    if not await repository.insert_route_if_free(
        uow, issuer=issuer, audience=audience, tenant_id=scope.tenant_id, provider_id=provider_id
    ):
        raise IssuerAlreadyRegisteredError(
            "the issuer and audience are registered already", field="audience"
        )
    return await providers.get(provider_id)


async def list_identity_providers(
    uow: UnitOfWork, grantee: Grantee | None
) -> list[IdentityProvider]:
    """The scope's tenant's providers, enabled or not, by issuer."""
    if grantee is not None:
        require(grantee, MANAGE_PERMISSION)
    return await IdentityProviderRepository(uow).list_all()


async def disable_identity_provider(
    uow: UnitOfWork, grantee: Grantee | None, *, issuer: str
) -> IdentityProvider:
    """Stop accepting `issuer`'s tokens in the scope's tenant; `NotFoundError` if not trusted.

    The route stays, so the issuer and audience remain reserved for this tenant.
    Server processes may accept the issuer's tokens for as long as they cache
    providers (seconds, see the token validation).
    """
    if grantee is not None:
        require(grantee, MANAGE_PERMISSION)
    provider = await IdentityProviderRepository(uow).get_by_issuer_or_none(issuer)
    if provider is None:
        raise NotFoundError("no identity provider with this issuer")
    provider.is_enabled = False
    await uow.flush()
    return provider


@dataclass(frozen=True, slots=True)
class IssuerRoute:
    """Which tenant's provider owns tokens of `issuer` for `audience`."""

    issuer: str
    audience: str
    tenant_id: uuid.UUID
    provider_id: uuid.UUID


async def issuer_routes(uow: UnitOfWork, *, issuer: str) -> list[IssuerRoute]:
    """Every route of `issuer` (one per audience registered for it), in any tenant.

    Read without a tenant scope: this is how a token's tenant is found.
    """
    return [
        IssuerRoute(
            issuer=route.issuer,
            audience=route.audience,
            tenant_id=route.tenant_id,
            provider_id=route.provider_id,
        )
        for route in await repository.routes_for_issuer(uow, issuer)
    ]


async def load_trusted_issuer(uow: UnitOfWork, *, provider_id: uuid.UUID) -> TrustedIssuer | None:
    """The scope's tenant's provider `provider_id` if it is enabled, else None."""
    provider = await IdentityProviderRepository(uow).get_or_none(provider_id)
    if provider is None or not provider.is_enabled:
        return None
    return _trusted(provider)


def _trusted(provider: IdentityProvider) -> TrustedIssuer:
    return TrustedIssuer(
        provider_id=provider.id,
        tenant_id=provider.tenant_id,
        issuer=provider.issuer,
        audience=provider.audience,
        algorithms=tuple(provider.algorithms),
        member_claim=provider.member_claim,
    )


async def member_user_id(
    uow: UnitOfWork, *, trusted: TrustedIssuer, claims: Mapping[str, object]
) -> uuid.UUID:
    """The user id of the active member of `trusted`'s tenant that the verified `claims` name.

    `uow` must be scoped to `trusted.tenant_id`: the membership is read there, so a
    user of another tenant is never found. `NotFoundError` when the claim is
    missing, names nobody, or names a user without an active membership here.
    """
    if uow.require_scope().tenant_id != trusted.tenant_id:
        raise NotFoundError("no active membership")
    if trusted.member_claim is MemberClaim.SUB:
        user_id = await repository.active_member_user_id(uow, user_id=_uuid_or_none(claims))
    else:
        email = member_email(claims)
        user_id = await repository.active_member_user_id(uow, email=email) if email else None
    if user_id is None:
        raise NotFoundError("no active membership")
    return user_id


def _uuid_or_none(claims: Mapping[str, object]) -> uuid.UUID | None:
    subject = claims.get("sub")
    if not isinstance(subject, str):
        return None
    try:
        return uuid.UUID(subject)
    except ValueError:
        return None
