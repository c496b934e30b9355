"""The cron jobs that enqueue indexing and recover lost work, through real Redis and arq."""

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import Job
from arq.worker import Worker

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEvent, InboundEventStatus
from domain.mentions.documents import MENTIONS_INDEX
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.ports import SearchIndex
from tests.factories import TEST_ACTOR, make_tenant
from tests.integration.indexing.indexing_scenario import (
    add_mentions,
    make_place,
    outbox_rows,
    postpone_outbox,
    scope,
)
from workers.jobs.indexing import drain_outboxes, sweep_stale_work
from workers.main import WorkerSettings, shutdown, startup
from workers.queue import ArqJobQueue

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def queue_name() -> str:
    return f"parley-test-indexing-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def job_ids() -> set[str]:
    """Ids of the jobs a test makes, whose keys and kept results are removed afterwards."""
    return set()


@pytest.fixture
async def arq_redis(redis_url: str, queue_name: str, job_ids: set[str]) -> AsyncIterator[ArqRedis]:
    """Redis for the test's own queue; its jobs and their results are removed afterwards."""
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    yield redis
    job_ids.update(member.decode() for member in await redis.zrange(queue_name, 0, -1))
    keys = [prefix + job_id for job_id in job_ids for prefix in (job_key_prefix, result_key_prefix)]
    await redis.delete(queue_name, *keys)
    await redis.aclose()


async def queued(redis: ArqRedis, queue_name: str) -> dict[str, dict[str, Any]]:
    """The test queue's jobs by id: function and keyword arguments."""
    jobs: dict[str, dict[str, Any]] = {}
    for member in await redis.zrange(queue_name, 0, -1):
        job_id = member.decode()
        info = await Job(job_id, redis, _queue_name=queue_name).info()
        assert info is not None
        jobs[job_id] = {"function": info.function, "kwargs": info.kwargs}
    return jobs


async def add_inbound_event(
    database: Database,
    tenant_id: uuid.UUID,
    *,
    received_at: datetime,
    status: InboundEventStatus = InboundEventStatus.PENDING,
) -> uuid.UUID:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        event = InboundEvent(
            source="meta",
            dedupe_key=f"meta:{uuid.uuid4().hex}",
            body=b"{}",
            headers={},
            received_at=received_at,
            status=status,
            attempts=0,
        )
        uow.session.add(event)
        await uow.commit()
    return event.id


async def test_the_sweeper_enqueues_stale_pending_events_and_overdue_indexing_again(
    pg_database: Database, arq_redis: ArqRedis, queue_name: str, job_ids: set[str]
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    await make_tenant(pg_database, "agency-b")  # nothing pending: nothing enqueued
    minutes_ago = utcnow() - timedelta(minutes=5)
    stale = await add_inbound_event(pg_database, tenant, received_at=minutes_ago)
    await add_inbound_event(pg_database, tenant, received_at=utcnow())
    await add_inbound_event(
        pg_database, tenant, received_at=minutes_ago, status=InboundEventStatus.PROCESSED
    )
    place = await make_place(pg_database, "agency-a", "alpha", tenant_id=tenant)
    await add_mentions(pg_database, place, ["refund"])
    await postpone_outbox(pg_database, tenant, until=minutes_ago)
    job_ids.update({f"inbound:{stale}", f"index:{tenant}"})
    ctx = {"database": pg_database, "queue": ArqJobQueue(arq_redis, queue_name=queue_name)}

    assert await sweep_stale_work(ctx) == {"inbound_events": 1, "tenants_indexing": 1}
    assert await sweep_stale_work(ctx) == {"inbound_events": 1, "tenants_indexing": 1}

    assert await queued(arq_redis, queue_name) == {
        f"inbound:{stale}": {
            "function": "process_inbound_event",
            "kwargs": {"tenant_id": str(tenant), "event_id": str(stale)},
        },
        f"index:{tenant}": {"function": "index_mentions", "kwargs": {"tenant_id": str(tenant)}},
    }


def burst_worker(settings: Settings, redis_url: str, queue_name: str) -> Worker:
    return Worker(
        functions=WorkerSettings.functions,
        on_startup=startup,
        on_shutdown=shutdown,
        redis_settings=RedisSettings.from_dsn(redis_url),
        queue_name=queue_name,
        ctx={"settings": settings},
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )


@pytest.mark.opensearch
@pytest.mark.parametrize("backend", ["opensearch"], indirect=True)
async def test_drains_enqueue_one_job_per_tenant_with_due_rows_and_again_after_it_ran(
    database: Database,
    search_index: SearchIndex,
    index_prefix: str,
    services_settings: Settings,
    redis_url: str,
    arq_redis: ArqRedis,
    queue_name: str,
    job_ids: set[str],
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    idle = await make_place(database, "agency-b", "beta")
    await add_mentions(database, place, ["refund one", "refund two"])
    await add_mentions(database, idle, ["indexed long ago"], with_outbox=False)
    job_ids.add(f"index:{place.tenant_id}")
    ctx = {"database": database, "queue": ArqJobQueue(arq_redis, queue_name=queue_name)}
    settings = services_settings.model_copy(update={"search_index_prefix": index_prefix})

    assert await drain_outboxes(ctx) == 1
    assert await drain_outboxes(ctx) == 1  # dropped: the tenant's job is still queued
    assert list(await queued(arq_redis, queue_name)) == [f"index:{place.tenant_id}"]

    worker = burst_worker(settings, redis_url, queue_name)
    await worker.main()
    await worker.close()
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    await search_index.refresh(MENTIONS_INDEX)
    assert await search_index.count_documents(MENTIONS_INDEX, tenant_id=place.tenant_id) == 2

    # The finished job's result is kept in Redis, yet new rows get a new run.
    await add_mentions(database, place, ["refund three"])
    assert await drain_outboxes(ctx) == 1
    worker = burst_worker(settings, redis_url, queue_name)
    await worker.main()
    await worker.close()
    assert worker.jobs_complete == 1
    await search_index.refresh(MENTIONS_INDEX)
    assert await search_index.count_documents(MENTIONS_INDEX, tenant_id=place.tenant_id) == 3
    assert all(row.done_at is not None for row in await outbox_rows(database, place.tenant_id))
    assert await drain_outboxes(ctx) == 0
