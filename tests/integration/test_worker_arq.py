"""Jobs through real Redis and an arq worker in burst mode."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from arq import create_pool, func
from arq.connections import ArqRedis, RedisSettings
from arq.jobs import Job
from arq.typing import WorkerCoroutine
from arq.worker import Retry, Worker

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


async def wait_until(check: Callable[[], bool], limit_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@dataclass(frozen=True)
class GroupQueue:
    """A queue of the test's own and a job group in it."""

    name: str
    queue: ArqJobQueue
    tenant_id: uuid.UUID
    group: str

    async def call(self, job_name: str, **kwargs: Any) -> bool:
        return await self.queue.enqueue_or_join(
            job_name, tenant_id=self.tenant_id, group=self.group, **kwargs
        )


@pytest.fixture
async def group_queue(arq_redis: ArqRedis) -> AsyncIterator[GroupQueue]:
    name = f"parley-test-{uuid.uuid4().hex}"
    group = f"test-group:{uuid.uuid4().hex}"
    yield GroupQueue(name, ArqJobQueue(arq_redis, queue_name=name), uuid.uuid4(), group)
    queued = [job_id.decode() for job_id in await arq_redis.zrange(name, 0, -1)]
    await arq_redis.delete(
        name,
        f"parley:job-group:{group}",
        *(f"{prefix}{job_id}" for job_id in queued for prefix in ("arq:job:", "arq:retry:")),
    )


@contextlib.asynccontextmanager
async def running_worker(
    redis_url: str, queue_name: str, function: WorkerCoroutine
) -> AsyncIterator[Worker]:
    """A (non-burst) arq worker of `function` on the queue while the block runs."""
    worker = Worker(
        functions=[func(function, name=function.__qualname__.rsplit(".", 1)[-1])],
        redis_settings=RedisSettings.from_dsn(redis_url),
        queue_name=queue_name,
        poll_delay=0.02,
        handle_signals=False,
    )
    running = asyncio.create_task(worker.main())
    try:
        yield worker
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await worker.close()


async def test_callers_join_a_group_job_until_a_worker_starts_it(
    arq_redis: ArqRedis, redis_url: str, group_queue: GroupQueue
) -> None:
    release = asyncio.Event()
    runs: list[int] = []

    async def hold(ctx: dict[str, Any], *, tenant_id: str, number: int) -> None:
        runs.append(number)
        await release.wait()

    # Nothing started yet: the second caller joins the first one's job.
    assert [await group_queue.call("hold", number=1), await group_queue.call("hold", number=2)] == [
        True,
        False,
    ]
    assert await arq_redis.zcard(group_queue.name) == 1

    async with running_worker(redis_url, group_queue.name, hold) as worker:
        await wait_until(lambda: runs == [1])
        # That job has started (it may have missed what is committed now): the next
        # caller gets a job of its own, and callers after it join that one.
        assert [
            await group_queue.call("hold", number=3),
            await group_queue.call("hold", number=4),
        ] == [True, False]
        await wait_until(lambda: runs == [1, 3])
        release.set()
        await wait_until(lambda: worker.jobs_complete == 2)


async def test_a_discarded_group_job_is_not_joined(
    arq_redis: ArqRedis, group_queue: GroupQueue
) -> None:
    assert await group_queue.call("hold") is True
    (first,) = [job_id.decode() for job_id in await arq_redis.zrange(group_queue.name, 0, -1)]
    assert first.startswith(f"{group_queue.group}:")

    # Another job did its work and dropped it from the queue: it will never run.
    await group_queue.queue.discard([first])

    assert await group_queue.call("hold") is True
    (second,) = [job_id.decode() for job_id in await arq_redis.zrange(group_queue.name, 0, -1)]
    assert second != first


async def test_a_group_job_waiting_for_its_retry_is_not_joined(
    arq_redis: ArqRedis, redis_url: str, group_queue: GroupQueue
) -> None:
    async def fail_once(ctx: dict[str, Any], *, tenant_id: str) -> None:
        raise Retry(defer=60)

    assert await group_queue.call("fail_once")
    async with running_worker(redis_url, group_queue.name, fail_once) as worker:
        await wait_until(lambda: worker.jobs_retried == 1)

    # Queued again, but its retry runs alone (without what joins): a new job.
    assert await group_queue.call("fail_once")
    assert await arq_redis.zcard(group_queue.name) == 2


async def test_a_gathering_group_job_is_due_later_and_joined_meanwhile(
    arq_redis: ArqRedis, group_queue: GroupQueue
) -> None:
    before = int(time.time() * 1000)
    gather = timedelta(seconds=30)

    assert await group_queue.call("hold", gather=gather) is True
    assert await group_queue.call("hold", gather=gather) is False

    ((job_id, score),) = await arq_redis.zrange(group_queue.name, 0, -1, withscores=True)
    assert job_id.decode().startswith(f"{group_queue.group}:")
    assert score >= before + 30_000
