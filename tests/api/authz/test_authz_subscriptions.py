"""Every subscription × every caller over graphql-transport-ws on a live server.

Anonymous connections are refused at `connection_init`; roles without the
permission get FORBIDDEN and no data; another tenant's admin sees none of
tenant A's events; permitted roles receive them.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect

from api.app import create_app
from domain.authz.policy import Role
from domain.realtime.service import inbox_channel
from domain.settings import Settings
from tests.api.authz.cases import CASES, SUBSCRIPTIONS, document
from tests.api.authz.conftest import CLIENT_BRAND, World, gid
from tests.api.realtime.conftest import SUBPROTOCOL, GraphQLSocket, served

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]

#: How long a caller who must get nothing is watched.
QUIET_SECONDS = 0.5


class Live:
    """The app served on a local port, and sockets opened to it."""

    def __init__(self, base_url: str) -> None:
        self.ws_url = base_url.replace("http://", "ws://") + "/graphql"
        self.opened: list[ClientConnection] = []

    async def socket(self) -> GraphQLSocket:
        connection = await connect(
            self.ws_url,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            open_timeout=5,
        )
        self.opened.append(connection)
        return GraphQLSocket(connection)

    async def subscribed(self, token: str, query: str, variables: dict[str, Any]) -> GraphQLSocket:
        socket = await self.socket()
        assert await socket.init(token) == {"type": "connection_ack"}
        await socket.subscribe("1", query, variables)
        return socket


@pytest.fixture(scope="module")
async def live(world: World, services_settings: Settings) -> AsyncIterator[Live]:
    async with served(create_app(services_settings, services=world.services)) as base_url:
        serving = Live(base_url)
        yield serving
        for connection in serving.opened:
            await connection.close()


async def refusal_codes(socket: GraphQLSocket) -> list[str]:
    """The error codes that end subscription "1" without data."""
    message = await socket.receive()
    assert message["type"] == "next", message
    assert message["payload"]["data"] is None, message
    assert await socket.receive() == {"id": "1", "type": "complete"}
    return [error["extensions"]["code"] for error in message["payload"]["errors"]]


async def listeners(redis: Redis, tenant_id: uuid.UUID) -> int:
    [(_, count)] = await redis.pubsub_numsub(inbox_channel(tenant_id))
    return int(count)


async def wait_for_listeners(redis: Redis, tenant_id: uuid.UUID, count: int) -> None:
    """Until `count` connections listen on the tenant's channel (a publish reaches them)."""
    async with asyncio.timeout(5):
        while True:
            if await listeners(redis, tenant_id) >= count:
                return
            await asyncio.sleep(0.01)


async def publish_acme_event(world: World, redis: Redis, kind: str) -> None:
    """An event of tenant A's acme conversation, as the workers publish it."""
    await redis.publish(
        inbox_channel(world.tenant_id),
        json.dumps(
            {
                "tenant_id": str(world.tenant_id),
                "at": "2026-11-02T10:00:00+00:00",
                "kind": kind,
                "brand_id": str(world.brand_ids[CLIENT_BRAND]),
                "conversation_id": str(world.conversation_ids[CLIENT_BRAND]),
                "mention_id": None,
            }
        ),
    )


@pytest.mark.parametrize("name", sorted(SUBSCRIPTIONS))
async def test_a_subscription_answers_each_caller_as_the_policy_says(
    world: World, live: Live, name: str
) -> None:
    key = f"Subscription.{name}"
    case = CASES[key]
    variables = await case.variables(world)
    query = document(key, variables)
    redis = world.services.redis
    assert redis is not None

    anonymous = await live.socket()
    await anonymous.send({"type": "connection_init", "payload": {}})
    assert await anonymous.close_code() == 4403

    for role in sorted(set(Role) - case.allowed_roles):
        refused = await live.subscribed(world.token(role), query, variables)
        assert await refusal_codes(refused) == ["FORBIDDEN"], role

    # Another tenant's admin: A's conversation is unknown; its own inbox hears nothing of A.
    outsider = await live.subscribed(world.other_token(), query, variables)
    if "id" in variables:
        assert await refusal_codes(outsider) == ["NOT_FOUND"]

    before = await listeners(redis, world.tenant_id)
    watchers = {
        role: await live.subscribed(world.token(role), query, variables)
        for role in sorted(case.allowed_roles)
    }
    await wait_for_listeners(redis, world.tenant_id, before + len(watchers))
    await publish_acme_event(world, redis, f"note_added_{name}")

    for role, socket in watchers.items():
        message = await socket.receive()
        assert message["type"] == "next", (role, message)
        event = message["payload"]["data"][name]
        assert event["kind"] == f"note_added_{name}", role
        assert event["conversationId"] == gid(
            "Conversation", world.conversation_ids[CLIENT_BRAND]
        ), role
    if "id" not in variables:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(QUIET_SECONDS):
                await outsider.receive()
    for socket in [outsider, *watchers.values()]:
        await socket.connection.close()
