"""Jobs through real Redis and an arq worker in burst mode."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.jobs import Job
from arq.worker import Worker

from domain.channels.models import ChannelHealth
from domain.channels.repository import ChannelRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from domain.triage.ingestion import PipelineTriage
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_tenant
from workers.jobs.ingestion import TRIAGE_CTX_KEY
from workers.main import WorkerSettings, shutdown, startup
from workers.queue import ArqJobQueue
from workers.runtime import JobOutcome

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
async def arq_redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    yield redis
    await redis.aclose()


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


async def test_an_enqueued_job_runs_in_a_burst_worker(
    pg_database: Database, services_settings: Settings, redis_url: str, arq_redis: ArqRedis
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    brand = await make_brand(pg_database, tenant, "alpha")
    channel = await make_channel(pg_database, tenant, brand.id, external_account_id="p1")
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant)) as uow:
        stored = await ChannelRepository(uow).get(channel.id)
        stored.last_event_at = utcnow() - timedelta(minutes=3)
        await uow.commit()

    queue_name = f"parley-test-{uuid.uuid4().hex[:8]}"
    queue = ArqJobQueue(arq_redis, queue_name=queue_name)
    await queue.enqueue(
        "refresh_channel_health",
        tenant_id=tenant,
        job_id=f"health-{channel.id}",
        channel_id=str(channel.id),
    )
    # The same job id while the first is queued is dropped, not run twice.
    await queue.enqueue(
        "refresh_channel_health",
        tenant_id=tenant,
        job_id=f"health-{channel.id}",
        channel_id=str(channel.id),
    )

    worker = burst_worker(services_settings, redis_url, queue_name)
    await worker.main()
    await worker.close()

    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (1, 0, 0)
    # The worker's start-up installs the triage pipeline for ingestion jobs.
    assert isinstance(worker.ctx[TRIAGE_CTX_KEY], PipelineTriage)
    result = await Job(f"health-{channel.id}", arq_redis, _queue_name=queue_name).result(timeout=5)
    assert result == "healthy"
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant)) as uow:
        refreshed = await ChannelRepository(uow).get(channel.id)
    assert refreshed.health is ChannelHealth.HEALTHY
    assert refreshed.health_checked_at is not None


async def test_bad_data_is_terminal_and_not_retried(
    pg_database: Database, services_settings: Settings, redis_url: str, arq_redis: ArqRedis
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    queue_name = f"parley-test-{uuid.uuid4().hex[:8]}"
    missing_channel = uuid.uuid4()
    await ArqJobQueue(arq_redis, queue_name=queue_name).enqueue(
        "refresh_channel_health",
        tenant_id=tenant,
        job_id="missing",
        channel_id=str(missing_channel),
    )
    worker = burst_worker(services_settings, redis_url, queue_name)
    await worker.main()
    await worker.close()

    assert worker.jobs_retried == 0
    result = await Job("missing", arq_redis, _queue_name=queue_name).result(timeout=5)
    assert result == JobOutcome(status="failed", detail="NotFoundError")


async def test_a_follow_up_job_goes_ahead_of_jobs_already_queued(arq_redis: ArqRedis) -> None:
    queue_name = f"parley-test-{uuid.uuid4().hex}"
    queue = ArqJobQueue(arq_redis, queue_name=queue_name)
    tenant_id = uuid.uuid4()
    try:
        await queue.enqueue("process_inbound_event", tenant_id=tenant_id, job_id="backlog-1")
        await queue.enqueue("process_inbound_event", tenant_id=tenant_id, job_id="backlog-2")
        await queue.enqueue_unless_pending(
            "index_mentions", tenant_id=tenant_id, job_id=f"index:{tenant_id}"
        )

        # arq starts due jobs lowest score first.
        order = await arq_redis.zrange(queue_name, 0, -1)
        assert [job_id.decode() for job_id in order] == [
            f"index:{tenant_id}",
            "backlog-1",
            "backlog-2",
        ]
        # Moved back in time, the job still has its day to be started in.
        assert await arq_redis.pttl(f"arq:job:index:{tenant_id}") > 23 * 3600 * 1000
    finally:
        await arq_redis.delete(queue_name)
        for job_id in ("backlog-1", "backlog-2", f"index:{tenant_id}"):
            await arq_redis.delete(f"arq:job:{job_id}")
