"""A processing job takes other pending events of its tenant along, once."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix
from sqlalchemy import func, select
from starlette.applications import Starlette

from api.services import Services
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEventStatus
from domain.mentions.models import Mention
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.webhooks.webhook_scenario import TELEGRAM_SECRET, Agency, stored_events
from tests.unit.channels.webhook_fixture_manifests import fixture
from workers.jobs.indexing import inbound_job_id
from workers.jobs.ingestion import COMPANIONS_CTX_KEY, process_inbound_event
from workers.queue import ArqJobQueue

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def telegram_update(number: int) -> bytes:
    update = json.loads(fixture("telegram", "01_").body)
    update["update_id"] += number
    update["message"]["message_id"] += number
    update["message"]["text"] = f"message number {number}"
    return json.dumps(update).encode()


async def deliver_updates(app: Starlette, agency: Agency, count: int) -> list[uuid.UUID]:
    """POST `count` distinct Telegram updates; the ids of the stored events, oldest first."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        for number in range(count):
            response = await http.post(
                agency.telegram_url,
                content=telegram_update(number),
                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            )
            assert response.status_code == 200
    return [
        event.id for event in await stored_events(app.state.services.database, agency.tenant_id)
    ]


async def run_job(
    services: Services, agency: Agency, event_id: uuid.UUID, *, job_try: int
) -> dict[str, Any]:
    ctx = {"database": services.database, "job_try": job_try, COMPANIONS_CTX_KEY: 99}
    result = await process_inbound_event(
        ctx, tenant_id=str(agency.tenant_id), event_id=str(event_id)
    )
    assert isinstance(result, dict)
    return result


async def statuses(services: Services, agency: Agency) -> list[InboundEventStatus]:
    return [event.status for event in await stored_events(services.database, agency.tenant_id)]


async def mention_count(services: Services, agency: Agency) -> int:
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        return int(
            (await uow.session.execute(select(func.count()).select_from(Mention))).scalar_one()
        )


async def test_a_first_attempt_processes_the_pending_events_of_its_tenant_together(
    app: Starlette, services: Services, agency: Agency
) -> None:
    first, *others = await deliver_updates(app, agency, 5)

    outcome = await run_job(services, agency, others[-1], job_try=1)
    later = [await run_job(services, agency, event_id, job_try=1) for event_id in (first, *others)]

    assert (outcome["status"], outcome["mentions"], outcome["created"]) == ("processed", 5, 5)
    assert [item["status"] for item in later] == ["skipped"] * 5
    assert await statuses(services, agency) == [InboundEventStatus.PROCESSED] * 5
    assert await mention_count(services, agency) == 5


async def test_a_retry_processes_its_own_event_alone(
    app: Starlette, services: Services, agency: Agency
) -> None:
    _, second, _ = await deliver_updates(app, agency, 3)

    outcome = await run_job(services, agency, second, job_try=2)

    assert (outcome["status"], outcome["mentions"]) == ("processed", 1)
    assert await statuses(services, agency) == [
        InboundEventStatus.PENDING,
        InboundEventStatus.PROCESSED,
        InboundEventStatus.PENDING,
    ]
    assert await mention_count(services, agency) == 1


@dataclass(frozen=True)
class OwnQueue:
    redis: ArqRedis
    name: str
    queue: ArqJobQueue


@pytest.fixture
async def own_queue(redis_url: str) -> AsyncIterator[OwnQueue]:
    """An arq queue of the test's own on the real Redis, emptied at the end."""
    name = f"parley-test-{uuid.uuid4().hex}"
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    yield OwnQueue(redis, name, ArqJobQueue(redis, queue_name=name))
    queued = await redis.queued_jobs(queue_name=name)
    await redis.delete(name, *(job_key_prefix + str(job.job_id) for job in queued))
    await redis.aclose()


def job_context(services: Services, own_queue: OwnQueue) -> dict[str, Any]:
    return {
        "database": services.database,
        "job_try": 1,
        COMPANIONS_CTX_KEY: 2,
        "queue": own_queue.queue,
    }


async def test_the_queued_jobs_of_processed_companions_are_dropped(
    app: Starlette, services: Services, agency: Agency, own_queue: OwnQueue
) -> None:
    events = await deliver_updates(app, agency, 4)
    job_ids = [inbound_job_id(event_id) for event_id in events]
    for event_id, job_id in zip(events, job_ids, strict=True):
        await own_queue.queue.enqueue(
            "process_inbound_event",
            tenant_id=agency.tenant_id,
            job_id=job_id,
            event_id=str(event_id),
        )

    # The job of the first event runs, taking the next two along; the last is left.
    await process_inbound_event(
        job_context(services, own_queue), tenant_id=str(agency.tenant_id), event_id=str(events[0])
    )

    queued = {job_id.decode() for job_id in await own_queue.redis.zrange(own_queue.name, 0, -1)}
    # (Indexing and realtime publishing were requested too.)
    assert {job_id for job_id in queued if job_id.startswith("inbound:")} == {
        job_ids[0],
        job_ids[3],
    }
    # Their data expires within a minute instead of arq's day.
    ttls = [await own_queue.redis.pttl(job_key_prefix + job_id) for job_id in job_ids]
    assert [ttl <= 60_000 for ttl in ttls] == [False, True, True, False]
    assert min(ttls) > 0


async def test_a_catch_up_run_that_had_no_room_for_every_pending_event_asks_for_another(
    app: Starlette, services: Services, agency: Agency, own_queue: OwnQueue
) -> None:
    events = await deliver_updates(app, agency, 5)
    ctx = job_context(services, own_queue)

    await process_inbound_event(
        ctx, tenant_id=str(agency.tenant_id), event_id=str(events[0]), catch_up=True
    )
    handed_on = [
        job
        for job in await own_queue.redis.queued_jobs(queue_name=own_queue.name)
        if job.function == "process_inbound_event"
    ]
    assert [job.kwargs for job in handed_on] == [
        {"tenant_id": str(agency.tenant_id), "event_id": str(events[0]), "catch_up": True}
    ]

    # The next run takes the last two, and asks for no more.
    outcome = await process_inbound_event(ctx, **handed_on[0].kwargs)
    assert isinstance(outcome, dict)
    assert (outcome["status"], outcome["mentions"]) == ("skipped", 2)
    assert await statuses(services, agency) == [InboundEventStatus.PROCESSED] * 5
    queued = await own_queue.redis.queued_jobs(queue_name=own_queue.name)
    assert [job.function for job in queued].count("process_inbound_event") == 1


async def test_deliveries_join_the_waiting_run_and_it_processes_them_all(
    app: Starlette, services: Services, agency: Agency, own_queue: OwnQueue
) -> None:
    services.queue = own_queue.queue

    events = await deliver_updates(app, agency, 6)

    # The first delivery enqueued a catch-up run; the other five joined it while it waited.
    (run,) = await own_queue.redis.queued_jobs(queue_name=own_queue.name)
    assert run.function == "process_inbound_event"
    assert str(run.job_id).startswith(f"inbound-batch:{agency.tenant_id}:")
    assert run.kwargs == {
        "tenant_id": str(agency.tenant_id),
        "event_id": str(events[0]),
        "catch_up": True,
    }
    ctx = {**job_context(services, own_queue), COMPANIONS_CTX_KEY: 99}
    outcome = await process_inbound_event(ctx, **run.kwargs)

    assert isinstance(outcome, dict)
    assert (outcome["status"], outcome["mentions"]) == ("processed", 6)
    assert await statuses(services, agency) == [InboundEventStatus.PROCESSED] * 6
    assert await mention_count(services, agency) == 6


async def test_a_retried_catch_up_run_processes_its_event_alone_and_hands_on(
    app: Starlette, services: Services, agency: Agency, own_queue: OwnQueue
) -> None:
    events = await deliver_updates(app, agency, 3)
    ctx = {**job_context(services, own_queue), "job_try": 2}

    outcome = await process_inbound_event(
        ctx, tenant_id=str(agency.tenant_id), event_id=str(events[0]), catch_up=True
    )

    assert isinstance(outcome, dict)
    assert (outcome["status"], outcome["mentions"]) == ("processed", 1)
    # What joined the run before its failed first attempt is left to the next run.
    handed_on = [
        job.kwargs
        for job in await own_queue.redis.queued_jobs(queue_name=own_queue.name)
        if job.function == "process_inbound_event"
    ]
    assert handed_on == [
        {"tenant_id": str(agency.tenant_id), "event_id": str(events[0]), "catch_up": True}
    ]
    assert await statuses(services, agency) == [
        InboundEventStatus.PROCESSED,
        InboundEventStatus.PENDING,
        InboundEventStatus.PENDING,
    ]
