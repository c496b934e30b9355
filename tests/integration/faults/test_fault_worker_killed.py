"""A worker SIGKILLed in the middle of its jobs: the next worker loses nothing, doubles nothing."""

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.constants import in_progress_key_prefix

from api.services import Services
from domain.db.session import Database
from domain.settings import Settings
from tests.integration.faults.fault_scenario import (
    DEAD_SEARCH_URL,
    deliver_telegram,
    event_statuses,
    indexing_rows,
    mention_counts,
    run_burst,
    telegram_bodies,
)
from tests.integration.webhooks.webhook_scenario import Agency

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

EVENTS = 400
KILL_AFTER_PROCESSED = 80
PROJECT_ROOT = Path(__file__).resolve().parents[3]

# The worker process: `WorkerSettings` without cron, with a short job timeout so
# that the jobs it held when killed become runnable again within seconds (arq
# keeps a job's in-progress mark for the job timeout plus 10 s). Each job takes
# four companions, not the default 99: with big batches the first wave of
# concurrent jobs claims all 400 events at once and there is no "middle" left.
WORKER_SCRIPT = """
from arq.worker import run_worker
from domain.settings import Settings
from workers.jobs.ingestion import COMPANIONS_CTX_KEY
from workers.main import WorkerSettings, redis_settings

settings = Settings()
run_worker(
    WorkerSettings,
    cron_jobs=[],
    job_timeout=5,
    redis_settings=redis_settings(settings),
    ctx={"settings": settings, COMPANIONS_CTX_KEY: 4},
)
"""


def worker_environment(settings: Settings) -> dict[str, str]:
    assert settings.encryption_keys is not None
    assert settings.database_url is not None
    assert settings.redis_url is not None
    return {
        **os.environ,
        "PARLEY_ENVIRONMENT": "test",
        "PARLEY_TRIAGE_ENABLED": "false",
        "PARLEY_DATABASE_URL": settings.database_url,
        "PARLEY_DATABASE_OWNER_URL": settings.database_owner_url or settings.database_url,
        "PARLEY_REDIS_URL": settings.redis_url,
        "PARLEY_OPENSEARCH_URL": DEAD_SEARCH_URL,
        "PARLEY_SEARCH_INDEX_PREFIX": settings.search_index_prefix,
        "PARLEY_ENCRYPTION_KEYS": settings.encryption_keys.get_secret_value(),
        "PARLEY_DATA_DIR": str(settings.data_dir),
    }


async def kill_in_the_middle_of_a_job(
    worker: asyncio.subprocess.Process, redis: ArqRedis, database: Database, tenant_id: UUID
) -> tuple[list[bytes], int]:
    """SIGKILL `worker` once it has processed enough and is seen holding a job.

    The worker is frozen (SIGSTOP) before it is looked at, so what is seen (jobs
    in progress, events processed) is exactly the state it is killed in; if it is
    between jobs at that moment it is let go on (SIGCONT) and looked at again.
    Returns the in-progress marks and the processed count at the kill.
    """
    deadline = time.monotonic() + 40
    while True:
        assert worker.returncode is None, "the worker process stopped by itself"
        assert time.monotonic() < deadline, "the worker was never caught in the middle of a job"
        worker.send_signal(signal.SIGSTOP)
        processed = (await event_statuses(database, tenant_id))["processed"]
        held = await redis.keys(in_progress_key_prefix + "*")
        if processed >= KILL_AFTER_PROCESSED and held:
            worker.send_signal(signal.SIGKILL)
            return held, processed
        worker.send_signal(signal.SIGCONT)
        await asyncio.sleep(0.02)


async def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    fault_client: httpx.AsyncClient,
    fault_agency: Agency,
    fault_services: Services,
    fault_settings: Settings,
) -> None:
    database = fault_services.database
    tenant_id = fault_agency.tenant_id
    statuses = await deliver_telegram(fault_client, fault_agency, telegram_bodies(EVENTS))
    assert statuses == [200] * EVENTS

    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WORKER_SCRIPT,
        cwd=PROJECT_ROOT,
        env=worker_environment(fault_settings),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert fault_settings.redis_url is not None
    redis = await create_pool(RedisSettings.from_dsn(fault_settings.redis_url))
    try:
        held_when_killed, processed_when_killed = await kill_in_the_middle_of_a_job(
            worker, redis, database, tenant_id
        )
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGKILL)
        await worker.wait()
        await redis.aclose()
    assert held_when_killed, "the worker was killed between jobs, not in the middle of them"
    assert processed_when_killed < EVENTS

    await run_burst(fault_settings)

    assert await event_statuses(database, tenant_id) == {"processed": EVENTS}
    counts = await mention_counts(database, tenant_id)
    assert (counts.rows, counts.distinct_external_ids) == (EVENTS, EVENTS)
    assert len(await indexing_rows(database, tenant_id)) == EVENTS
