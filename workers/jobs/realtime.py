"""Realtime jobs: publish the tenant's inbox events."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from domain.db.uow import UnitOfWork
from domain.realtime.service import EventPublisher, publish_inbox_events
from domain.shared.clock import utcnow
from workers.queue import RecurringJobQueue
from workers.runtime import JobContext, RetryableJobError, tenant_job

PUBLISH_INBOX_EVENTS_JOB = "publish_inbox_events"


def realtime_job_id(tenant_id: uuid.UUID) -> str:
    return f"realtime:{tenant_id}"


async def request_inbox_publishing(queue: RecurringJobQueue, tenant_id: uuid.UUID) -> None:
    """Have the tenant's due inbox events published soon (dropped while one is pending)."""
    await queue.enqueue_unless_pending(
        PUBLISH_INBOX_EVENTS_JOB, tenant_id=tenant_id, job_id=realtime_job_id(tenant_id)
    )


@tenant_job(PUBLISH_INBOX_EVENTS_JOB, max_tries=8)
async def publish_tenant_inbox_events(ctx: JobContext, uow: UnitOfWork) -> dict[str, int]:
    """Publish one batch of the tenant's due inbox events; retried while the broker is away."""
    publisher: EventPublisher = ctx["publisher"]
    run = await publish_inbox_events(uow, publisher=publisher, now=utcnow())
    if run.postponed:
        raise RetryableJobError("event broker unavailable")
    return {"claimed": run.claimed, "published": run.published}


JOBS: tuple[Callable[..., Awaitable[Any]], ...] = (publish_tenant_inbox_events,)
