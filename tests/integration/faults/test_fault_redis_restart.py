"""Redis restarted in the middle of an ingest: the sweeper completes every accepted event."""

from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.services import Services
from domain.mentions.documents import MENTIONS_INDEX
from domain.settings import Settings
from search.opensearch import OpenSearchIndex
from tests.integration.faults.fault_scenario import (
    DisposableRedis,
    deliver_telegram,
    event_statuses,
    indexing_rows,
    mention_counts,
    run_burst,
    telegram_bodies,
)
from tests.integration.webhooks.webhook_scenario import Agency
from workers.jobs.indexing import drain_outboxes, sweep_stale_work
from workers.queue import ArqJobQueue

# Serial: it stops a service every other test shares (see `make pytest`).
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch, pytest.mark.serial]

HALF = 150


async def test_the_sweeper_completes_what_a_redis_restart_lost(
    fault_client: httpx.AsyncClient,
    fault_agency: Agency,
    fault_services: Services,
    fault_settings: Settings,
    own_redis: DisposableRedis,
    live_index: OpenSearchIndex,
) -> None:
    database = fault_services.database
    tenant_id = fault_agency.tenant_id
    bodies = telegram_bodies(2 * HALF)

    assert await deliver_telegram(fault_client, fault_agency, bodies[:HALF]) == [200] * HALF
    # Restarted without persistence: the first half's queued jobs are gone.
    await own_redis.kill()
    await own_redis.start()
    assert await deliver_telegram(fault_client, fault_agency, bodies[HALF:]) == [200] * HALF

    # Each job processes only its own event here: a job of the second half would
    # otherwise take lost events of the first half along, and the sweeper would
    # have nothing left to prove.
    await run_burst(fault_settings, companions=0)
    statuses = await event_statuses(database, tenant_id)
    assert statuses["pending"] >= HALF - 1  # at most the one delivery racing the kill got in
    assert statuses["pending"] + statuses["processed"] == 2 * HALF

    queue = fault_services.queue
    assert isinstance(queue, ArqJobQueue)
    ctx: dict[str, Any] = {"database": database, "queue": queue}
    swept = await sweep_stale_work(ctx, stale_after=timedelta(0))
    assert swept["inbound_events"] == statuses["pending"]
    # Processing asked for indexing after each commit, so the sweep finds at most a
    # straggler committed while the tenant's indexing job was finishing.
    assert swept["tenants_indexing"] in (0, 1)
    worker = await run_burst(fault_settings)
    assert worker.jobs_failed == 0

    assert await event_statuses(database, tenant_id) == {"processed": 2 * HALF}
    counts = await mention_counts(database, tenant_id)
    assert (counts.rows, counts.distinct_external_ids) == (2 * HALF, 2 * HALF)
    # Indexing ran alongside the processing jobs; the next drain takes what they wrote after it.
    await drain_outboxes(ctx)
    await run_burst(fault_settings)
    assert [row for row in await indexing_rows(database, tenant_id) if row.done_at is None] == []
    await live_index.refresh(MENTIONS_INDEX)
    assert await live_index.count_documents(MENTIONS_INDEX, tenant_id=tenant_id) == 2 * HALF
