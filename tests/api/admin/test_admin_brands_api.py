"""brands, brand(id:), brandCreate and brandUpdate through the HTTP app."""

import httpx
import pytest
from sqlalchemy import func, select

from api.graphql.ids import to_global_id
from api.services import Services
from domain.audit.models import AuditLogEntry
from domain.authz.policy import Role
from domain.brands.models import Brand
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import TenantScope
from tests.api.admin.conftest import Agency, error_codes, gql
from tests.factories import TEST_ACTOR

pytestmark = pytest.mark.postgres

BRANDS = """
query Brands($first: Int, $after: String) {
  brands(first: $first, after: $after) {
    edges { cursor node { id slug name timezone serviceTier primaryLanguage locales } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}
"""
BRAND = "query Brand($id: ID!) { brand(id: $id) { slug name } }"
BRAND_CREATE = """
mutation Create($input: BrandCreateInput!) {
  brandCreate(input: $input) {
    brand { id slug name timezone serviceTier primaryLanguage locales holidayCountry }
    userErrors { field message code }
  }
}
"""
BRAND_UPDATE = """
mutation Update($input: BrandUpdateInput!) {
  brandUpdate(input: $input) {
    brand { slug name timezone serviceTier primaryLanguage locales }
    userErrors { field message code }
  }
}
"""
STAFF = [Role.OWNER, Role.ADMIN, Role.AGENT, Role.ANALYST]
CLIENTS = [Role.CLIENT_APPROVER, Role.CLIENT_VIEWER]
WITHOUT_BRAND_MANAGE = [Role.AGENT, Role.ANALYST, *CLIENTS]


async def brand_rows(services: Services, agency: Agency) -> list[tuple[str, str, str]]:
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        result = await uow.session.execute(select(Brand).order_by(Brand.slug))
        return [(brand.slug, brand.name, brand.timezone) for brand in result.scalars()]


async def test_brands_needs_a_token(client: httpx.AsyncClient) -> None:
    body = await gql(client, None, BRANDS)
    assert body["status_code"] == 401
    assert error_codes(body) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("role", STAFF)
async def test_staff_see_every_brand(client: httpx.AsyncClient, agency: Agency, role: Role) -> None:
    body = await gql(client, agency.token(role), BRANDS)
    nodes = [edge["node"] for edge in body["data"]["brands"]["edges"]]
    assert [node["slug"] for node in nodes] == ["acme", "bolt"]
    assert nodes[0] == {
        "id": agency.brand_gid("acme"),
        "slug": "acme",
        "name": "Acme",
        "timezone": "UTC",
        "serviceTier": "STANDARD",
        "primaryLanguage": "en",
        "locales": [],
    }


@pytest.mark.parametrize("role", CLIENTS)
async def test_client_roles_see_only_their_brands(
    client: httpx.AsyncClient, agency: Agency, role: Role
) -> None:
    body = await gql(client, agency.token(role), BRANDS)
    assert [edge["node"]["slug"] for edge in body["data"]["brands"]["edges"]] == ["acme"]
    assert body["data"]["brands"]["totalCount"] == 1
    refused = await gql(client, agency.token(role), BRAND, {"id": agency.brand_gid("bolt")})
    assert refused["data"] is None
    assert error_codes(refused) == ["NOT_FOUND"]


async def test_another_agency_sees_only_its_own_brands(
    client: httpx.AsyncClient, agency: Agency, rival: Agency
) -> None:
    body = await gql(client, rival.token(Role.OWNER), BRANDS)
    assert [edge["node"]["slug"] for edge in body["data"]["brands"]["edges"]] == ["zeta"]
    foreign = await gql(client, rival.token(Role.OWNER), BRAND, {"id": agency.brand_gid("acme")})
    assert foreign["data"] is None
    assert error_codes(foreign) == ["NOT_FOUND"]


async def test_brands_page_with_keyset_cursors(client: httpx.AsyncClient, agency: Agency) -> None:
    token = agency.token(Role.AGENT)
    first = (await gql(client, token, BRANDS, {"first": 1}))["data"]["brands"]
    assert [edge["node"]["slug"] for edge in first["edges"]] == ["acme"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["totalCount"] == 2
    second = (
        await gql(client, token, BRANDS, {"first": 1, "after": first["pageInfo"]["endCursor"]})
    )["data"]["brands"]
    assert [edge["node"]["slug"] for edge in second["edges"]] == ["bolt"]
    assert second["pageInfo"]["hasNextPage"] is False
    too_many = await gql(client, token, BRANDS, {"first": 101})
    assert error_codes(too_many) == ["BAD_USER_INPUT"]


async def test_brand_by_id(client: httpx.AsyncClient, agency: Agency) -> None:
    body = await gql(
        client, agency.token(Role.CLIENT_VIEWER), BRAND, {"id": agency.brand_gid("acme")}
    )
    assert body["data"]["brand"] == {"slug": "acme", "name": "Acme"}


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
async def test_admins_create_brands(
    client: httpx.AsyncClient, services: Services, agency: Agency, role: Role
) -> None:
    body = await gql(
        client,
        agency.token(role),
        BRAND_CREATE,
        {
            "input": {
                "slug": "kestrel",
                "name": " Kestrel Airways ",
                "timezone": "Europe/London",
                "serviceTier": "PREMIUM",
                "primaryLanguage": "en",
                "locales": ["en-GB", "pl"],
                "holidayCountry": "GB",
            }
        },
    )
    payload = body["data"]["brandCreate"]
    assert payload["userErrors"] == []
    brand = payload["brand"]
    assert {key: value for key, value in brand.items() if key != "id"} == {
        "slug": "kestrel",
        "name": "Kestrel Airways",
        "timezone": "Europe/London",
        "serviceTier": "PREMIUM",
        "primaryLanguage": "en",
        "locales": ["en-GB", "pl"],
        "holidayCountry": "GB",
    }
    assert ("kestrel", "Kestrel Airways", "Europe/London") in await brand_rows(services, agency)
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        actors = (
            await uow.session.execute(
                select(AuditLogEntry.actor_id).where(
                    AuditLogEntry.entity_type == "Brand", AuditLogEntry.action == "create"
                )
            )
        ).scalars()
        assert str(agency.user_ids[role]) in list(actors)


@pytest.mark.parametrize("role", WITHOUT_BRAND_MANAGE)
async def test_roles_without_brand_manage_cannot_create(
    client: httpx.AsyncClient, services: Services, agency: Agency, role: Role
) -> None:
    before = await brand_rows(services, agency)
    body = await gql(
        client, agency.token(role), BRAND_CREATE, {"input": {"slug": "kestrel", "name": "K"}}
    )
    payload = body["data"]["brandCreate"]
    assert payload["brand"] is None
    assert [error["code"] for error in payload["userErrors"]] == ["FORBIDDEN"]
    assert await brand_rows(services, agency) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "acme"}, "slug"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"primaryLanguage": "english"}, "primaryLanguage"),
        ({"locales": ["en_GB"]}, "locales"),
        ({"holidayCountry": "gbr"}, "holidayCountry"),
        ({"name": "  "}, "name"),
    ],
)
async def test_brand_create_reports_invalid_and_taken_values(
    client: httpx.AsyncClient,
    services: Services,
    agency: Agency,
    change: dict[str, str],
    field: str,
) -> None:
    before = await brand_rows(services, agency)
    body = await gql(
        client,
        agency.token(Role.ADMIN),
        BRAND_CREATE,
        {"input": {"slug": "kestrel", "name": "Kestrel", **change}},
    )
    payload = body["data"]["brandCreate"]
    assert payload["brand"] is None
    [error] = payload["userErrors"]
    expected = "CONFLICT" if change == {"slug": "acme"} else "INVALID"
    assert (error["field"], error["code"]) == (field, expected)
    assert await brand_rows(services, agency) == before


async def test_slugs_are_unique_per_agency_only(
    client: httpx.AsyncClient, agency: Agency, rival: Agency
) -> None:
    body = await gql(
        client, rival.token(Role.ADMIN), BRAND_CREATE, {"input": {"slug": "acme", "name": "Acme"}}
    )
    assert body["data"]["brandCreate"]["userErrors"] == []


async def test_admins_update_brands(
    client: httpx.AsyncClient, services: Services, agency: Agency
) -> None:
    body = await gql(
        client,
        agency.token(Role.ADMIN),
        BRAND_UPDATE,
        {
            "input": {
                "brandId": agency.brand_gid("bolt"),
                "slug": "bolt-energy",
                "name": "Bolt Energy",
                "timezone": "Europe/Warsaw",
                "serviceTier": "PREMIUM",
                "primaryLanguage": "pl",
                "locales": ["pl-PL"],
            }
        },
    )
    assert body["data"]["brandUpdate"] == {
        "brand": {
            "slug": "bolt-energy",
            "name": "Bolt Energy",
            "timezone": "Europe/Warsaw",
            "serviceTier": "PREMIUM",
            "primaryLanguage": "pl",
            "locales": ["pl-PL"],
        },
        "userErrors": [],
    }
    assert await brand_rows(services, agency) == [
        ("acme", "Acme", "UTC"),
        ("bolt-energy", "Bolt Energy", "Europe/Warsaw"),
    ]
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        entry = (
            await uow.session.execute(
                select(AuditLogEntry).where(
                    AuditLogEntry.entity_type == "Brand",
                    AuditLogEntry.action == "update",
                    AuditLogEntry.entity_id == agency.brand_ids["bolt"],
                )
            )
        ).scalar_one()
    assert entry.actor_id == str(agency.user_ids[Role.ADMIN])
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["timezone"], entry.after["timezone"]) == ("UTC", "Europe/Warsaw")


async def test_brand_update_refusals_change_nothing(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    before = await brand_rows(services, agency)
    bolt = agency.brand_gid("bolt")
    cases = [
        (agency.token(Role.ADMIN), {"brandId": bolt, "slug": "acme"}, ("slug", "CONFLICT")),
        (agency.token(Role.ADMIN), {"brandId": bolt, "timezone": "UTC+2"}, ("timezone", "INVALID")),
        (agency.token(Role.ADMIN), {"brandId": bolt, "name": None}, ("name", "INVALID")),
        (agency.token(Role.AGENT), {"brandId": bolt, "name": "X"}, (None, "FORBIDDEN")),
        (
            agency.token(Role.CLIENT_APPROVER),
            {"brandId": agency.brand_gid("acme"), "name": "X"},
            (None, "FORBIDDEN"),
        ),
        (rival.token(Role.OWNER), {"brandId": bolt, "name": "X"}, ("brandId", "NOT_FOUND")),
        (agency.token(Role.ADMIN), {"brandId": "garbage", "name": "X"}, ("brandId", "NOT_FOUND")),
        (
            agency.token(Role.ADMIN),
            {"brandId": str(to_global_id("Channel", agency.brand_ids["bolt"])), "name": "X"},
            ("brandId", "NOT_FOUND"),
        ),
    ]
    for token, change, expected in cases:
        payload = (await gql(client, token, BRAND_UPDATE, {"input": change}))["data"]["brandUpdate"]
        assert payload["brand"] is None, change
        assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [expected]
    assert await brand_rows(services, agency) == before
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        updates = await uow.session.execute(
            select(func.count()).where(
                AuditLogEntry.entity_type == "Brand", AuditLogEntry.action == "update"
            )
        )
        assert updates.scalar_one() == 0
