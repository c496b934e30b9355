"""SLA, brand events, teams, availability and presence through the GraphQL endpoint."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.graphql.ids import from_global_id, to_global_id
from api.presence import presence_key
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.channels.models import Channel
from domain.conversations.models import Conversation, ConversationKind
from domain.conversations.service import INBOX_EVENT_TOPIC
from domain.customers.models import Customer
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.demo.seed import DemoSeed, seed_demo
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from domain.sla.service import start_clocks_for_customer_message
from tests.factories import TEST_ACTOR, make_member, make_tenant

pytestmark = pytest.mark.postgres

BRAND = "wierzba"


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


def user_of(seed: DemoSeed, role: Role) -> uuid.UUID:
    return next(user.user_id for user in seed.users if user.role is role)


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


@pytest.fixture
async def seed(pg_database: Database) -> DemoSeed:
    return await seed_demo(pg_database)


@pytest.fixture
async def stranger(pg_database: Database, services: Services) -> str:
    """An admin token of another agency."""
    tenant_id = await make_tenant(pg_database, "other-agency")
    user_id = await make_member(pg_database, tenant_id, "admin@other.test", Role.ADMIN)
    return token(services, tenant_id, user_id, Role.ADMIN)


async def open_with_clock(database: Database, seed: DemoSeed, at: datetime) -> uuid.UUID:
    brand_id = seed.brand_ids[BRAND]
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(seed.tenant_id)) as uow:
        channel_id = await uow.session.scalar(
            select(Channel.id).where(Channel.brand_id == brand_id).limit(1)
        )
        customer = Customer(display_name="c")
        customer.tenant_id = seed.tenant_id
        uow.session.add(customer)
        await uow.flush()
        conversation = Conversation(
            brand_id=brand_id,
            channel_id=channel_id,
            customer_id=customer.id,
            kind=ConversationKind.DIRECT,
            thread_key=str(uuid.uuid4()),
            opened_at=at,
            last_message_at=at,
        )
        uow.session.add(conversation)
        await uow.flush()
        await start_clocks_for_customer_message(uow, conversation_id=conversation.id, at=at)
        await uow.commit()
    return conversation.id


CONVERSATION_SLA = """
query ($id: ID!) {
  conversationSla(conversationId: $id) {
    conversationId firstResponseDueAt nextResponseDueAt resolutionDueAt
    paused breached remainingBusinessSeconds
    policy { name version }
    event { factor reason }
  }
}
"""


async def test_conversation_sla_matrix(
    client: httpx.AsyncClient,
    services: Services,
    pg_database: Database,
    seed: DemoSeed,
    stranger: str,
) -> None:
    at = utcnow() - timedelta(minutes=1)
    conversation_id = await open_with_clock(pg_database, seed, at)
    global_id = to_global_id("Conversation", conversation_id)

    await ask(client, None, CONVERSATION_SLA, id=global_id)

    body = await ask(client, token_for(services, seed, Role.AGENT), CONVERSATION_SLA, id=global_id)
    sla = body["data"]["conversationSla"]
    assert sla["conversationId"] == global_id
    assert sla["nextResponseDueAt"] is None
    assert sla["firstResponseDueAt"] is not None
    assert sla["policy"] == {"name": "Default", "version": 1}
    assert sla["breached"] is False

    viewer = await ask(
        client, token_for(services, seed, Role.CLIENT_VIEWER), CONVERSATION_SLA, id=global_id
    )
    assert (viewer["data"], error_codes(viewer)) == (None, ["FORBIDDEN"])

    other = await ask(client, stranger, CONVERSATION_SLA, id=global_id)
    assert (other["data"], error_codes(other)) == (None, ["NOT_FOUND"])


POLICY_CREATE = """
mutation ($brandId: ID!) {
  slaPolicyCreate(input: {brandId: $brandId, policy: {
      name: "Hot premium", priority: "hot", firstResponseMinutes: 15,
      businessHours: [{weekday: "mon", slots: [{open: "08:00", close: "12:00"},
                                               {open: "13:00", close: "17:00"}]}]}}) {
    policy {
      name priority version firstResponseMinutes
      businessHours { weekday slots { open close } }
    }
    userErrors { field code }
  }
}
"""
POLICIES = "query ($brandId: ID!) { slaPolicies(brandId: $brandId) { name priority } }"


async def test_policy_create_matrix(
    client: httpx.AsyncClient, services: Services, seed: DemoSeed, stranger: str
) -> None:
    brand = to_global_id("Brand", seed.brand_ids[BRAND])
    await ask(client, None, POLICY_CREATE, brandId=brand)

    refused = await ask(client, token_for(services, seed, Role.AGENT), POLICY_CREATE, brandId=brand)
    assert refused["data"]["slaPolicyCreate"] == {
        "policy": None,
        "userErrors": [{"field": "brandId", "code": "FORBIDDEN"}],
    }
    other = await ask(client, stranger, POLICY_CREATE, brandId=brand)
    assert other["data"]["slaPolicyCreate"]["userErrors"] == [
        {"field": "brandId", "code": "NOT_FOUND"}
    ]
    agent_view = await ask(client, token_for(services, seed, Role.AGENT), POLICIES, brandId=brand)
    assert agent_view["data"]["slaPolicies"] == [{"name": "Default", "priority": "any"}]

    created = await ask(client, token_for(services, seed, Role.ADMIN), POLICY_CREATE, brandId=brand)
    assert created["data"]["slaPolicyCreate"] == {
        "policy": {
            "name": "Hot premium",
            "priority": "hot",
            "version": 1,
            "firstResponseMinutes": 15,
            "businessHours": [
                {
                    "weekday": "mon",
                    "slots": [
                        {"open": "08:00", "close": "12:00"},
                        {"open": "13:00", "close": "17:00"},
                    ],
                }
            ],
        },
        "userErrors": [],
    }
    after = await ask(client, token_for(services, seed, Role.AGENT), POLICIES, brandId=brand)
    assert after["data"]["slaPolicies"] == [
        {"name": "Default", "priority": "any"},
        {"name": "Hot premium", "priority": "hot"},
    ]
    stranger_view = await ask(client, stranger, POLICIES, brandId=brand)
    assert (stranger_view["data"], error_codes(stranger_view)) == (None, ["NOT_FOUND"])

    ids = await ask(
        client,
        token_for(services, seed, Role.AGENT),
        "query ($b: ID!) { slaPolicies(brandId: $b) { id } }",
        b=brand,
    )
    policy_id = ids["data"]["slaPolicies"][1]["id"]
    node = "query ($id: ID!) { node(id: $id) { id ... on SlaPolicy { name } } }"
    seen = await ask(client, token_for(services, seed, Role.AGENT), node, id=policy_id)
    assert seen["data"]["node"] == {"id": policy_id, "name": "Hot premium"}
    assert (await ask(client, stranger, node, id=policy_id))["data"]["node"] is None
    unseen = await ask(client, token_for(services, seed, Role.CLIENT_VIEWER), node, id=policy_id)
    assert unseen["data"]["node"] is None


EVENT_CREATE = """
mutation ($brandId: ID!, $startsAt: DateTime!, $endsAt: DateTime!) {
  brandEventCreate(input: {brandId: $brandId, event: {
      kind: OUTAGE_WINDOW, title: "Login outage", startsAt: $startsAt, endsAt: $endsAt,
      slaFactor: 0.25, briefing: "Login is down; ETA on the status page."}}) {
    event { title kind slaFactor }
    userErrors { field code }
  }
}
"""
BRIEFINGS = "query ($id: ID!) { conversationBriefings(conversationId: $id) { title briefing } }"


async def test_brand_events_matrix_and_briefings(
    client: httpx.AsyncClient,
    services: Services,
    pg_database: Database,
    seed: DemoSeed,
    stranger: str,
) -> None:
    brand = to_global_id("Brand", seed.brand_ids[BRAND])
    now = utcnow()
    window = {
        "startsAt": (now - timedelta(hours=1)).isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
    }
    await ask(client, None, EVENT_CREATE, brandId=brand, **window)
    refused = await ask(
        client, token_for(services, seed, Role.AGENT), EVENT_CREATE, brandId=brand, **window
    )
    assert refused["data"]["brandEventCreate"]["userErrors"] == [
        {"field": "brandId", "code": "FORBIDDEN"}
    ]
    other = await ask(client, stranger, EVENT_CREATE, brandId=brand, **window)
    assert other["data"]["brandEventCreate"]["userErrors"] == [
        {"field": "brandId", "code": "NOT_FOUND"}
    ]
    backwards = await ask(
        client,
        token_for(services, seed, Role.ADMIN),
        EVENT_CREATE,
        brandId=brand,
        startsAt=window["endsAt"],
        endsAt=window["startsAt"],
    )
    assert backwards["data"]["brandEventCreate"]["userErrors"] == [
        {"field": "endsAt", "code": "INVALID"}
    ]
    created = await ask(
        client, token_for(services, seed, Role.ADMIN), EVENT_CREATE, brandId=brand, **window
    )
    assert created["data"]["brandEventCreate"] == {
        "event": {"title": "Login outage", "kind": "OUTAGE_WINDOW", "slaFactor": 0.25},
        "userErrors": [],
    }

    conversation_id = await open_with_clock(pg_database, seed, now)
    briefings = await ask(
        client,
        token_for(services, seed, Role.AGENT),
        BRIEFINGS,
        id=to_global_id("Conversation", conversation_id),
    )
    assert {"title": "Login outage", "briefing": "Login is down; ETA on the status page."} in (
        briefings["data"]["conversationBriefings"]
    )
    sla = await ask(
        client,
        token_for(services, seed, Role.AGENT),
        CONVERSATION_SLA,
        id=to_global_id("Conversation", conversation_id),
    )
    assert sla["data"]["conversationSla"]["event"] == {
        "factor": 0.25,
        "reason": "outage_window 'Login outage' active: target tightened ×0.25",
    }

    listed = await ask(
        client,
        token_for(services, seed, Role.CLIENT_VIEWER),
        "query ($b: ID!, $after: DateTime) { brandEvents(brandId: $b, endingAfter: $after) "
        "{ title } }",
        b=brand,
        after=now.isoformat(),
    )
    assert {"title": "Login outage"} in listed["data"]["brandEvents"]
    hidden = await ask(
        client, stranger, "query ($b: ID!) { brandEvents(brandId: $b) { title } }", b=brand
    )
    assert (hidden["data"], error_codes(hidden)) == (None, ["NOT_FOUND"])


TEAM_CREATE = """
mutation ($brandId: ID!, $members: [ID!]!) {
  teamCreate(input: {brandId: $brandId, team: {name: "Care", memberIds: $members}}) {
    team { id name strategy memberIds }
    userErrors { field code }
  }
}
"""
AVAILABILITY_SET = """
mutation ($userId: ID, $status: Availability!) {
  agentAvailabilitySet(input: {userId: $userId, status: $status, capacity: 5}) {
    availability { userId status capacity }
    userErrors { field code }
  }
}
"""
AUTO_ASSIGN = """
mutation ($conversationId: ID!, $teamId: ID!) {
  conversationAutoAssign(input: {conversationId: $conversationId, teamId: $teamId}) {
    assigneeId userErrors { field code }
  }
}
"""


async def test_teams_availability_and_auto_assignment(
    client: httpx.AsyncClient,
    services: Services,
    pg_database: Database,
    seed: DemoSeed,
    stranger: str,
) -> None:
    brand = to_global_id("Brand", seed.brand_ids[BRAND])
    agent = user_of(seed, Role.AGENT)
    agent_id = to_global_id("User", agent)
    admin = token_for(services, seed, Role.ADMIN)
    agent_token = token_for(services, seed, Role.AGENT)

    await ask(client, None, TEAM_CREATE, brandId=brand, members=[agent_id])
    refused = await ask(client, agent_token, TEAM_CREATE, brandId=brand, members=[agent_id])
    assert refused["data"]["teamCreate"]["userErrors"] == [
        {"field": "brandId", "code": "FORBIDDEN"}
    ]
    client_member = to_global_id("User", user_of(seed, Role.CLIENT_VIEWER))
    invalid = await ask(client, admin, TEAM_CREATE, brandId=brand, members=[client_member])
    assert invalid["data"]["teamCreate"]["userErrors"] == [
        {"field": "memberIds", "code": "INVALID"}
    ]
    created = await ask(client, admin, TEAM_CREATE, brandId=brand, members=[agent_id])
    team = created["data"]["teamCreate"]["team"]
    assert (team["name"], team["strategy"], team["memberIds"]) == (
        "Care",
        "ROUND_ROBIN",
        [agent_id],
    )

    listed = await ask(
        client, agent_token, "query ($b: ID!) { teams(brandId: $b) { name } }", b=brand
    )
    assert listed["data"]["teams"] == [{"name": "Care"}]

    conversation = to_global_id("Conversation", await open_with_clock(pg_database, seed, utcnow()))
    nobody = await ask(
        client, agent_token, AUTO_ASSIGN, conversationId=conversation, teamId=team["id"]
    )
    assert nobody["data"]["conversationAutoAssign"] == {"assigneeId": None, "userErrors": []}

    # Oneself with inbox:write; someone else only with members:manage.
    mine = await ask(client, agent_token, AVAILABILITY_SET, userId=None, status="ONLINE")
    assert mine["data"]["agentAvailabilitySet"] == {
        "availability": {"userId": agent_id, "status": "ONLINE", "capacity": 5},
        "userErrors": [],
    }
    admin_id = to_global_id("User", user_of(seed, Role.ADMIN))
    not_mine = await ask(client, agent_token, AVAILABILITY_SET, userId=admin_id, status="AWAY")
    assert not_mine["data"]["agentAvailabilitySet"]["userErrors"] == [
        {"field": "userId", "code": "FORBIDDEN"}
    ]

    viewer = await ask(
        client,
        token_for(services, seed, Role.CLIENT_VIEWER),
        AUTO_ASSIGN,
        conversationId=conversation,
        teamId=team["id"],
    )
    assert viewer["data"]["conversationAutoAssign"]["userErrors"][0]["code"] == "FORBIDDEN"
    other = await ask(client, stranger, AUTO_ASSIGN, conversationId=conversation, teamId=team["id"])
    assert other["data"]["conversationAutoAssign"]["userErrors"][0]["code"] == "NOT_FOUND"
    assigned = await ask(
        client, agent_token, AUTO_ASSIGN, conversationId=conversation, teamId=team["id"]
    )
    assert assigned["data"]["conversationAutoAssign"] == {"assigneeId": agent_id, "userErrors": []}

    availability = await ask(
        client,
        admin,
        "query ($ids: [ID!]!) { agentAvailability(userIds: $ids) { userId status } }",
        ids=[agent_id, admin_id],
    )
    assert availability["data"]["agentAvailability"] == [{"userId": agent_id, "status": "ONLINE"}]


PRESENCE_TOUCH = """
mutation ($id: ID!, $activity: PresenceActivity!) {
  conversationPresenceTouch(input: {conversationId: $id, activity: $activity}) {
    present { userId activity } userErrors { field code }
  }
}
"""
PRESENCE = "query ($id: ID!) { conversationPresence(conversationId: $id) { userId activity } }"


async def test_presence_in_redis(
    client: httpx.AsyncClient,
    services: Services,
    pg_database: Database,
    seed: DemoSeed,
    stranger: str,
) -> None:
    conversation = to_global_id("Conversation", await open_with_clock(pg_database, seed, utcnow()))
    agent_id = to_global_id("User", user_of(seed, Role.AGENT))
    admin_id = to_global_id("User", user_of(seed, Role.ADMIN))

    await ask(client, None, PRESENCE_TOUCH, id=conversation, activity="VIEWING")
    typing = await ask(
        client,
        token_for(services, seed, Role.AGENT),
        PRESENCE_TOUCH,
        id=conversation,
        activity="TYPING",
    )
    assert typing["data"]["conversationPresenceTouch"] == {
        "present": [{"userId": agent_id, "activity": "TYPING"}],
        "userErrors": [],
    }
    viewing = await ask(
        client,
        token_for(services, seed, Role.ADMIN),
        PRESENCE_TOUCH,
        id=conversation,
        activity="VIEWING",
    )
    assert sorted(
        (entry["userId"], entry["activity"])
        for entry in viewing["data"]["conversationPresenceTouch"]["present"]
    ) == sorted([(agent_id, "TYPING"), (admin_id, "VIEWING")])
    analyst = await ask(
        client,
        token_for(services, seed, Role.ANALYST),
        PRESENCE_TOUCH,
        id=conversation,
        activity="TYPING",
    )
    assert analyst["data"]["conversationPresenceTouch"]["userErrors"] == [
        {"field": "conversationId", "code": "FORBIDDEN"}
    ]
    hidden = await ask(client, stranger, PRESENCE, id=conversation)
    assert (hidden["data"], error_codes(hidden)) == (None, ["NOT_FOUND"])
    forbidden = await ask(
        client, token_for(services, seed, Role.CLIENT_VIEWER), PRESENCE, id=conversation
    )
    assert (forbidden["data"], error_codes(forbidden)) == (None, ["FORBIDDEN"])
    seen = await ask(client, token_for(services, seed, Role.ANALYST), PRESENCE, id=conversation)
    assert len(seen["data"]["conversationPresence"]) == 2
    assert services.redis is not None
    _, raw_id = from_global_id(conversation, expected_type="Conversation")
    assert 0 < await services.redis.ttl(presence_key(seed.tenant_id, raw_id)) <= 31

    # Refreshing the same activity is no news; a new one is published once.
    await ask(
        client,
        token_for(services, seed, Role.AGENT),
        PRESENCE_TOUCH,
        id=conversation,
        activity="TYPING",
    )
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(seed.tenant_id)) as uow:
        kinds = (
            await uow.session.execute(
                select(OutboxMessage.payload).where(OutboxMessage.topic == INBOX_EVENT_TOPIC)
            )
        ).scalars()
        changes = [
            payload
            for payload in kinds
            if payload["kind"] == "presence_changed" and payload["conversation_id"] == str(raw_id)
        ]
    assert len(changes) == 2


POLICY_UPDATE = """
mutation ($id: ID!) {
  slaPolicyUpdate(input: {policyId: $id, policy: {name: "Default", firstResponseMinutes: 20}}) {
    policy { id version firstResponseMinutes } userErrors { field code }
  }
}
"""
POLICY_RETIRE = """
mutation ($id: ID!) {
  slaPolicyRetire(input: {policyId: $id}) { policy { retiredAt } userErrors { field code } }
}
"""
EVENT_UPDATE = """
mutation ($id: ID!, $startsAt: DateTime!, $endsAt: DateTime!) {
  brandEventUpdate(input: {eventId: $id, event: {kind: OTHER, title: "Renamed",
      startsAt: $startsAt, endsAt: $endsAt}}) {
    event { title kind } userErrors { field code }
  }
}
"""
EVENT_DELETE = """
mutation ($id: ID!) {
  brandEventDelete(input: {eventId: $id}) { event { id } userErrors { field code } }
}
"""
TEAM_UPDATE = """
mutation ($id: ID!) {
  teamUpdate(input: {teamId: $id, team: {name: "Night", strategy: LEAST_LOADED}}) {
    team { name strategy memberIds } userErrors { field code }
  }
}
"""
TEAM_DELETE = """
mutation ($id: ID!) { teamDelete(input: {teamId: $id}) { team { id } userErrors { field code } } }
"""


def refusal(body: dict[str, Any], name: str) -> list[str]:
    return [error["code"] for error in body["data"][name]["userErrors"]]


async def test_update_retire_and_delete_matrix(
    client: httpx.AsyncClient, services: Services, seed: DemoSeed, stranger: str
) -> None:
    brand = to_global_id("Brand", seed.brand_ids[BRAND])
    admin = token_for(services, seed, Role.ADMIN)
    agent = token_for(services, seed, Role.AGENT)
    policies = await ask(
        client, agent, "query ($b: ID!) { slaPolicies(brandId: $b) { id } }", b=brand
    )
    policy_id = policies["data"]["slaPolicies"][0]["id"]
    now = utcnow()
    window = {"startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=2)).isoformat()}
    await ask(client, admin, EVENT_CREATE, brandId=brand, **window)
    events = await ask(
        client, admin, "query ($b: ID!) { brandEvents(brandId: $b) { id title } }", b=brand
    )
    event_id = next(
        item["id"] for item in events["data"]["brandEvents"] if item["title"] == "Login outage"
    )
    team = await ask(client, admin, TEAM_CREATE, brandId=brand, members=[])
    team_id = team["data"]["teamCreate"]["team"]["id"]

    cases = [
        (POLICY_UPDATE, "slaPolicyUpdate", {"id": policy_id}),
        (EVENT_UPDATE, "brandEventUpdate", {"id": event_id, **window}),
        (TEAM_UPDATE, "teamUpdate", {"id": team_id}),
        (POLICY_RETIRE, "slaPolicyRetire", {"id": policy_id}),
        (EVENT_DELETE, "brandEventDelete", {"id": event_id}),
        (TEAM_DELETE, "teamDelete", {"id": team_id}),
    ]
    for query, name, variables in cases:
        await ask(client, None, query, **variables)
        assert refusal(await ask(client, agent, query, **variables), name) == ["FORBIDDEN"]
        assert refusal(await ask(client, stranger, query, **variables), name) == ["NOT_FOUND"]

    updated = await ask(client, admin, POLICY_UPDATE, id=policy_id)
    new_version = updated["data"]["slaPolicyUpdate"]["policy"]
    assert (new_version["version"], new_version["firstResponseMinutes"]) == (2, 20)
    assert new_version["id"] != policy_id
    assert refusal(await ask(client, admin, POLICY_UPDATE, id=policy_id), "slaPolicyUpdate") == [
        "NOT_FOUND"
    ]
    retired = await ask(client, admin, POLICY_RETIRE, id=new_version["id"])
    assert retired["data"]["slaPolicyRetire"]["policy"]["retiredAt"] is not None
    assert (
        await ask(client, agent, "query ($b: ID!) { slaPolicies(brandId: $b) { id } }", b=brand)
    )["data"]["slaPolicies"] == []

    renamed = await ask(client, admin, EVENT_UPDATE, id=event_id, **window)
    assert renamed["data"]["brandEventUpdate"] == {
        "event": {"title": "Renamed", "kind": "OTHER"},
        "userErrors": [],
    }
    night = await ask(client, admin, TEAM_UPDATE, id=team_id)
    assert night["data"]["teamUpdate"] == {
        "team": {"name": "Night", "strategy": "LEAST_LOADED", "memberIds": []},
        "userErrors": [],
    }
    deleted = await ask(client, admin, EVENT_DELETE, id=event_id)
    assert deleted["data"]["brandEventDelete"] == {"event": None, "userErrors": []}
    gone = await ask(client, admin, TEAM_DELETE, id=team_id)
    assert gone["data"]["teamDelete"] == {"team": None, "userErrors": []}
    assert (await ask(client, agent, "query ($b: ID!) { teams(brandId: $b) { id } }", b=brand))[
        "data"
    ]["teams"] == []


CONVERSATION_WITH_SLA = """
query ($id: ID!) {
  conversation(id: $id) {
    sla {
      conversationId firstResponseDueAt nextResponseDueAt resolutionDueAt
      paused breached remainingBusinessSeconds
      policy { name version }
      event { factor reason }
    }
  }
}
"""


async def test_the_conversation_shows_the_same_sla_as_conversation_sla(
    client: httpx.AsyncClient,
    services: Services,
    pg_database: Database,
    seed: DemoSeed,
) -> None:
    at = utcnow() - timedelta(minutes=1)
    conversation_id = await open_with_clock(pg_database, seed, at)
    global_id = to_global_id("Conversation", conversation_id)
    agent = token_for(services, seed, Role.AGENT)

    direct = await ask(client, agent, CONVERSATION_SLA, id=global_id)
    nested = await ask(client, agent, CONVERSATION_WITH_SLA, id=global_id)

    sla = nested["data"]["conversation"]["sla"]
    assert sla["firstResponseDueAt"] is not None
    assert sla["policy"] == {"name": "Default", "version": 1}
    # Remaining time moves with the clock between the two requests; the rest is equal.
    for body in (sla, direct["data"]["conversationSla"]):
        body.pop("remainingBusinessSeconds")
    assert sla == direct["data"]["conversationSla"]
