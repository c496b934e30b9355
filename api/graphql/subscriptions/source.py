"""Where a subscription reads a tenant's inbox events from.

With Redis configured, every subscription has its own pub/sub connection on
the tenant's channel (`parley:inbox:{tenant_id}`), where workers publish. The
embedded default has no Redis: jobs run in the API's process and publish on
`local_broker()`, which subscriptions read directly.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio.client import PubSub

from api.services import Services
from domain.realtime.broker import local_broker
from domain.realtime.service import inbox_channel


@asynccontextmanager
async def inbox_messages(
    services: Services, tenant_id: uuid.UUID
) -> AsyncIterator[AsyncIterator[str | bytes]]:
    """The raw messages on the tenant's inbox channel while the block runs.

    The subscription is in place when the block starts: nothing published
    afterwards is missed.
    """
    channel = inbox_channel(tenant_id)
    if services.redis is None:
        async with local_broker().subscribe(channel) as queue:
            yield _from_queue(queue)
        return
    pubsub = services.redis.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(channel)
        yield _from_pubsub(pubsub)
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]


async def _from_queue(queue: "asyncio.Queue[str]") -> AsyncIterator[str]:
    while True:
        yield await queue.get()


async def _from_pubsub(pubsub: PubSub) -> AsyncIterator[str | bytes]:
    async for message in pubsub.listen():
        if message["type"] == "message":
            yield message["data"]
