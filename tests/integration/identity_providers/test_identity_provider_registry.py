"""Identity provider registration: the admin permission, tenant isolation, the embedded default."""

import uuid

import pytest

from domain.authz.policy import Grantee, Role, scopes_for_role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.identity_providers import service as idp_service
from domain.identity_providers.errors import IssuerAlreadyRegisteredError
from domain.identity_providers.models import MemberClaim
from domain.shared.errors import NotFoundError, PermissionDeniedError
from domain.shared.tenancy import TenantScope
from domain.tenants.repository import MembershipRepository
from tests.factories import TEST_ACTOR, make_member, make_tenant

ISSUER = "https://login.acme-sso.example"


def grantee(role: Role) -> Grantee:
    return Grantee(role=role, brand_ids=frozenset(), scopes=frozenset(scopes_for_role(role)))


async def add(database: Database, tenant_id: uuid.UUID, role: Role, audience: str) -> None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        await idp_service.add_identity_provider(
            uow, grantee(role), issuer=ISSUER, audience=audience
        )
        await uow.commit()


async def routes(database: Database) -> list[idp_service.IssuerRoute]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=None) as uow:
        return await idp_service.issuer_routes(uow, issuer=ISSUER)


@pytest.mark.postgres
async def test_only_admins_manage_providers_and_each_tenant_sees_its_own(
    pg_database: Database,
) -> None:
    acme = await make_tenant(pg_database, "acme-reg")
    bravo = await make_tenant(pg_database, "bravo-reg")
    for role in (Role.AGENT, Role.ANALYST, Role.CLIENT_APPROVER):
        with pytest.raises(PermissionDeniedError):
            await add(pg_database, acme, role, "parley")
    assert await routes(pg_database) == []

    await add(pg_database, acme, Role.ADMIN, "parley")
    await add(pg_database, bravo, Role.OWNER, "parley-bravo")
    # Every tenant's routes are readable before a tenant is known, the providers are not.
    assert sorted((route.audience, route.tenant_id) for route in await routes(pg_database)) == [
        ("parley", acme),
        ("parley-bravo", bravo),
    ]
    for tenant_id, audience in ((acme, "parley"), (bravo, "parley-bravo")):
        async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
            listed = await idp_service.list_identity_providers(uow, grantee(Role.ADMIN))
            with pytest.raises(PermissionDeniedError):
                await idp_service.list_identity_providers(uow, grantee(Role.AGENT))
        assert [(item.tenant_id, item.audience) for item in listed] == [(tenant_id, audience)]

    # A route names a provider of another tenant: loading it in the wrong scope finds nothing.
    bravo_route = next(route for route in await routes(pg_database) if route.tenant_id == bravo)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(acme)) as uow:
        assert (
            await idp_service.load_trusted_issuer(uow, provider_id=bravo_route.provider_id) is None
        )
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(bravo)) as uow:
        trusted = await idp_service.load_trusted_issuer(uow, provider_id=bravo_route.provider_id)
    assert trusted is not None
    assert (trusted.tenant_id, trusted.algorithms) == (bravo, ("RS256",))


@pytest.mark.postgres
async def test_a_claim_maps_only_to_an_active_member_of_the_providers_tenant(
    pg_database: Database,
) -> None:
    acme = await make_tenant(pg_database, "acme-map")
    bravo = await make_tenant(pg_database, "bravo-map")
    ada = await make_member(pg_database, acme, "ada@acme.example", Role.AGENT)
    await make_member(pg_database, bravo, "bo@bravo.example", Role.AGENT)
    await add(pg_database, acme, Role.ADMIN, "parley")
    (route,) = await routes(pg_database)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(acme)) as uow:
        trusted = await idp_service.load_trusted_issuer(uow, provider_id=route.provider_id)
        assert trusted is not None
        found = await idp_service.member_user_id(
            uow, trusted=trusted, claims={"email": " ADA@acme.example"}
        )
        assert found == ada
        for claims in ({"email": "bo@bravo.example"}, {"sub": str(ada)}, {}):
            with pytest.raises(NotFoundError):
                await idp_service.member_user_id(uow, trusted=trusted, claims=claims)
        membership = await MembershipRepository(uow).get_for_user_or_none(ada)
        assert membership is not None
        membership.is_active = False
        await uow.flush()
        with pytest.raises(NotFoundError):
            await idp_service.member_user_id(
                uow, trusted=trusted, claims={"email": "ada@acme.example"}
            )
    # Asked in another tenant's scope, even a right claim finds nobody.
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(bravo)) as uow:
        with pytest.raises(NotFoundError):
            await idp_service.member_user_id(
                uow, trusted=trusted, claims={"email": "ada@acme.example"}
            )


async def test_the_embedded_default_registers_and_disables(sqlite_database: Database) -> None:
    tenant_id = await make_tenant(sqlite_database, "solo")
    scope = TenantScope(tenant_id)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        provider = await idp_service.add_identity_provider(
            uow,
            None,
            issuer="http://localhost:8080/realms/solo",
            audience="parley",
            algorithms=("ES256",),
            member_claim=MemberClaim.SUB,
        )
        await uow.commit()
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        with pytest.raises(IssuerAlreadyRegisteredError):
            await idp_service.add_identity_provider(
                uow, None, issuer="http://localhost:8080/realms/solo", audience="other"
            )
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        await idp_service.disable_identity_provider(
            uow, None, issuer="http://localhost:8080/realms/solo"
        )
        await uow.commit()
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        assert await idp_service.load_trusted_issuer(uow, provider_id=provider.id) is None
        (listed,) = await idp_service.list_identity_providers(uow, None)
    assert (listed.is_enabled, listed.algorithms, listed.member_claim) == (
        False,
        ["ES256"],
        MemberClaim.SUB,
    )
