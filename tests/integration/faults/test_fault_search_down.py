"""OpenSearch stopped while 1,000 events arrive: nothing is lost, the outbox drains after."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.services import Services
from domain.mentions.documents import MENTIONS_INDEX
from domain.settings import Settings
from domain.shared.clock import utcnow
from search.opensearch import OpenSearchIndex
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
from workers.jobs.indexing import drain_outboxes
from workers.queue import ArqJobQueue

# Serial: it stops a service every other test shares (see `make pytest`).
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch, pytest.mark.serial]

EVENTS = 1000


async def test_search_down_loses_nothing_and_the_outbox_drains_after_restart(
    fault_client: httpx.AsyncClient,
    fault_agency: Agency,
    fault_services: Services,
    fault_settings: Settings,
    live_index: OpenSearchIndex,
) -> None:
    database = fault_services.database
    tenant_id = fault_agency.tenant_id
    search_down = fault_settings.model_copy(update={"opensearch_url": DEAD_SEARCH_URL})

    statuses = await deliver_telegram(fault_client, fault_agency, telegram_bodies(EVENTS))
    assert statuses == [200] * EVENTS

    # Processing asks for indexing right after each commit: in the same burst the
    # indexing job meets the dead node, every batch it takes stays pending with a
    # backoff and arq retries until nothing is due any more.
    before = utcnow()
    worker = await run_burst(search_down)
    assert worker.jobs_failed == 0
    assert worker.jobs_retried >= 1
    assert await event_statuses(database, tenant_id) == {"processed": EVENTS}
    counts = await mention_counts(database, tenant_id)
    assert (counts.rows, counts.distinct_external_ids) == (EVENTS, EVENTS)

    queue = fault_services.queue
    assert isinstance(queue, ArqJobQueue)
    ctx: dict[str, Any] = {"database": database, "queue": queue}
    rows = await indexing_rows(database, tenant_id)
    assert len(rows) == EVENTS
    # How often a row was tried depends on how long the burst took (each retry
    # takes the rows whose backoff has passed); each one was, and is still pending.
    assert {row.done_at for row in rows} == {None}
    assert min(row.attempts for row in rows) >= 1
    assert {row.last_error for row in rows} == {"search backend unreachable: ConnectionError"}
    assert min(row.next_attempt_at for row in rows) >= before + timedelta(seconds=5)
    assert await live_index.count_documents(MENTIONS_INDEX, tenant_id=tenant_id) == 0

    # OpenSearch back: once the backoff has passed, the drain enqueues the
    # tenant's indexing job and a worker on the live node delivers every row.
    await asyncio.sleep(
        max(0.0, (max(row.next_attempt_at for row in rows) - utcnow()).total_seconds())
    )
    assert await drain_outboxes(ctx) >= 1
    worker = await run_burst(fault_settings)
    assert worker.jobs_complete >= 1
    assert worker.jobs_failed == 0

    rows = await indexing_rows(database, tenant_id)
    assert all(row.done_at is not None for row in rows)
    await live_index.refresh(MENTIONS_INDEX)
    assert await live_index.count_documents(MENTIONS_INDEX, tenant_id=tenant_id) == EVENTS
    assert (await mention_counts(database, tenant_id)).rows == EVENTS
