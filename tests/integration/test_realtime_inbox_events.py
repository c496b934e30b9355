"""Inbox events from the outbox to Redis pub/sub (and in-process for the embedded default)."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from domain.conversations.service import INBOX_EVENT_TOPIC
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.realtime.service import inbox_channel, publish_inbox_events
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_tenant
from workers.jobs.indexing import drain_outboxes
from workers.main import in_process_queue
from workers.realtime import InProcessEventPublisher, RedisEventPublisher

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def queue_inbox_events(database: Database, tenant_id: uuid.UUID, count: int) -> list[str]:
    conversation_ids = [str(uuid.uuid4()) for _ in range(count)]
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        for conversation_id in conversation_ids:
            uow.session.add(
                OutboxMessage(
                    topic=INBOX_EVENT_TOPIC,
                    payload={"conversation_id": conversation_id, "kind": "message_added"},
                    next_attempt_at=utcnow(),
                )
            )
        await uow.commit()
    return conversation_ids


async def pending(database: Database, tenant_id: uuid.UUID) -> list[OutboxMessage]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.done_at.is_(None))
        )
        return list(result.scalars())


async def test_events_reach_only_their_tenants_subscribers_in_order(
    pg_database: Database, redis: Redis
) -> None:
    tenant_a = await make_tenant(pg_database, "agency-a")
    tenant_b = await make_tenant(pg_database, "agency-b")
    expected = await queue_inbox_events(pg_database, tenant_a, 3)
    pubsub_a, pubsub_b = redis.pubsub(), redis.pubsub()
    for pubsub, tenant in ((pubsub_a, tenant_a), (pubsub_b, tenant_b)):
        await pubsub.subscribe(inbox_channel(tenant))
        # Wait for the server's confirmation: only then does a publish reach us.
        confirmation = await pubsub.get_message(timeout=2)
        assert confirmation is not None
        assert confirmation["type"] == "subscribe"

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant_a)) as uow:
        run = await publish_inbox_events(uow, publisher=RedisEventPublisher(redis), now=utcnow())

    received: list[dict[str, str]] = []
    while len(received) < 3:
        message = await pubsub_a.get_message(ignore_subscribe_messages=True, timeout=2)
        assert message is not None, "an inbox event did not arrive within 2 s"
        received.append(json.loads(message["data"]))
    assert (run.claimed, run.published, run.postponed) == (3, 3, 0)
    assert [event["conversation_id"] for event in received] == expected
    assert {event["tenant_id"] for event in received} == {str(tenant_a)}
    assert await pubsub_b.get_message(ignore_subscribe_messages=True, timeout=0.5) is None
    assert await pending(pg_database, tenant_a) == []
    await pubsub_a.aclose()  # type: ignore[no-untyped-call]
    await pubsub_b.aclose()  # type: ignore[no-untyped-call]


async def test_a_missing_broker_delays_events_and_loses_none(pg_database: Database) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    await queue_inbox_events(pg_database, tenant, 2)
    dead = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.5)
    try:
        async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant)) as uow:
            run = await publish_inbox_events(uow, publisher=RedisEventPublisher(dead), now=utcnow())
    finally:
        await dead.aclose()
    assert (run.published, run.postponed) == (0, 2)
    waiting = await pending(pg_database, tenant)
    assert [(row.attempts, row.last_error) for row in waiting] == [
        (1, "ConnectionError"),
        (1, "ConnectionError"),
    ]
    assert all(row.next_attempt_at > utcnow() for row in waiting)


async def test_the_embedded_runner_drains_and_publishes_in_process(
    sqlite_database: Database,
) -> None:
    tenant = await make_tenant(sqlite_database, "agency-a")
    expected = await queue_inbox_events(sqlite_database, tenant, 2)
    publisher = InProcessEventPublisher()
    subscriber = publisher.subscribe(inbox_channel(tenant))
    context: dict[str, object] = {"database": sqlite_database, "publisher": publisher}
    queue = in_process_queue(context)

    assert await drain_outboxes(context) == 1
    await queue.drain()

    received = [json.loads(subscriber.get_nowait()) for _ in range(2)]
    assert [event["conversation_id"] for event in received] == expected
    assert await pending(sqlite_database, tenant) == []
    with pytest.raises(asyncio.QueueEmpty):
        subscriber.get_nowait()
