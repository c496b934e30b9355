"""Search indexing and recovery jobs.

- `index_mentions` (per tenant, job id `index:{tenant_id}`) delivers the
  tenant's due `index_mention` outbox rows to the search index. Processing
  requests it right after its commit; one run takes batch after batch until
  nothing is due, so rows committed while it runs are not left for the cron.
- `drain_outboxes` (cron, every 10 s) enqueues `index_mentions` for every
  tenant with due rows.
- `sweep_stale_work` (cron, every minute) enqueues again what a lost job left
  behind (arq jobs vanish when Redis restarts mid-flight): inbound events still
  pending two minutes after they arrived, and outbox rows overdue as long.

Tenants are not tenant-owned, but what they hold is: the cron jobs list the
tenants, then look at each one in its own scope (row-level security forbids
reading across tenants, by design). The embedded default runs the same two
functions periodically in process (`start_in_process_schedule`).
"""

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Final

from arq.cron import CronJob, cron

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.processing import INDEX_MENTIONS_JOB, index_job_id
from domain.ingestion.repository import stale_inbound_event_ids
from domain.ingestion.service import PROCESS_INBOUND_EVENT_JOB
from domain.mentions.search import (
    IndexingRun,
    has_due_mention_indexing,
    index_due_mentions,
    list_tenant_ids,
)
from domain.realtime.service import has_due_inbox_events
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor, TenantScope
from workers.jobs.realtime import request_inbox_publishing
from workers.queue import InProcessJobQueue, RecurringJobQueue
from workers.runtime import JobContext, RetryableJobError, tenant_job

logger = logging.getLogger("parley.jobs.indexing")

#: Work still pending this long after it was due is taken to be lost.
STALE_AFTER: Final = timedelta(minutes=2)
#: Batches one `index_mentions` run delivers at most; the next drain takes the rest.
MAX_BATCHES_PER_RUN: Final = 20
#: Outbox rows per indexing batch: a Meta delivery of up to 1,000 entries is one batch,
#: so its claim, load and mark-done statements are paid once rather than twice.
INDEX_BATCH_SIZE: Final = 1000
#: Batches one `index_mentions` run delivers at the same time (see `index_due_mentions`).
INDEX_LANES: Final = 2
#: Inbound events one sweep enqueues per tenant at most.
MAX_SWEPT_EVENTS: Final = 1000
DRAIN_EVERY_SECONDS: Final = 10
SWEEP_EVERY_SECONDS: Final = 60

_DRAIN_ACTOR: Final = Actor.system("job:drain_outboxes")
_SWEEP_ACTOR: Final = Actor.system("job:sweep_stale_work")


def inbound_job_id(event_id: uuid.UUID) -> str:
    """The id of an inbound event's `process_inbound_event` job, as the receivers enqueue it."""
    return f"inbound:{event_id}"


async def request_mention_indexing(queue: RecurringJobQueue, tenant_id: uuid.UUID) -> None:
    """Have the tenant's due `index_mention` rows delivered soon.

    Dropped while the tenant's `index_mentions` job is queued or running (it
    will take the rows, or the next drain will); a finished run does not block.
    """
    await queue.enqueue_unless_pending(
        INDEX_MENTIONS_JOB, tenant_id=tenant_id, job_id=index_job_id(tenant_id)
    )


@tenant_job(INDEX_MENTIONS_JOB, max_tries=8)
async def index_mentions(
    ctx: JobContext, uow: UnitOfWork, *, batch_size: int = INDEX_BATCH_SIZE
) -> dict[str, int]:
    """Deliver the tenant's due `index_mention` outbox rows, batch after batch.

    Each batch is one transaction (`index_pending_mentions`), `INDEX_LANES` of them
    at a time (`index_due_mentions`); a batch that claimed rows is followed by
    another, up to `MAX_BATCHES_PER_RUN`, so the run ends only when nothing is due.
    When the index was unreachable or overloaded, the rows stay pending with a
    backoff and `RetryableJobError` makes arq try again. Returns counts (no content).
    """
    runs = await index_due_mentions(
        ctx["database"],
        scope=uow.require_scope(),
        actor=uow.actor,
        search=ctx["search"],
        batch_size=batch_size,
        lanes=INDEX_LANES,
        max_batches=MAX_BATCHES_PER_RUN,
    )
    totals = _totals(runs)
    waiting = next((run for run in runs if run.retry_later), None)
    if waiting is not None:
        raise RetryableJobError(f"search index unavailable: {waiting.error}")
    return totals


async def drain_outboxes(ctx: JobContext) -> int:
    """Enqueue the outbox consumers every tenant has due rows for; returns how many jobs.

    `index_mentions` for due `index_mention` rows, `publish_inbox_events` for
    due `inbox_event` rows.
    """
    database: Database = ctx["database"]
    queue: RecurringJobQueue = ctx["queue"]
    now = utcnow()
    requested = 0
    for tenant_id in await list_tenant_ids(database, actor=_DRAIN_ACTOR):
        async with UnitOfWork(database, actor=_DRAIN_ACTOR, scope=TenantScope(tenant_id)) as uow:
            indexing_due = await has_due_mention_indexing(uow, now=now)
            publishing_due = await has_due_inbox_events(uow, now=now)
        if indexing_due:
            await request_mention_indexing(queue, tenant_id)
            requested += 1
        if publishing_due:
            await request_inbox_publishing(queue, tenant_id)
            requested += 1
    return requested


async def sweep_stale_work(
    ctx: JobContext, *, stale_after: timedelta = STALE_AFTER
) -> dict[str, int]:
    """Enqueue again the work lost jobs left behind, in every tenant; returns counts.

    Inbound events still pending `stale_after` after they arrived get
    `process_inbound_event` (job id `inbound:{event_id}`, as the receivers
    use, so an event whose job still exists is not enqueued twice); tenants
    with `index_mention` rows overdue by `stale_after` get `index_mentions`.
    """
    database: Database = ctx["database"]
    queue: RecurringJobQueue = ctx["queue"]
    now = utcnow()
    events = tenants = 0
    for tenant_id in await list_tenant_ids(database, actor=_SWEEP_ACTOR):
        async with UnitOfWork(database, actor=_SWEEP_ACTOR, scope=TenantScope(tenant_id)) as uow:
            stale_events = await stale_inbound_event_ids(
                uow, received_before=now - stale_after, limit=MAX_SWEPT_EVENTS
            )
            overdue = await has_due_mention_indexing(uow, now=now, overdue_by=stale_after)
        for event_id in stale_events:
            await queue.enqueue(
                PROCESS_INBOUND_EVENT_JOB,
                tenant_id=tenant_id,
                job_id=inbound_job_id(event_id),
                event_id=str(event_id),
            )
        events += len(stale_events)
        if overdue:
            await request_mention_indexing(queue, tenant_id)
            tenants += 1
    if events or tenants:
        logger.info("swept %d stale inbound event(s), %d tenant(s) to index", events, tenants)
    return {"inbound_events": events, "tenants_indexing": tenants}


def start_in_process_schedule(queue: InProcessJobQueue) -> None:
    """Run `drain_outboxes` and `sweep_stale_work` periodically in the in-process runner.

    The embedded default has no arq worker and so no cron; its composition
    root calls this once after building the runner.
    """
    queue.run_periodically("drain_outboxes", drain_outboxes, every_seconds=DRAIN_EVERY_SECONDS)
    queue.run_periodically("sweep_stale_work", sweep_stale_work, every_seconds=SWEEP_EVERY_SECONDS)


def _totals(runs: list[IndexingRun]) -> dict[str, int]:
    return {
        "batches": len(runs),
        "claimed": sum(run.claimed for run in runs),
        "indexed": sum(run.indexed for run in runs),
        "removed": sum(run.removed for run in runs),
        "done": sum(run.done for run in runs),
        "failed": sum(run.failed for run in runs),
    }


JOBS: tuple[Callable[..., Awaitable[Any]], ...] = (index_mentions,)
CRON_JOBS: tuple[CronJob, ...] = (
    cron(
        drain_outboxes,
        name="drain_outboxes",
        second=set(range(0, 60, DRAIN_EVERY_SECONDS)),
        run_at_startup=True,
        max_tries=1,
        timeout=60,
    ),
    cron(
        sweep_stale_work,
        name="sweep_stale_work",
        second=30,
        run_at_startup=True,
        max_tries=1,
        timeout=120,
    ),
)
