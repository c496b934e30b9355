"""Ingestion jobs: stored inbound events become mentions, customers and conversations."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError

from domain.db.uow import UnitOfWork
from domain.ingestion import processing
from workers.runtime import JobContext, RetryableJobError, tenant_job

#: PostgreSQL errors that a new attempt resolves: serialization failure, deadlock.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


@tenant_job("process_inbound_event")
async def process_inbound_event(
    ctx: JobContext, uow: UnitOfWork, *, event_id: str
) -> dict[str, Any]:
    """Process one stored inbound event (the receivers enqueue it as ``inbound:<event_id>``).

    Idempotent: an event already processed or failed is skipped. A body that cannot be
    parsed fails the event for good (recorded on the event and its channel, never
    retried); passing database failures are retried with backoff. Returns the outcome's
    counts (no content).
    """
    try:
        outcome = await processing.process_inbound_event(uow, event_id=uuid.UUID(event_id))
        await uow.commit()
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES:
            raise RetryableJobError("transient database conflict") from error
        raise
    return outcome.as_dict()


JOBS: tuple[Callable[..., Awaitable[Any]], ...] = (process_inbound_event,)
