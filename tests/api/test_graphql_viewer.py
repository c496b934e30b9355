"""The first authenticated query, through token, scope, policy and unit of work."""

import uuid

import httpx
import pytest

from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.demo.seed import DemoSeed, seed_demo
from tests.factories import make_brand, make_member, make_tenant

pytestmark = pytest.mark.postgres

VIEWER_QUERY = """
query {
  viewer {
    user { email }
    tenant { slug name }
    role
    scopes
    brands { id slug name }
  }
}
"""
NORTHWIND_BRANDS = [
    "Forchetta Volante",
    "Kestrel Airways",
    "Wierzba Ubezpieczenia",
    "Бирюза Банк",
    "نیلگون",
]


def token_for(services: Services, seed: DemoSeed, role: Role) -> str:
    user = next(user for user in seed.users if user.role is role)
    return services.tokens.issue(
        subject=str(user.user_id),
        tenant_id=seed.tenant_id,
        scopes=frozenset(scopes_for_role(role)),
        ttl_seconds=300,
    )


async def ask(
    client: httpx.AsyncClient, token: str | None, query: str = VIEWER_QUERY
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/graphql", json={"query": query}, headers=headers)


@pytest.mark.parametrize("role", list(Role))
async def test_every_demo_role_sees_the_five_brands(
    client: httpx.AsyncClient, services: Services, role: Role
) -> None:
    seed = await seed_demo(services.database)
    response = await ask(client, token_for(services, seed, role))
    assert response.status_code == 200
    viewer = response.json()["data"]["viewer"]
    assert viewer["tenant"] == {"slug": "northwind-social", "name": "Northwind Social"}
    assert viewer["user"]["email"] == f"{role.value.split('_')[-1]}@northwind-social.example"
    assert viewer["role"] == role.name
    assert viewer["scopes"] == sorted(scopes_for_role(role))
    assert sorted(brand["name"] for brand in viewer["brands"]) == sorted(NORTHWIND_BRANDS)


async def test_a_client_role_sees_only_its_granted_brands(
    client: httpx.AsyncClient, services: Services
) -> None:
    seed = await seed_demo(services.database)
    user_id = await make_member(
        services.database,
        seed.tenant_id,
        "kestrel-approver@kestrel.example",
        Role.CLIENT_APPROVER,
        ("kestrel",),
    )
    token = services.tokens.issue(
        subject=str(user_id),
        tenant_id=seed.tenant_id,
        scopes=frozenset({"approvals"}),
        ttl_seconds=300,
    )
    response = await ask(client, token)
    assert [brand["slug"] for brand in response.json()["data"]["viewer"]["brands"]] == ["kestrel"]


async def test_without_a_token_the_answer_is_401(client: httpx.AsyncClient) -> None:
    response = await ask(client, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("header", ["Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Bearer "])
async def test_a_broken_token_is_401(client: httpx.AsyncClient, header: str) -> None:
    response = await client.post(
        "/graphql", json={"query": VIEWER_QUERY}, headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert "northwind" not in response.text.lower()


async def test_another_tenants_token_sees_no_northwind_data(
    client: httpx.AsyncClient, services: Services
) -> None:
    await seed_demo(services.database)
    other_tenant = await make_tenant(services.database, "other-agency")
    await make_brand(services.database, other_tenant, "acme")
    other_owner = await make_member(
        services.database, other_tenant, "owner@other.example", Role.OWNER
    )
    token = services.tokens.issue(
        subject=str(other_owner),
        tenant_id=other_tenant,
        scopes=frozenset(scopes_for_role(Role.OWNER)),
        ttl_seconds=300,
    )
    response = await ask(client, token)
    viewer = response.json()["data"]["viewer"]
    assert viewer["tenant"]["slug"] == "other-agency"
    assert [brand["slug"] for brand in viewer["brands"]] == ["acme"]
    assert "Northwind" not in response.text
    assert not any(name in response.text for name in NORTHWIND_BRANDS)


async def test_a_token_naming_a_tenant_the_user_is_not_member_of_gets_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    seed = await seed_demo(services.database)
    other_tenant = await make_tenant(services.database, "other-agency")
    northwind_owner = next(user for user in seed.users if user.role is Role.OWNER)
    token = services.tokens.issue(
        subject=str(northwind_owner.user_id),
        tenant_id=other_tenant,
        scopes=frozenset(scopes_for_role(Role.OWNER)),
        ttl_seconds=300,
    )
    body = (await ask(client, token)).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    forged_tenant = services.tokens.issue(
        subject=str(northwind_owner.user_id),
        tenant_id=uuid.uuid4(),
        scopes=frozenset({"admin"}),
        ttl_seconds=300,
    )
    assert (await ask(client, forged_tenant)).json()["data"] is None


async def test_brand_ids_are_opaque_global_ids(
    client: httpx.AsyncClient, services: Services
) -> None:
    seed = await seed_demo(services.database)
    brands = (await ask(client, token_for(services, seed, Role.AGENT))).json()["data"]["viewer"][
        "brands"
    ]
    ids = {brand["id"] for brand in brands}
    assert len(ids) == 5
    assert not any(str(brand_id) in ids for brand_id in seed.brand_ids.values())


async def test_graphiql_page_is_served_to_browsers_without_data(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
