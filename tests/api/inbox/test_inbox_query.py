"""The inbox: authorisation, filters, the default order and keyset paging both ways."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.authz.policy import Role
from domain.conversations.models import ConversationStatus
from tests.api.inbox.conftest import BASE_TIME, World, ask, gid

pytestmark = pytest.mark.postgres

INBOX = """
query Inbox($filter: InboxFilter, $orderBy: InboxOrder, $first: Int, $after: String,
            $last: Int, $before: String) {
  inbox(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
        before: $before) {
    edges { cursor node { id status priority slaDueAt openedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def ids_of(body: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in body["data"]["inbox"]["edges"]]


async def test_anonymous_callers_get_401(client: httpx.AsyncClient) -> None:
    response = await ask(client, None, INBOX)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_default_order_is_hot_then_sla_due_then_oldest(
    client: httpx.AsyncClient, world: World
) -> None:
    customer = await world.customer("Ann Lee")
    due_soon = BASE_TIME + timedelta(hours=1)
    due_later = BASE_TIME + timedelta(hours=2)
    cold_due = await world.conversation(customer_id=customer, priority="cold", sla_due_at=due_soon)
    hot_no_sla = await world.conversation(customer_id=customer, priority="hot")
    hot_due_later = await world.conversation(
        customer_id=customer, priority="hot", sla_due_at=due_later
    )
    untriaged = await world.conversation(customer_id=customer)
    hot_due_soon = await world.conversation(
        customer_id=customer, priority="hot", sla_due_at=due_soon
    )
    hot_due_soon_newer = await world.conversation(
        customer_id=customer, priority="hot", sla_due_at=due_soon
    )
    noise = await world.conversation(customer_id=customer, priority="noise", brand="globex")
    response = await ask(client, world.token(Role.AGENT), INBOX)
    assert ids_of(response.json()) == [
        gid("Conversation", conversation_id)
        for conversation_id in (
            hot_due_soon,
            hot_due_soon_newer,
            hot_due_later,
            hot_no_sla,
            cold_due,
            noise,
            untriaged,
        )
    ]


async def test_paging_forward_and_backward_has_no_gaps_or_duplicates(
    client: httpx.AsyncClient, world: World
) -> None:
    customer = await world.customer("Ann Lee")
    expected: list[str] = []
    created = []
    for index in range(11):
        priority = ("hot", "cold", None)[index % 3]
        due = BASE_TIME + timedelta(hours=index % 4) if index % 2 else None
        created.append(
            await world.conversation(customer_id=customer, priority=priority, sla_due_at=due)
        )
    everything = ids_of((await ask(client, world.token(Role.AGENT), INBOX, {"first": 100})).json())
    assert sorted(everything) == sorted(gid("Conversation", c) for c in created)

    token = world.token(Role.AGENT)
    forward: list[str] = []
    after = None
    pages = 0
    while True:
        body = (await ask(client, token, INBOX, {"first": 3, "after": after})).json()
        forward += ids_of(body)
        pages += 1
        info = body["data"]["inbox"]["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert forward == everything
    assert pages == 4

    backward: list[str] = []
    before = None
    while True:
        body = (await ask(client, token, INBOX, {"last": 4, "before": before})).json()
        backward = ids_of(body) + backward
        info = body["data"]["inbox"]["pageInfo"]
        if not info["hasPreviousPage"]:
            break
        before = info["startCursor"]
    assert backward == everything
    expected = everything
    assert len(set(expected)) == 11


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"first": 101}, "`first` must be between 0 and 100"),
        ({"last": 101}, "`last` must be between 0 and 100"),
        ({"first": 2, "last": 2}, "pass either `first` or `last`, not both"),
        ({"after": "not-a-cursor"}, "invalid cursor"),
    ],
)
async def test_bad_page_arguments_are_refused(
    client: httpx.AsyncClient, world: World, arguments: dict[str, Any], message: str
) -> None:
    body = (await ask(client, world.token(Role.AGENT), INBOX, arguments)).json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_cursor_of_another_order_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    customer = await world.customer("Ann Lee")
    await world.conversation(customer_id=customer)
    await world.conversation(customer_id=customer)
    token = world.token(Role.AGENT)
    body = (await ask(client, token, INBOX, {"first": 1, "orderBy": "NEWEST"})).json()
    cursor = body["data"]["inbox"]["pageInfo"]["endCursor"]
    refused = (await ask(client, token, INBOX, {"after": cursor})).json()
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_other_orders(client: httpx.AsyncClient, world: World) -> None:
    customer = await world.customer("Ann Lee")
    first = await world.conversation(customer_id=customer, texts=("a", "b", "c", "d"))
    second = await world.conversation(customer_id=customer, texts=("a",))
    token = world.token(Role.AGENT)
    newest = ids_of((await ask(client, token, INBOX, {"orderBy": "NEWEST"})).json())
    oldest = ids_of((await ask(client, token, INBOX, {"orderBy": "OLDEST"})).json())
    latest = ids_of((await ask(client, token, INBOX, {"orderBy": "LAST_MESSAGE"})).json())
    assert newest == [gid("Conversation", second), gid("Conversation", first)]
    assert oldest == [gid("Conversation", first), gid("Conversation", second)]
    # The first conversation's last message (opened + 3 min) is later than the second's.
    assert latest == [gid("Conversation", first), gid("Conversation", second)]


async def test_filters(client: httpx.AsyncClient, world: World) -> None:
    ann = await world.customer("Ann Lee")
    hot_acme = await world.conversation(
        customer_id=ann, priority="hot", labels={"category": "billing", "incident": "outage-1"}
    )
    cold_globex = await world.conversation(
        customer_id=ann, priority="cold", brand="globex", language="de"
    )
    assigned = await world.conversation(
        customer_id=ann, assignee_id=world.users[Role.AGENT], status=ConversationStatus.OPEN
    )
    snoozed = await world.conversation(
        customer_id=ann, snoozed_until=datetime.now(UTC) + timedelta(hours=1)
    )
    woke = await world.conversation(
        customer_id=ann, snoozed_until=datetime.now(UTC) - timedelta(hours=1)
    )
    token = world.token(Role.AGENT)

    async def found(inbox_filter: dict[str, Any]) -> set[uuid.UUID]:
        body = (await ask(client, token, INBOX, {"filter": inbox_filter})).json()
        assert "errors" not in body, body
        wanted = {
            gid("Conversation", c): c for c in (hot_acme, cold_globex, assigned, snoozed, woke)
        }
        return {wanted[node_id] for node_id in ids_of(body)}

    everything_awake = {hot_acme, cold_globex, assigned, woke}
    assert await found({}) == everything_awake
    assert await found({"includeSnoozed": True}) == everything_awake | {snoozed}
    assert await found({"brandIds": [gid("Brand", world.brand_ids["globex"])]}) == {cold_globex}
    assert await found({"brandIds": [gid("Brand", world.other_brand_id)]}) == set()
    assert await found({"brandIds": ["garbage"]}) == set()
    assert await found({"statuses": ["OPEN"]}) == {assigned}
    assert await found({"priorities": ["HOT", "COLD"]}) == {hot_acme, cold_globex}
    assert await found({"assigneeIds": [gid("User", world.users[Role.AGENT])]}) == {assigned}
    assert await found({"unassigned": True}) == {hot_acme, cold_globex, woke}
    assert (
        await found({"assigneeIds": [gid("User", world.users[Role.AGENT])], "unassigned": True})
        == everything_awake
    )
    assert await found({"channelIds": [gid("Channel", world.channel_ids["globex"])]}) == {
        cold_globex
    }
    assert await found({"languages": ["de"]}) == {cold_globex}
    assert await found({"categories": ["billing"]}) == {hot_acme}
    assert await found({"incidentKey": "outage-1"}) == {hot_acme}
    assert await found({"incidentKey": "outage-2"}) == set()


async def test_another_tenant_sees_none_of_these_conversations(
    client: httpx.AsyncClient, world: World
) -> None:
    customer = await world.customer("Ann Lee")
    await world.conversation(customer_id=customer, priority="hot")
    other_customer = await world.customer("Bob", tenant_id=world.other_tenant_id)
    theirs = await world.conversation(
        customer_id=other_customer,
        tenant_id=world.other_tenant_id,
        brand_id=world.other_brand_id,
        channel_id=world.other_channel_id,
    )
    body = (await ask(client, world.other_token(), INBOX)).json()
    assert ids_of(body) == [gid("Conversation", theirs)]


@pytest.mark.parametrize("role", [Role.CLIENT_APPROVER, Role.CLIENT_VIEWER])
async def test_client_roles_have_no_inbox(
    client: httpx.AsyncClient, world: World, role: Role
) -> None:
    customer = await world.customer("Ann Lee")
    await world.conversation(customer_id=customer, priority="hot")
    body = (await ask(client, world.token(role), INBOX)).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.AGENT, Role.ANALYST])
async def test_staff_roles_read_the_inbox(
    client: httpx.AsyncClient, world: World, role: Role
) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(customer_id=customer, priority="hot")
    body = (await ask(client, world.token(role), INBOX)).json()
    assert ids_of(body) == [gid("Conversation", conversation)]


async def test_a_token_without_the_inbox_scope_is_forbidden(
    client: httpx.AsyncClient, world: World
) -> None:
    body = (await ask(client, world.token(Role.OWNER, scopes=frozenset({"admin"})), INBOX)).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
