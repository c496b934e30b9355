"""The conversation view, node(id:)/nodes(ids:), and statements per inbox page."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from api.services import Services
from domain.authz.policy import Role
from tests.api.inbox.conftest import World, ask, gid

pytestmark = pytest.mark.postgres

CONVERSATION = """
query Conversation($id: ID!) {
  conversation(id: $id) {
    id status priority kind messageCount handledBy snoozedUntil slaDueAt
    brand { slug } channel { name }
    customer { displayName identities { platform handle } }
    assignee { email }
    mentions(first: 2) {
      edges { node { text author { handle displayName } kind permalink
                     labels { priority category incident needsPrivate sensitiveKinds corrected }
                     reasons } }
      pageInfo { hasNextPage endCursor }
    }
    notes { body }
    events(first: 5) { nodes { kind } }
  }
}
"""

TIMELINE_PAGE = """
query($id: ID!, $after: String) {
  conversation(id: $id) {
    mentions(first: 5, after: $after) { nodes { text } pageInfo { hasNextPage } }
  }
}
"""

INBOX_PAGE = """
query Page($first: Int!) {
  inbox(first: $first) {
    nodes {
      id status priority slaDueAt
      customer { displayName isVip }
      lastMention { text postedAt labels { priority } }
      assignee { displayName }
      brand { name }
      channel { name }
    }
  }
}
"""


async def test_the_conversation_view(client: httpx.AsyncClient, world: World) -> None:
    customer = await world.customer("Ann Lee", handle="ann")
    conversation = await world.conversation(
        customer_id=customer,
        priority="hot",
        texts=("first", "second", "third"),
        labels={
            "category": "billing",
            "incident": "outage-1",
            "needs_private": True,
            "sensitive_data": ["iban"],
        },
        assignee_id=world.users[Role.AGENT],
    )
    token = world.token(Role.AGENT)
    body = (
        await ask(client, token, CONVERSATION, {"id": gid("Conversation", conversation)})
    ).json()
    assert "errors" not in body, body
    view = body["data"]["conversation"]
    assert view["status"] == "NEW"
    assert view["priority"] == "HOT"
    assert view["kind"] == "PUBLIC_THREAD"
    assert view["messageCount"] == 3
    assert view["brand"] == {"slug": "acme"}
    assert view["customer"] == {
        "displayName": "Ann Lee",
        "identities": [{"platform": "facebook", "handle": "ann"}],
    }
    assert view["assignee"] == {"email": "agent@agency.example"}
    texts = [edge["node"]["text"] for edge in view["mentions"]["edges"]]
    assert texts == ["first", "second"]
    assert view["mentions"]["pageInfo"]["hasNextPage"] is True
    assert view["mentions"]["edges"][0]["node"]["labels"] == {
        "priority": "hot",
        "category": "billing",
        "incident": "outage-1",
        "needsPrivate": True,
        "sensitiveKinds": ["iban"],
        "corrected": False,
    }
    rest = (
        await ask(
            client,
            token,
            TIMELINE_PAGE,
            {
                "id": gid("Conversation", conversation),
                "after": view["mentions"]["pageInfo"]["endCursor"],
            },
        )
    ).json()
    assert rest["data"]["conversation"]["mentions"] == {
        "nodes": [{"text": "third"}],
        "pageInfo": {"hasNextPage": False},
    }


async def test_conversation_authorisation(client: httpx.AsyncClient, world: World) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(customer_id=customer)
    variables = {"id": gid("Conversation", conversation)}
    assert (await ask(client, None, CONVERSATION, variables)).status_code == 401
    for token in (world.other_token(), world.token(Role.CLIENT_VIEWER)):
        body = (await ask(client, token, CONVERSATION, variables)).json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = (await ask(client, world.token(Role.ANALYST), CONVERSATION, variables)).json()
    assert body["data"]["conversation"]["id"] == variables["id"]


NODE = """
query($id: ID!, $ids: [ID!]!) {
  node(id: $id) { id ... on Conversation { status } }
  nodes(ids: $ids) { id __typename }
}
"""


async def test_node_and_nodes_return_null_across_tenants(
    client: httpx.AsyncClient, world: World
) -> None:
    customer = await world.customer("Ann Lee")
    ours = await world.conversation(customer_id=customer)
    other_customer = await world.customer("Bob", tenant_id=world.other_tenant_id)
    theirs = await world.conversation(
        customer_id=other_customer,
        tenant_id=world.other_tenant_id,
        brand_id=world.other_brand_id,
        channel_id=world.other_channel_id,
    )
    ids = [
        gid("Conversation", ours),
        gid("Conversation", theirs),
        gid("Customer", customer),
        gid("Customer", other_customer),
        "not-an-id",
    ]
    body = (await ask(client, world.token(Role.AGENT), NODE, {"id": ids[1], "ids": ids})).json()
    assert "errors" not in body, body
    assert body["data"]["node"] is None
    assert body["data"]["nodes"] == [
        {"id": ids[0], "__typename": "Conversation"},
        None,
        {"id": ids[2], "__typename": "Customer"},
        None,
        None,
    ]
    mine = (await ask(client, world.token(Role.AGENT), NODE, {"id": ids[0], "ids": []})).json()
    assert mine["data"]["node"] == {"id": ids[0], "status": "NEW"}
    theirs_view = (await ask(client, world.other_token(), NODE, {"id": ids[0], "ids": ids})).json()
    assert theirs_view["data"]["node"] is None
    assert [node and node["id"] for node in theirs_view["data"]["nodes"]] == [
        None,
        ids[1],
        None,
        ids[3],
        None,
    ]


async def test_nodes_takes_at_most_100_ids(client: httpx.AsyncClient, world: World) -> None:
    ids = [gid("Conversation", world.tenant_id)] * 101
    body = (await ask(client, world.token(Role.AGENT), NODE, {"id": ids[0], "ids": ids})).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@contextmanager
def counting_statements(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = services.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_statements_per_inbox_page_do_not_grow_with_page_size(
    client: httpx.AsyncClient, world: World, services: Services
) -> None:
    for index in range(50):
        customer = await world.customer(f"Customer {index}")
        await world.conversation(
            customer_id=customer,
            brand=("acme", "globex")[index % 2],
            priority=("hot", "cold")[index % 2],
            texts=("one", "two"),
            assignee_id=world.users[(Role.AGENT, Role.OWNER)[index % 2]],
        )
    token = world.token(Role.AGENT)
    await ask(client, token, INBOX_PAGE, {"first": 1})  # warm the caches
    counts = {}
    for size in (5, 50):
        with counting_statements(services) as statements:
            body = (await ask(client, token, INBOX_PAGE, {"first": size})).json()
        assert "errors" not in body, body
        assert len(body["data"]["inbox"]["nodes"]) == size
        counts[size] = len(statements)
    # Six for the caller and the page in one transaction (tenant setting, membership, user,
    # tenant, brands, conversations), then two per relation (tenant setting and one batch):
    # customer, last mention, assignee, brand, channel.
    assert counts == {5: 18, 50: 18}
