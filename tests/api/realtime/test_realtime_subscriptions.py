"""Subscriptions over graphql-transport-ws on a live server, Redis pub/sub and a worker."""

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.worker import Worker
from redis.asyncio import Redis
from websockets.exceptions import InvalidStatus

from api.graphql.ids import to_global_id
from domain.authz.policy import Role
from domain.db.session import Database
from domain.realtime.service import inbox_channel
from tests.api.realtime.conftest import ALLOWED_ORIGIN, GraphQLSocket, LiveApi
from tests.factories import make_brand, make_member, make_tenant
from tests.integration.faults.fault_scenario import telegram_bodies
from tests.integration.webhooks.webhook_scenario import TELEGRAM_SECRET, build_agency

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]

OPERATIONS = Path(__file__).resolve().parents[3] / "frontend_contract" / "operations"
INBOX_EVENTS = (OPERATIONS / "InboxEvents.graphql").read_text()
CONVERSATION_EVENTS = (OPERATIONS / "ConversationEvents.graphql").read_text()
#: The issue's target: webhook accepted → event on a live inbox.
LATENCY_TARGET_SECONDS = 1.0


async def wait_for_subscribers(redis: Redis, tenant_id: uuid.UUID, count: int) -> None:
    """Until `count` connections listen on the tenant's channel (a publish reaches them)."""
    channel = inbox_channel(tenant_id)
    async with asyncio.timeout(5):
        while True:
            [(_, listening)] = await redis.pubsub_numsub(channel)
            if listening >= count:
                return
            await asyncio.sleep(0.01)


def publish_event(
    tenant_id: uuid.UUID, brand_id: uuid.UUID, conversation_id: uuid.UUID, kind: str
) -> str:
    return json.dumps(
        {
            "tenant_id": str(tenant_id),
            "at": "2026-03-14T10:00:00+00:00",
            "kind": kind,
            "brand_id": str(brand_id),
            "conversation_id": str(conversation_id),
            "mention_id": None,
        }
    )


async def member_token(
    live_api: LiveApi,
    database: Database,
    tenant_id: uuid.UUID,
    role: Role,
    brands: tuple[str, ...] = (),
    ttl_seconds: int = 300,
    issued_at: int | None = None,
) -> str:
    user_id = await make_member(
        database, tenant_id, f"{role.value}-{uuid.uuid4().hex[:6]}@agency.example", role, brands
    )
    return live_api.token(
        user_id=user_id,
        tenant_id=tenant_id,
        role=role,
        ttl_seconds=ttl_seconds,
        issued_at=issued_at,
    )


async def subscribed(
    open_socket: Any, token: str, query: str, variables: dict[str, Any] | None = None
) -> GraphQLSocket:
    socket: GraphQLSocket = await open_socket()
    assert await socket.init(token) == {"type": "connection_ack"}
    await socket.subscribe("1", query, variables)
    return socket


async def refusal_codes(socket: GraphQLSocket) -> list[str]:
    """The `extensions.code`s of the errors that end the subscription "1", with no data."""
    message = await socket.receive()
    assert message["type"] == "next"
    assert message["id"] == "1"
    assert message["payload"]["data"] is None
    assert await socket.receive() == {"id": "1", "type": "complete"}
    return [error["extensions"]["code"] for error in message["payload"]["errors"]]


async def test_a_webhook_reaches_a_subscriber_within_one_second(
    live_api: LiveApi, running_worker: Worker, open_socket: Any, pg_database: Database
) -> None:
    agency = await build_agency(pg_database)
    other_tenant = await make_tenant(pg_database, "elsewhere")
    await make_brand(pg_database, other_tenant, "elsewhere")
    agent = await member_token(live_api, pg_database, agency.tenant_id, Role.AGENT)
    stranger = await member_token(live_api, pg_database, other_tenant, Role.OWNER)
    watcher = await subscribed(open_socket, agent, INBOX_EVENTS)
    outsider = await subscribed(open_socket, stranger, INBOX_EVENTS)
    assert live_api.services.redis is not None
    await wait_for_subscribers(live_api.services.redis, agency.tenant_id, 1)
    await wait_for_subscribers(live_api.services.redis, other_tenant, 1)

    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    # Two customers' first messages: the first delivery meets a cold worker (the first
    # use of every SQL statement compiles it), the second one is the steady state.
    elapsed: list[float] = []
    async with httpx.AsyncClient(base_url=live_api.base_url) as http:
        for body in telegram_bodies(2):
            started = time.perf_counter()
            response = await http.post(agency.telegram_url, content=body, headers=headers)
            first = await watcher.receive()
            elapsed.append(time.perf_counter() - started)
            assert response.status_code == 200
            assert first["type"] == "next"
            assert first["id"] == "1"
            event = first["payload"]["data"]["inboxEvents"]
            assert event["kind"] == "opened"
            assert event["brandId"] == to_global_id("Brand", agency.brand_id)
            assert event["conversationId"] is not None
            assert event["mentionId"] is not None
            # The same change added the message and triaged it.
            kinds = {event["kind"]}
            while not {"message_added", "triaged"} <= kinds:
                kinds.add((await watcher.receive())["payload"]["data"]["inboxEvents"]["kind"])

    print(
        "webhook → inbox event: first (cold worker) {:.0f} ms, then {:.0f} ms".format(
            *(seconds * 1000 for seconds in elapsed)
        )
    )
    assert elapsed[1] <= LATENCY_TARGET_SECONDS
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await outsider.receive()


async def test_connection_init_without_a_valid_token_is_refused(
    live_api: LiveApi, open_socket: Any, pg_database: Database
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    # Expired longer ago than the validation's clock leeway.
    expired = await member_token(
        live_api, pg_database, tenant, Role.AGENT, issued_at=int(time.time()) - 400
    )

    for token in (None, "not-a-jwt", expired):
        socket: GraphQLSocket = await open_socket()
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await socket.send({"type": "connection_init", "payload": payload})
        assert await socket.close_code() == 4403


async def test_subscribing_before_connection_init_is_refused(
    live_api: LiveApi, open_socket: Any
) -> None:
    socket: GraphQLSocket = await open_socket()
    await socket.subscribe("1", INBOX_EVENTS)
    assert await socket.close_code() == 4401


async def test_a_client_role_without_inbox_read_gets_forbidden(
    live_api: LiveApi, open_socket: Any, pg_database: Database
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    await make_brand(pg_database, tenant, "kestrel")
    for role in (Role.CLIENT_APPROVER, Role.CLIENT_VIEWER):
        token = await member_token(live_api, pg_database, tenant, role, ("kestrel",))
        socket = await subscribed(open_socket, token, INBOX_EVENTS)
        assert await refusal_codes(socket) == ["FORBIDDEN"]


async def test_events_are_filtered_by_tenant_brand_and_conversation(
    live_api: LiveApi, open_socket: Any, pg_database: Database
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    alpha = await make_brand(pg_database, tenant, "alpha")
    beta = await make_brand(pg_database, tenant, "beta")
    token = await member_token(live_api, pg_database, tenant, Role.AGENT)
    alpha_only = await subscribed(
        open_socket, token, INBOX_EVENTS, {"brandIds": [to_global_id("Brand", alpha.id)]}
    )
    redis = live_api.services.redis
    assert redis is not None
    await wait_for_subscribers(redis, tenant, 1)

    conversation = uuid.uuid4()
    channel = inbox_channel(tenant)
    # Another tenant's message on this channel, another brand, garbage: none delivered.
    await redis.publish(channel, publish_event(uuid.uuid4(), alpha.id, conversation, "leak"))
    await redis.publish(channel, publish_event(tenant, beta.id, conversation, "other_brand"))
    await redis.publish(channel, "not json")
    await redis.publish(channel, publish_event(tenant, alpha.id, conversation, "message_added"))

    message = await alpha_only.receive()
    assert message["payload"]["data"]["inboxEvents"] == {
        "kind": "message_added",
        "brandId": to_global_id("Brand", alpha.id),
        "conversationId": to_global_id("Conversation", conversation),
        "mentionId": None,
        "occurredAt": "2026-03-14T10:00:00+00:00",
    }


async def test_an_unknown_or_foreign_brand_or_conversation_is_not_found(
    live_api: LiveApi, open_socket: Any, pg_database: Database
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    other = await make_tenant(pg_database, "agency-b")
    foreign_brand = await make_brand(pg_database, other, "foreign")
    token = await member_token(live_api, pg_database, tenant, Role.OWNER)
    cases: list[tuple[str, dict[str, Any]]] = [
        (INBOX_EVENTS, {"brandIds": [to_global_id("Brand", foreign_brand.id)]}),
        (CONVERSATION_EVENTS, {"id": to_global_id("Conversation", uuid.uuid4())}),
        (CONVERSATION_EVENTS, {"id": "garbage"}),
    ]
    for query, variables in cases:
        socket = await subscribed(open_socket, token, query, variables)
        assert await refusal_codes(socket) == ["NOT_FOUND"]


async def test_a_subscription_ends_when_its_token_expires(
    live_api: LiveApi, open_socket: Any, pg_database: Database
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    await make_brand(pg_database, tenant, "alpha")
    token = await member_token(live_api, pg_database, tenant, Role.AGENT, ttl_seconds=2)
    socket = await subscribed(open_socket, token, INBOX_EVENTS)
    assert await refusal_codes(socket) == ["UNAUTHENTICATED"]


async def test_websocket_origins_are_checked_at_the_handshake(
    live_api: LiveApi, open_socket: Any
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await open_socket(origin="https://evil.example")
    assert refused.value.response.status_code == 403
    allowed: GraphQLSocket = await open_socket(origin=ALLOWED_ORIGIN)
    await allowed.send({"type": "ping"})
    assert await allowed.receive() == {"type": "pong"}
