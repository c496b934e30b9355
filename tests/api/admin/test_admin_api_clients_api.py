"""apiClients, apiClientCreate and apiClientRevoke: secrets shown once, stored hashed."""

import httpx
import pytest
from sqlalchemy import select

from api.graphql.ids import to_global_id
from api.services import Services
from domain.accounts.passwords import verify_password
from domain.authz.policy import Role
from domain.db.uow import UnitOfWork
from domain.oauth.models import ApiClient
from domain.shared.tenancy import TenantScope
from tests.api.admin.conftest import Agency, error_codes, gql
from tests.factories import TEST_ACTOR

pytestmark = pytest.mark.postgres

CLIENTS = """
query Clients($first: Int, $after: String) {
  apiClients(first: $first, after: $after) {
    nodes {
      id clientId name grantTypes redirectUris scopes role public active
      brands { slug }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CREATE = """
mutation Create($input: ApiClientCreateInput!) {
  apiClientCreate(input: $input) {
    apiClient { id clientId name grantTypes scopes role public active brands { slug } }
    clientSecret
    userErrors { field message code }
  }
}
"""
REVOKE = """
mutation Revoke($input: ApiClientRevokeInput!) {
  apiClientRevoke(input: $input) {
    apiClient { active }
    userErrors { field message code }
  }
}
"""
VIEWER = "query { viewer { role apiClient { name } } }"
SERVER_CLIENT = {
    "name": "CRM sync",
    "grantTypes": ["CLIENT_CREDENTIALS"],
    "scopes": ["inbox:read"],
    "role": "AGENT",
}


async def client_rows(services: Services, agency: Agency) -> list[ApiClient]:
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        result = await uow.session.execute(select(ApiClient).order_by(ApiClient.created_at))
        return list(result.scalars())


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
async def test_admins_create_a_client_and_see_its_secret_once(
    client: httpx.AsyncClient, services: Services, agency: Agency, role: Role
) -> None:
    body = await gql(client, agency.token(role), CREATE, {"input": SERVER_CLIENT})
    payload = body["data"]["apiClientCreate"]
    assert payload["userErrors"] == []
    secret = payload["clientSecret"]
    assert secret.startswith("pcs_")
    [row] = await client_rows(services, agency)
    assert row.secret_hash is not None
    assert secret not in row.secret_hash
    assert verify_password(row.secret_hash, secret)
    assert payload["apiClient"] == {
        "id": to_global_id("ApiClient", row.id),
        "clientId": row.client_id,
        "name": "CRM sync",
        "grantTypes": ["client_credentials"],
        "scopes": ["inbox:read"],
        "role": "AGENT",
        "public": False,
        "active": True,
        "brands": [],
    }
    listed = await gql(client, agency.token(role), CLIENTS)
    assert [node["name"] for node in listed["data"]["apiClients"]["nodes"]] == ["CRM sync"]
    assert secret not in str(listed)
    assert row.secret_hash not in str(listed)


async def test_client_role_clients_carry_brands(client: httpx.AsyncClient, agency: Agency) -> None:
    body = await gql(
        client,
        agency.token(Role.ADMIN),
        CREATE,
        {
            "input": {
                "name": "Acme portal",
                "grantTypes": ["AUTHORIZATION_CODE"],
                "redirectUris": ["https://portal.acme.example/callback"],
                "scopes": ["approvals"],
                "role": "CLIENT_APPROVER",
                "brandIds": [agency.brand_gid("acme")],
                "public": True,
            }
        },
    )
    payload = body["data"]["apiClientCreate"]
    assert payload["userErrors"] == []
    assert payload["clientSecret"] is None
    assert payload["apiClient"]["public"] is True
    assert payload["apiClient"]["grantTypes"] == ["authorization_code", "refresh_token"]
    assert payload["apiClient"]["brands"] == [{"slug": "acme"}]


async def test_api_clients_page(client: httpx.AsyncClient, agency: Agency) -> None:
    token = agency.token(Role.ADMIN)
    for name in ("one", "two", "three"):
        await gql(client, token, CREATE, {"input": {**SERVER_CLIENT, "name": name}})
    first = (await gql(client, token, CLIENTS, {"first": 2}))["data"]["apiClients"]
    assert [node["name"] for node in first["nodes"]] == ["one", "two"]
    rest = (
        await gql(client, token, CLIENTS, {"first": 2, "after": first["pageInfo"]["endCursor"]})
    )["data"]["apiClients"]
    assert [node["name"] for node in rest["nodes"]] == ["three"]
    assert rest["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    "role", [Role.AGENT, Role.ANALYST, Role.CLIENT_APPROVER, Role.CLIENT_VIEWER]
)
async def test_other_roles_may_not_manage_clients(
    client: httpx.AsyncClient, services: Services, agency: Agency, role: Role
) -> None:
    listed = await gql(client, agency.token(role), CLIENTS)
    assert listed["data"] is None
    assert error_codes(listed) == ["FORBIDDEN"]
    created = await gql(client, agency.token(role), CREATE, {"input": SERVER_CLIENT})
    payload = created["data"]["apiClientCreate"]
    assert (payload["apiClient"], payload["clientSecret"]) == (None, None)
    assert [error["code"] for error in payload["userErrors"]] == ["FORBIDDEN"]
    assert await client_rows(services, agency) == []


async def test_invalid_registrations_are_user_errors(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    cases = [
        ({**SERVER_CLIENT, "scopes": ["admin"]}, ("scopes", "INVALID")),
        ({**SERVER_CLIENT, "scopes": ["nonsense"]}, ("scopes", "INVALID")),
        ({**SERVER_CLIENT, "name": ""}, ("name", "INVALID")),
        ({**SERVER_CLIENT, "grantTypes": ["AUTHORIZATION_CODE"]}, ("redirectUris", "INVALID")),
        (
            {**SERVER_CLIENT, "role": "CLIENT_VIEWER", "scopes": ["reports:read"]},
            ("brandIds", "INVALID"),
        ),
        (
            {**SERVER_CLIENT, "brandIds": [rival.brand_gid("zeta")], "role": "CLIENT_VIEWER"},
            ("brandIds", "NOT_FOUND"),
        ),
    ]
    for client_input, expected in cases:
        payload = (await gql(client, agency.token(Role.ADMIN), CREATE, {"input": client_input}))[
            "data"
        ]["apiClientCreate"]
        assert payload["clientSecret"] is None, client_input
        assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [expected]
    assert await client_rows(services, agency) == []


async def test_revoked_clients_lose_their_tokens(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    created = await gql(client, agency.token(Role.ADMIN), CREATE, {"input": SERVER_CLIENT})
    api_client = created["data"]["apiClientCreate"]["apiClient"]
    client_token = services.tokens.issue(
        subject=api_client["clientId"],
        client_id=api_client["clientId"],
        tenant_id=agency.tenant_id,
        scopes=frozenset({"inbox:read"}),
        ttl_seconds=300,
    )
    assert (await gql(client, client_token, VIEWER))["data"]["viewer"]["apiClient"] == {
        "name": "CRM sync"
    }
    foreign = await gql(
        client, rival.token(Role.OWNER), REVOKE, {"input": {"apiClientId": api_client["id"]}}
    )
    assert [
        (error["field"], error["code"])
        for error in foreign["data"]["apiClientRevoke"]["userErrors"]
    ] == [("apiClientId", "NOT_FOUND")]
    refused = await gql(
        client, agency.token(Role.AGENT), REVOKE, {"input": {"apiClientId": api_client["id"]}}
    )
    assert [error["code"] for error in refused["data"]["apiClientRevoke"]["userErrors"]] == [
        "FORBIDDEN"
    ]
    assert [row.is_active for row in await client_rows(services, agency)] == [True]

    revoked = await gql(
        client, agency.token(Role.ADMIN), REVOKE, {"input": {"apiClientId": api_client["id"]}}
    )
    assert revoked["data"]["apiClientRevoke"] == {"apiClient": {"active": False}, "userErrors": []}
    assert error_codes(await gql(client, client_token, VIEWER)) == ["UNAUTHENTICATED"]
    listed = await gql(client, agency.token(Role.ADMIN), CLIENTS)
    assert [node["active"] for node in listed["data"]["apiClients"]["nodes"]] == [False]


async def test_another_agency_lists_none_of_our_clients(
    client: httpx.AsyncClient, agency: Agency, rival: Agency
) -> None:
    await gql(client, agency.token(Role.ADMIN), CREATE, {"input": SERVER_CLIENT})
    body = await gql(client, rival.token(Role.OWNER), CLIENTS)
    assert body["data"]["apiClients"]["nodes"] == []
