"""Incidents through the GraphQL endpoint: the list, one incident, node(id:) and resolving,
for anonymous callers, another agency, roles without the permission and permitted roles."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from api.graphql.ids import to_global_id
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.demo.seed import DemoSeed, seed_demo
from domain.shared.tenancy import TenantScope
from domain.triage.models import Incident, IncidentStatus
from tests.factories import TEST_ACTOR, make_brand, make_member, make_tenant

pytestmark = pytest.mark.postgres

FIRST_POST = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

INCIDENT_FIELDS = """
  id key kind title status startedAt lastSeenAt mentionCount plannedEvent resolvedAt
  brand { slug }
"""
INCIDENTS = f"""
query ($filter: IncidentFilter, $first: Int, $after: String) {{
  incidents(filter: $filter, first: $first, after: $after) {{
    edges {{ cursor node {{ {INCIDENT_FIELDS} }} }}
    pageInfo {{ hasNextPage hasPreviousPage endCursor }}
  }}
}}
"""
INCIDENT = f"query ($id: ID!) {{ incident(id: $id) {{ {INCIDENT_FIELDS} }} }}"
NODE = "query ($id: ID!) { node(id: $id) { id ... on Incident { key status } } }"
RESOLVE = """
mutation ($input: IncidentResolveInput!) {
  incidentResolve(input: $input) {
    incident { id status resolvedAt }
    userErrors { field message code }
  }
}
"""


@dataclass(frozen=True)
class World:
    seed: DemoSeed
    outage: uuid.UUID  # wierzba, open, the most recently active
    complaints: uuid.UUID  # kestrel, open
    resolved: uuid.UUID  # wierzba, resolved, the least recently active
    foreign: uuid.UUID  # another agency's
    stranger: str  # an admin token of the other agency


def token(services: Services, tenant_id: uuid.UUID, user_id: uuid.UUID, role: Role) -> str:
    return services.tokens.issue(
        subject=str(user_id),
        tenant_id=tenant_id,
        scopes=frozenset(scopes_for_role(role)),
        ttl_seconds=300,
    )


def token_for(services: Services, seed: DemoSeed, role: Role) -> str:
    user = next(user for user in seed.users if user.role is role)
    return token(services, seed.tenant_id, user.user_id, role)


async def ask(
    client: httpx.AsyncClient, bearer: str | None, query: str, **variables: Any
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    if bearer is None:
        assert response.status_code == 401
        return {}
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def add_incident(
    database: Database,
    tenant_id: uuid.UUID,
    brand_id: uuid.UUID,
    *,
    key: str,
    kind: str,
    last_seen_minutes: int,
    status: IncidentStatus = IncidentStatus.OPEN,
    planned_event: str | None = None,
) -> uuid.UUID:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        incident = Incident(
            brand_id=brand_id,
            key=key,
            kind=kind,
            title=f"{kind} at {key}",
            terms=["login"],
            status=status,
            started_at=FIRST_POST,
            last_seen_at=FIRST_POST + timedelta(minutes=last_seen_minutes),
            mention_count=6,
            planned_event=planned_event,
            resolved_at=FIRST_POST + timedelta(hours=2)
            if status is IncidentStatus.RESOLVED
            else None,
        )
        incident.tenant_id = tenant_id
        uow.session.add(incident)
        await uow.commit()
        return incident.id


async def stored_status(
    database: Database, tenant_id: uuid.UUID, incident_id: uuid.UUID
) -> IncidentStatus:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        status = await uow.session.scalar(select(Incident.status).where(Incident.id == incident_id))
    assert status is not None
    return status


@pytest.fixture
async def world(pg_database: Database, services: Services) -> World:
    seed = await seed_demo(pg_database)
    wierzba, kestrel = seed.brand_ids["wierzba"], seed.brand_ids["kestrel"]
    other_tenant = await make_tenant(pg_database, "other-agency")
    other_brand = await make_brand(pg_database, other_tenant, "wierzba")
    admin = await make_member(pg_database, other_tenant, "admin@other.test", Role.ADMIN)
    return World(
        seed=seed,
        outage=await add_incident(
            pg_database,
            seed.tenant_id,
            wierzba,
            key="wierzba-outage-20261130-0900",
            kind="outage",
            last_seen_minutes=20,
            planned_event="Planned maintenance: card payments",
        ),
        complaints=await add_incident(
            pg_database,
            seed.tenant_id,
            kestrel,
            key="kestrel-complaint-20261130-0900",
            kind="complaint",
            last_seen_minutes=15,
        ),
        resolved=await add_incident(
            pg_database,
            seed.tenant_id,
            wierzba,
            key="wierzba-outage-20261130-0800",
            kind="outage",
            last_seen_minutes=5,
            status=IncidentStatus.RESOLVED,
        ),
        foreign=await add_incident(
            pg_database,
            other_tenant,
            other_brand.id,
            key="foreign",
            kind="outage",
            last_seen_minutes=1,
        ),
        stranger=token(services, other_tenant, admin, Role.ADMIN),
    )


def keys(body: dict[str, Any]) -> list[str]:
    return [edge["node"]["key"] for edge in body["data"]["incidents"]["edges"]]


async def test_anonymous_callers_are_refused(client: httpx.AsyncClient, world: World) -> None:
    global_id = to_global_id("Incident", world.outage)
    await ask(client, None, INCIDENTS)
    await ask(client, None, INCIDENT, id=global_id)
    await ask(client, None, RESOLVE, input={"incidentId": global_id})


async def test_an_agent_lists_reads_and_pages_incidents(
    client: httpx.AsyncClient, services: Services, world: World
) -> None:
    agent = token_for(services, world.seed, Role.AGENT)

    body = await ask(client, agent, INCIDENTS)
    assert keys(body) == [
        "wierzba-outage-20261130-0900",
        "kestrel-complaint-20261130-0900",
        "wierzba-outage-20261130-0800",
    ]
    first = body["data"]["incidents"]["edges"][0]["node"]
    assert first == {
        "id": to_global_id("Incident", world.outage),
        "key": "wierzba-outage-20261130-0900",
        "kind": "outage",
        "title": "outage at wierzba-outage-20261130-0900",
        "status": "OPEN",
        "startedAt": "2026-11-30T09:00:00+00:00",
        "lastSeenAt": "2026-11-30T09:20:00+00:00",
        "mentionCount": 6,
        "plannedEvent": "Planned maintenance: card payments",
        "resolvedAt": None,
        "brand": {"slug": "wierzba"},
    }

    wierzba = to_global_id("Brand", world.seed.brand_ids["wierzba"])
    only_wierzba = await ask(client, agent, INCIDENTS, filter={"brandIds": [wierzba]})
    assert keys(only_wierzba) == ["wierzba-outage-20261130-0900", "wierzba-outage-20261130-0800"]
    resolved = await ask(client, agent, INCIDENTS, filter={"status": "RESOLVED"})
    assert keys(resolved) == ["wierzba-outage-20261130-0800"]
    assert resolved["data"]["incidents"]["edges"][0]["node"]["resolvedAt"] == (
        "2026-11-30T11:00:00+00:00"
    )

    page_one = await ask(client, agent, INCIDENTS, first=2)
    info = page_one["data"]["incidents"]["pageInfo"]
    assert keys(page_one) == ["wierzba-outage-20261130-0900", "kestrel-complaint-20261130-0900"]
    assert info["hasNextPage"] is True
    assert info["hasPreviousPage"] is False
    page_two = await ask(client, agent, INCIDENTS, first=2, after=info["endCursor"])
    assert keys(page_two) == ["wierzba-outage-20261130-0800"]
    assert page_two["data"]["incidents"]["pageInfo"]["hasNextPage"] is False
    assert page_two["data"]["incidents"]["pageInfo"]["hasPreviousPage"] is True

    one = await ask(client, agent, INCIDENT, id=to_global_id("Incident", world.complaints))
    assert one["data"]["incident"]["key"] == "kestrel-complaint-20261130-0900"
    assert one["data"]["incident"]["brand"] == {"slug": "kestrel"}
    node = await ask(client, agent, NODE, id=to_global_id("Incident", world.outage))
    assert node["data"]["node"] == {
        "id": to_global_id("Incident", world.outage),
        "key": "wierzba-outage-20261130-0900",
        "status": "OPEN",
    }


async def test_bad_cursors_and_ids_are_refused(
    client: httpx.AsyncClient, services: Services, world: World
) -> None:
    agent = token_for(services, world.seed, Role.AGENT)
    body = await ask(client, agent, INCIDENTS, after="not-a-cursor")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    wrong_type = await ask(client, agent, INCIDENT, id=to_global_id("Brand", world.outage))
    assert error_codes(wrong_type) == ["NOT_FOUND"]
    unknown = await ask(client, agent, INCIDENT, id=to_global_id("Incident", uuid.uuid4()))
    assert error_codes(unknown) == ["NOT_FOUND"]


async def test_another_agency_sees_and_resolves_nothing(
    client: httpx.AsyncClient, pg_database: Database, world: World
) -> None:
    global_id = to_global_id("Incident", world.outage)

    listed = await ask(client, world.stranger, INCIDENTS)
    assert keys(listed) == ["foreign"]
    one = await ask(client, world.stranger, INCIDENT, id=global_id)
    assert error_codes(one) == ["NOT_FOUND"]
    node = await ask(client, world.stranger, NODE, id=global_id)
    assert node["data"]["node"] is None

    resolved = await ask(client, world.stranger, RESOLVE, input={"incidentId": global_id})
    assert resolved["data"]["incidentResolve"] == {
        "incident": None,
        "userErrors": [
            {"field": "incidentId", "message": "Incident not found", "code": "NOT_FOUND"}
        ],
    }
    assert await stored_status(pg_database, world.seed.tenant_id, world.outage) == "open"


@pytest.mark.parametrize("role", [Role.CLIENT_APPROVER, Role.CLIENT_VIEWER])
async def test_client_roles_without_inbox_read_see_nothing(
    client: httpx.AsyncClient,
    services: Services,
    pg_database: Database,
    world: World,
    role: Role,
) -> None:
    # Granted the brand itself, but client roles do not read the inbox.
    user_id = await make_member(
        pg_database, world.seed.tenant_id, f"{role.value}@wierzba.test", role, ("wierzba",)
    )
    bearer = token(services, world.seed.tenant_id, user_id, role)
    global_id = to_global_id("Incident", world.outage)

    assert keys(await ask(client, bearer, INCIDENTS)) == []
    assert error_codes(await ask(client, bearer, INCIDENT, id=global_id)) == ["NOT_FOUND"]
    assert (await ask(client, bearer, NODE, id=global_id))["data"]["node"] is None
    resolved = await ask(client, bearer, RESOLVE, input={"incidentId": global_id})
    assert resolved["data"]["incidentResolve"]["incident"] is None
    assert [error["code"] for error in resolved["data"]["incidentResolve"]["userErrors"]] == [
        "FORBIDDEN"
    ]
    assert await stored_status(pg_database, world.seed.tenant_id, world.outage) == "open"


async def test_an_analyst_reads_but_may_not_resolve(
    client: httpx.AsyncClient, services: Services, pg_database: Database, world: World
) -> None:
    analyst = token_for(services, world.seed, Role.ANALYST)
    global_id = to_global_id("Incident", world.outage)

    assert len(keys(await ask(client, analyst, INCIDENTS))) == 3
    resolved = await ask(client, analyst, RESOLVE, input={"incidentId": global_id})
    assert resolved["data"]["incidentResolve"]["incident"] is None
    [user_error] = resolved["data"]["incidentResolve"]["userErrors"]
    assert user_error["code"] == "FORBIDDEN"
    assert await stored_status(pg_database, world.seed.tenant_id, world.outage) == "open"


async def test_an_agent_resolves_an_incident_once(
    client: httpx.AsyncClient, services: Services, pg_database: Database, world: World
) -> None:
    agent = token_for(services, world.seed, Role.AGENT)
    global_id = to_global_id("Incident", world.outage)

    first = await ask(client, agent, RESOLVE, input={"incidentId": global_id})
    payload = first["data"]["incidentResolve"]
    assert payload["userErrors"] == []
    assert payload["incident"]["id"] == global_id
    assert payload["incident"]["status"] == "RESOLVED"
    resolved_at = payload["incident"]["resolvedAt"]
    assert resolved_at is not None
    assert await stored_status(pg_database, world.seed.tenant_id, world.outage) == "resolved"

    again = await ask(client, agent, RESOLVE, input={"incidentId": global_id})
    assert again["data"]["incidentResolve"] == {
        "incident": {"id": global_id, "status": "RESOLVED", "resolvedAt": resolved_at},
        "userErrors": [],
    }
    still_open = await ask(client, agent, INCIDENTS, filter={"status": "OPEN"})
    assert keys(still_open) == ["kestrel-complaint-20261130-0900"]


@contextmanager
def statements_on(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_the_list_and_its_brands_take_the_same_statements_for_one_or_many(
    client: httpx.AsyncClient, services: Services, world: World
) -> None:
    agent = token_for(services, world.seed, Role.AGENT)
    await ask(client, agent, INCIDENTS, first=1)  # the grantee and caches are warm

    counts = []
    for first in (1, 3):
        with statements_on(services.database) as statements:
            body = await ask(client, agent, INCIDENTS, first=first)
        assert len(keys(body)) == first
        counts.append(len(statements))
    assert counts[0] == counts[1]
