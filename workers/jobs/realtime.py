"""Realtime jobs: publish the tenant's inbox events.

`publish_inbox_events` (per tenant, job id `realtime:{tenant_id}`) is requested
by processing right after its commit and by the outbox drain cron. One run
publishes batch after batch until nothing is due, so rows committed while it
runs (when a new request was dropped as a duplicate) are not left for the cron.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Final

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.realtime.service import (
    PUBLISH_INBOX_EVENTS_JOB,
    EventPublisher,
    PublishRun,
    publish_inbox_events,
    realtime_job_id,
)
from domain.shared.clock import utcnow
from workers.queue import RecurringJobQueue
from workers.runtime import JobContext, RetryableJobError, tenant_job

__all__ = [
    "JOBS",
    "PUBLISH_INBOX_EVENTS_JOB",
    "publish_tenant_inbox_events",
    "realtime_job_id",
    "request_inbox_publishing",
]

#: Batches one run publishes at most; the next request or drain takes the rest.
MAX_BATCHES_PER_RUN: Final = 20


async def request_inbox_publishing(queue: RecurringJobQueue, tenant_id: uuid.UUID) -> None:
    """Have the tenant's due inbox events published soon (dropped while one is pending)."""
    await queue.enqueue_unless_pending(
        PUBLISH_INBOX_EVENTS_JOB, tenant_id=tenant_id, job_id=realtime_job_id(tenant_id)
    )


@tenant_job(PUBLISH_INBOX_EVENTS_JOB, max_tries=8)
async def publish_tenant_inbox_events(ctx: JobContext, uow: UnitOfWork) -> dict[str, int]:
    """Publish the tenant's due inbox events, batch after batch until none is due.

    Retried while the broker is away (the rows stay pending with a backoff).
    Returns counts (no content).
    """
    publisher: EventPublisher = ctx["publisher"]
    database: Database = ctx["database"]
    scope = uow.require_scope()
    runs: list[PublishRun] = [await publish_inbox_events(uow, publisher=publisher, now=utcnow())]
    while runs[-1].claimed and not runs[-1].postponed and len(runs) < MAX_BATCHES_PER_RUN:
        async with UnitOfWork(database, actor=uow.actor, scope=scope) as next_uow:
            runs.append(await publish_inbox_events(next_uow, publisher=publisher, now=utcnow()))
    if runs[-1].postponed:
        raise RetryableJobError("event broker unavailable")
    return {
        "claimed": sum(run.claimed for run in runs),
        "published": sum(run.published for run in runs),
    }


JOBS: tuple[Callable[..., Awaitable[Any]], ...] = (publish_tenant_inbox_events,)
