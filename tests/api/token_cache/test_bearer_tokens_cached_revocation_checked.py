"""A bearer token validated once is still refused as soon as it is revoked."""

import datetime as dt

import httpx

from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.db.uow import UnitOfWork
from domain.oauth.service import revoke_access_token
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_member, make_tenant

VIEWER = "{ __typename }"


async def test_a_token_used_before_is_refused_right_after_its_revocation(
    client: httpx.AsyncClient, services: Services
) -> None:
    tenant_id = await make_tenant(services.database, "cached-token-agency")
    user_id = await make_member(services.database, tenant_id, "agent@cached.example", Role.AGENT)
    token = services.tokens.issue(
        subject=str(user_id),
        tenant_id=tenant_id,
        scopes=frozenset(scopes_for_role(Role.AGENT)),
        ttl_seconds=600,
        token_id="cached-token-1",
    )
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2):
        accepted = await client.post("/graphql", json={"query": VIEWER}, headers=headers)
        assert (accepted.status_code, accepted.json()["data"]) == (200, {"__typename": "Query"})

    now = dt.datetime.now(dt.UTC)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        await revoke_access_token(
            uow, token_id="cached-token-1", expires_at=now + dt.timedelta(minutes=10), now=now
        )
        await uow.commit()

    refused = await client.post("/graphql", json={"query": VIEWER}, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["message"] == "token revoked"


async def test_a_tampered_copy_of_an_accepted_token_is_refused(
    client: httpx.AsyncClient, services: Services
) -> None:
    tenant_id = await make_tenant(services.database, "tampered-token-agency")
    user_id = await make_member(services.database, tenant_id, "agent@tampered.example", Role.AGENT)
    token = services.tokens.issue(
        subject=str(user_id),
        tenant_id=tenant_id,
        scopes=frozenset(scopes_for_role(Role.AGENT)),
        ttl_seconds=600,
    )
    accepted = await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )
    assert accepted.status_code == 200
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"

    refused = await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {tampered}"}
    )
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["message"] == "invalid token"
