"""tenant, memberships, users and the membership mutations, with the owner rules."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.services import Services
from domain.audit.models import AuditLogEntry
from domain.authz.policy import Role
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import TenantScope
from domain.tenants.models import BrandGrant, Membership
from tests.api.admin.conftest import Agency, error_codes, gql
from tests.factories import TEST_ACTOR

pytestmark = pytest.mark.postgres

TENANT = "query { tenant { slug name memberCount settings { timezone defaultLocale } } }"
MEMBERSHIPS = """
query Members($filter: MembershipFilter, $first: Int, $after: String) {
  memberships(filter: $filter, first: $first, after: $after) {
    nodes { id role status user { email displayName } brands { slug } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
USERS = "query { users(first: 100) { nodes { id email } } }"
NODE = "query Node($id: ID!) { node(id: $id) { id ... on Membership { role } } }"
CREATE = """
mutation Create($input: MembershipCreateInput!) {
  membershipCreate(input: $input) {
    membership { role status user { email displayName } brands { slug } }
    userErrors { field message code }
  }
}
"""
UPDATE = """
mutation Update($input: MembershipUpdateInput!) {
  membershipUpdate(input: $input) {
    membership { role status brands { slug } }
    userErrors { field message code }
  }
}
"""
DEACTIVATE = """
mutation Deactivate($input: MembershipDeactivateInput!) {
  membershipDeactivate(input: $input) {
    membership { role status }
    userErrors { field message code }
  }
}
"""
ADMIN_SETUP = (
    Path(__file__).resolve().parents[3] / "frontend_contract" / "operations" / "AdminSetup.graphql"
)
ROLE_ORDER = [
    "OWNER",
    "ADMIN",
    "AGENT",
    "ANALYST",
    "CLIENT_APPROVER",
    "CLIENT_VIEWER",
]


async def membership_rows(services: Services, agency: Agency) -> list[tuple[str, bool, int]]:
    """(role, active, grant count) of every membership, oldest first."""
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        memberships = list(
            (
                await uow.session.execute(select(Membership).order_by(Membership.created_at))
            ).scalars()
        )
        grants = list((await uow.session.execute(select(BrandGrant))).scalars())
    return [
        (
            membership.role.value,
            membership.is_active,
            sum(grant.membership_id == membership.id for grant in grants),
        )
        for membership in memberships
    ]


async def test_tenant_admin_fields_follow_the_permissions(
    client: httpx.AsyncClient, agency: Agency
) -> None:
    owner = await gql(client, agency.token(Role.OWNER), TENANT)
    assert owner["data"]["tenant"] == {
        "slug": "northwind",
        "name": "Northwind",
        "memberCount": 6,
        "settings": {"timezone": "UTC", "defaultLocale": "en"},
    }
    admin = await gql(client, agency.token(Role.ADMIN), TENANT)
    assert admin["data"]["tenant"]["memberCount"] == 6
    assert admin["data"]["tenant"]["settings"] is None
    assert error_codes(admin) == ["FORBIDDEN"]
    viewer = await gql(client, agency.token(Role.CLIENT_VIEWER), TENANT)
    assert viewer["data"]["tenant"]["slug"] == "northwind"
    assert viewer["data"]["tenant"]["memberCount"] is None
    assert sorted(error_codes(viewer)) == ["FORBIDDEN", "FORBIDDEN"]
    anonymous = await gql(client, None, TENANT)
    assert anonymous["status_code"] == 401


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.AGENT, Role.ANALYST])
async def test_staff_list_memberships(
    client: httpx.AsyncClient, agency: Agency, role: Role
) -> None:
    body = await gql(client, agency.token(role), MEMBERSHIPS)
    nodes = body["data"]["memberships"]["nodes"]
    assert [node["role"] for node in nodes] == ROLE_ORDER
    assert nodes[0]["status"] == "ACTIVE"  # the owner has a password
    assert nodes[1]["status"] == "INVITED"  # never signed in, no password
    assert nodes[4]["user"]["email"] == "client_approver@northwind.example"
    assert nodes[4]["brands"] == [{"slug": "acme"}]
    assert nodes[1]["brands"] == []
    users = await gql(client, agency.token(role), USERS)
    assert len(users["data"]["users"]["nodes"]) == 6


async def test_membership_filters_and_pages(client: httpx.AsyncClient, agency: Agency) -> None:
    token = agency.token(Role.ANALYST)
    by_role = await gql(client, token, MEMBERSHIPS, {"filter": {"role": "CLIENT_VIEWER"}})
    assert [node["role"] for node in by_role["data"]["memberships"]["nodes"]] == ["CLIENT_VIEWER"]
    by_text = await gql(client, token, MEMBERSHIPS, {"filter": {"text": "ADMIN@north"}})
    assert [node["role"] for node in by_text["data"]["memberships"]["nodes"]] == ["ADMIN"]
    wildcard = await gql(client, token, MEMBERSHIPS, {"filter": {"text": "%"}})
    assert wildcard["data"]["memberships"]["nodes"] == []
    seen: list[str] = []
    after = None
    while True:
        page = (await gql(client, token, MEMBERSHIPS, {"first": 4, "after": after}))["data"][
            "memberships"
        ]
        seen += [node["role"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ROLE_ORDER


@pytest.mark.parametrize("role", [Role.CLIENT_APPROVER, Role.CLIENT_VIEWER])
async def test_client_roles_cannot_list_members(
    client: httpx.AsyncClient, agency: Agency, role: Role
) -> None:
    for query in (MEMBERSHIPS, USERS):
        body = await gql(client, agency.token(role), query)
        assert body["data"] is None
        assert error_codes(body) == ["FORBIDDEN"]


async def test_another_agency_sees_none_of_our_members(
    client: httpx.AsyncClient, agency: Agency, rival: Agency
) -> None:
    body = await gql(client, rival.token(Role.OWNER), MEMBERSHIPS)
    emails = [node["user"]["email"] for node in body["data"]["memberships"]["nodes"]]
    assert all(email.endswith("@rival.example") for email in emails)
    assert len(emails) == 6
    foreign = await gql(
        client, rival.token(Role.OWNER), NODE, {"id": agency.membership_gid(Role.AGENT)}
    )
    assert foreign["data"] == {"node": None}
    own = await gql(
        client, agency.token(Role.ADMIN), NODE, {"id": agency.membership_gid(Role.AGENT)}
    )
    assert own["data"]["node"]["role"] == "AGENT"


async def test_admins_invite_members(
    client: httpx.AsyncClient, services: Services, agency: Agency
) -> None:
    body = await gql(
        client,
        agency.token(Role.ADMIN),
        CREATE,
        {
            "input": {
                "email": " New.Approver@Client.Example ",
                "role": "CLIENT_APPROVER",
                "brandIds": [agency.brand_gid("bolt"), agency.brand_gid("acme")],
                "displayName": "Nora",
            }
        },
    )
    assert body["data"]["membershipCreate"] == {
        "membership": {
            "role": "CLIENT_APPROVER",
            "status": "INVITED",
            "user": {"email": "new.approver@client.example", "displayName": "Nora"},
            "brands": [{"slug": "acme"}, {"slug": "bolt"}],
        },
        "userErrors": [],
    }
    assert (await membership_rows(services, agency))[-1] == ("client_approver", True, 2)


async def test_a_person_can_belong_to_two_agencies(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    body = await gql(
        client,
        rival.token(Role.ADMIN),
        CREATE,
        {"input": {"email": "agent@northwind.example", "role": "AGENT"}},
    )
    assert body["data"]["membershipCreate"]["userErrors"] == []
    assert body["data"]["membershipCreate"]["membership"]["status"] == "INVITED"


async def test_membership_create_refusals_change_nothing(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    before = await membership_rows(services, agency)
    acme = agency.brand_gid("acme")
    cases = [
        (Role.ADMIN, {"email": "agent@northwind.example", "role": "AGENT"}, ("email", "CONFLICT")),
        (Role.ADMIN, {"email": "not-an-address", "role": "AGENT"}, ("email", "INVALID")),
        (Role.ADMIN, {"email": "c@x.example", "role": "CLIENT_VIEWER"}, ("brandIds", "INVALID")),
        (
            Role.ADMIN,
            {"email": "c@x.example", "role": "AGENT", "brandIds": [acme]},
            ("brandIds", "INVALID"),
        ),
        (
            Role.ADMIN,
            {
                "email": "c@x.example",
                "role": "CLIENT_VIEWER",
                "brandIds": [rival.brand_gid("zeta")],
            },
            ("brandIds", "NOT_FOUND"),
        ),
        (Role.ADMIN, {"email": "boss@x.example", "role": "OWNER"}, (None, "FORBIDDEN")),
        (Role.AGENT, {"email": "a@x.example", "role": "AGENT"}, (None, "FORBIDDEN")),
        (Role.ANALYST, {"email": "a@x.example", "role": "AGENT"}, (None, "FORBIDDEN")),
        (
            Role.CLIENT_APPROVER,
            {"email": "a@x.example", "role": "CLIENT_VIEWER", "brandIds": [acme]},
            (None, "FORBIDDEN"),
        ),
    ]
    for role, member_input, expected in cases:
        payload = (await gql(client, agency.token(role), CREATE, {"input": member_input}))["data"][
            "membershipCreate"
        ]
        assert payload["membership"] is None, member_input
        assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [expected]
    assert await membership_rows(services, agency) == before


async def test_owners_make_owners(client: httpx.AsyncClient, agency: Agency) -> None:
    body = await gql(
        client,
        agency.token(Role.OWNER),
        CREATE,
        {"input": {"email": "second.owner@northwind.example", "role": "OWNER"}},
    )
    assert body["data"]["membershipCreate"]["membership"]["role"] == "OWNER"


async def test_admins_change_roles_and_grants_with_an_audit_trail(
    client: httpx.AsyncClient, services: Services, agency: Agency
) -> None:
    viewer = agency.membership_gid(Role.CLIENT_VIEWER)
    regranted = await gql(
        client,
        agency.token(Role.ADMIN),
        UPDATE,
        {"input": {"membershipId": viewer, "brandIds": [agency.brand_gid("bolt")]}},
    )
    assert regranted["data"]["membershipUpdate"] == {
        "membership": {"role": "CLIENT_VIEWER", "status": "INVITED", "brands": [{"slug": "bolt"}]},
        "userErrors": [],
    }
    promoted = await gql(
        client,
        agency.token(Role.ADMIN),
        UPDATE,
        {"input": {"membershipId": viewer, "role": "AGENT"}},
    )
    assert promoted["data"]["membershipUpdate"]["membership"] == {
        "role": "AGENT",
        "status": "INVITED",
        "brands": [],
    }
    assert (await membership_rows(services, agency))[5] == ("agent", True, 0)
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        entries = list(
            (
                await uow.session.execute(
                    select(AuditLogEntry)
                    .where(AuditLogEntry.actor_id == str(agency.user_ids[Role.ADMIN]))
                    .order_by(AuditLogEntry.created_at)
                )
            ).scalars()
        )
    assert sorted((entry.action, entry.entity_type) for entry in entries) == [
        ("create", "BrandGrant"),
        ("delete", "BrandGrant"),
        ("delete", "BrandGrant"),
        ("update", "Membership"),
    ]
    [role_change] = [entry for entry in entries if entry.entity_type == "Membership"]
    assert (role_change.before, role_change.after) == ({"role": "client_viewer"}, {"role": "agent"})


async def test_owner_rules(client: httpx.AsyncClient, services: Services, agency: Agency) -> None:
    owner = agency.membership_gid(Role.OWNER)
    admin_demotes = await gql(
        client,
        agency.token(Role.ADMIN),
        UPDATE,
        {"input": {"membershipId": owner, "role": "AGENT"}},
    )
    assert [error["code"] for error in admin_demotes["data"]["membershipUpdate"]["userErrors"]] == [
        "FORBIDDEN"
    ]
    admin_removes = await gql(
        client, agency.token(Role.ADMIN), DEACTIVATE, {"input": {"membershipId": owner}}
    )
    assert [
        error["code"] for error in admin_removes["data"]["membershipDeactivate"]["userErrors"]
    ] == ["FORBIDDEN"]
    admin_promotes = await gql(
        client,
        agency.token(Role.ADMIN),
        UPDATE,
        {"input": {"membershipId": agency.membership_gid(Role.AGENT), "role": "OWNER"}},
    )
    assert [
        error["code"] for error in admin_promotes["data"]["membershipUpdate"]["userErrors"]
    ] == ["FORBIDDEN"]
    last_owner_steps_down = await gql(
        client,
        agency.token(Role.OWNER),
        UPDATE,
        {"input": {"membershipId": owner, "role": "ADMIN"}},
    )
    assert [
        (error["field"], error["code"])
        for error in last_owner_steps_down["data"]["membershipUpdate"]["userErrors"]
    ] == [("role", "INVALID")]
    last_owner_leaves = await gql(
        client, agency.token(Role.OWNER), DEACTIVATE, {"input": {"membershipId": owner}}
    )
    assert [
        error["code"] for error in last_owner_leaves["data"]["membershipDeactivate"]["userErrors"]
    ] == ["INVALID"]
    assert (await membership_rows(services, agency))[0] == ("owner", True, 0)

    promoted = await gql(
        client,
        agency.token(Role.OWNER),
        UPDATE,
        {"input": {"membershipId": agency.membership_gid(Role.ADMIN), "role": "OWNER"}},
    )
    assert promoted["data"]["membershipUpdate"]["membership"]["role"] == "OWNER"
    steps_down = await gql(
        client,
        agency.token(Role.OWNER),
        UPDATE,
        {"input": {"membershipId": owner, "role": "ADMIN"}},
    )
    assert steps_down["data"]["membershipUpdate"]["membership"]["role"] == "ADMIN"


async def test_deactivated_members_lose_access_and_can_come_back(
    client: httpx.AsyncClient, services: Services, agency: Agency
) -> None:
    agent = agency.membership_gid(Role.AGENT)
    body = await gql(
        client, agency.token(Role.ADMIN), DEACTIVATE, {"input": {"membershipId": agent}}
    )
    assert body["data"]["membershipDeactivate"] == {
        "membership": {"role": "AGENT", "status": "DEACTIVATED"},
        "userErrors": [],
    }
    locked_out = await gql(client, agency.token(Role.AGENT), MEMBERSHIPS)
    assert error_codes(locked_out) == ["UNAUTHENTICATED"]
    again = await gql(
        client, agency.token(Role.ADMIN), DEACTIVATE, {"input": {"membershipId": agent}}
    )
    assert again["data"]["membershipDeactivate"]["membership"]["status"] == "DEACTIVATED"
    back = await gql(
        client,
        agency.token(Role.ADMIN),
        UPDATE,
        {"input": {"membershipId": agent, "reactivate": True}},
    )
    assert back["data"]["membershipUpdate"]["membership"]["status"] == "INVITED"
    assert (await gql(client, agency.token(Role.AGENT), MEMBERSHIPS))["data"] is not None


async def test_membership_changes_of_other_agencies_are_not_found(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    before = await membership_rows(services, agency)
    agent = agency.membership_gid(Role.AGENT)
    update = await gql(
        client, rival.token(Role.OWNER), UPDATE, {"input": {"membershipId": agent, "role": "ADMIN"}}
    )
    deactivate = await gql(
        client, rival.token(Role.OWNER), DEACTIVATE, {"input": {"membershipId": agent}}
    )
    for payload in (update["data"]["membershipUpdate"], deactivate["data"]["membershipDeactivate"]):
        assert payload["membership"] is None
        assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [
            ("membershipId", "NOT_FOUND")
        ]
    refused = await gql(
        client, agency.token(Role.AGENT), DEACTIVATE, {"input": {"membershipId": agent}}
    )
    assert [error["code"] for error in refused["data"]["membershipDeactivate"]["userErrors"]] == [
        "FORBIDDEN"
    ]
    assert await membership_rows(services, agency) == before


async def test_the_admin_setup_document_runs_by_operation_name(
    client: httpx.AsyncClient, agency: Agency
) -> None:
    document = ADMIN_SETUP.read_text("utf-8")
    token = agency.token(Role.OWNER)
    for operation in ("AdminOverview", "AdminBrands", "AdminMemberships", "AdminApiClients"):
        response = await client.post(
            "/graphql",
            json={"query": document, "operationName": operation, "variables": {}},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body
    overview = (
        await client.post(
            "/graphql",
            json={"query": document, "operationName": "AdminOverview"},
            headers={"Authorization": f"Bearer {token}"},
        )
    ).json()
    assert overview["data"]["tenant"]["memberCount"] == 6
