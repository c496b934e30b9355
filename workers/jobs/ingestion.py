"""Ingestion jobs: stored inbound events become mentions, customers and conversations."""

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError

from domain.db.uow import UnitOfWork
from domain.ingestion import processing
from domain.ingestion.service import PROCESS_INBOUND_EVENT_JOB, join_catch_up_run
from domain.shared.ports import JoiningJobQueue
from domain.triage.ingestion import PipelineTriage, shared_triager
from workers.jobs.indexing import inbound_job_id
from workers.runtime import JobContext, RetryableJobError, tenant_job

logger = logging.getLogger("parley.jobs.ingestion")

#: The `ctx` key of the triage service the job hands stored mentions to.
TRIAGE_CTX_KEY = "triage"

#: The `ctx` key of how many other pending events a job processes along with its own
#: (see `processing.process_inbound_event`); absent means none. `parley worker` sets
#: `COMPANION_EVENTS`: one pipeline run per event cost about 45 statements, most of
#: them shared by a batch.
COMPANIONS_CTX_KEY = "inbound_companions"
COMPANION_EVENTS = 99

#: PostgreSQL errors that a new attempt resolves: serialization failure, deadlock.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


@tenant_job(PROCESS_INBOUND_EVENT_JOB)
async def process_inbound_event(
    ctx: JobContext, uow: UnitOfWork, *, event_id: str, catch_up: bool = False
) -> dict[str, Any]:
    """Process one stored inbound event (the receivers enqueue it as ``inbound:<event_id>``)
    and, on a first attempt, up to `ctx[COMPANIONS_CTX_KEY]` other pending events of the
    tenant.

    With `catch_up` (how the receivers enqueue on a queue that can join jobs: one such
    run of the tenant, queued and not yet started, serves every delivery until it
    starts; see `domain.ingestion.service.processing_group`) the companions are taken
    even when the event itself is done, and while pending events are left over the job
    asks for one more catch-up run, as does a retry (which processed its event alone):
    events that joined this run, or whose own jobs were never enqueued, are worked off
    without waiting for the sweeper.

    Idempotent: an event already processed or failed is skipped. A body that cannot be
    parsed fails the event for good (recorded on the event and its channel, never
    retried); passing database failures are retried with backoff. Returns the outcome's
    counts (no content). New and edited customer mentions are triaged in the same
    transaction by the service `install_triage` put in `ctx`.
    """
    # A first attempt takes other pending events along; a retry processes its own
    # event alone, so one event that keeps failing cannot hold others back.
    first_attempt = int(ctx.get("job_try", 1)) <= 1
    companions = int(ctx.get(COMPANIONS_CTX_KEY, 0)) if first_attempt else 0
    try:
        outcome = await processing.process_inbound_event(
            uow,
            event_id=uuid.UUID(event_id),
            triage=triage_service(ctx),
            follow_up=ctx.get("queue"),
            companions=companions,
            companions_when_done=catch_up,
        )
        await uow.commit()
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES:
            raise RetryableJobError("transient database conflict") from error
        raise
    await _drop_companion_jobs(ctx, outcome.companion_ids)
    if catch_up and (outcome.more_pending or not first_attempt):
        await _continue_with_pending(ctx, uow.require_scope().tenant_id, event_id)
    return outcome.as_dict()


async def _continue_with_pending(ctx: JobContext, tenant_id: uuid.UUID, event_id: str) -> None:
    """Have another catch-up run take the tenant's pending events this one had no room
    for (this job again: its event is done, so it only takes companions), joining
    one that has not started yet where the queue can.

    Each run asks for one more at most, and a run that finds nothing left asks for
    none. Best effort: the sweeper still finds whatever stays pending.
    """
    queue = ctx.get("queue")
    if queue is None:
        return
    try:
        if isinstance(queue, JoiningJobQueue):
            # Pending events are there already: the run starts at once.
            await join_catch_up_run(queue, tenant_id, event_id)
        else:
            await queue.enqueue(
                PROCESS_INBOUND_EVENT_JOB, tenant_id=tenant_id, event_id=event_id, catch_up=True
            )
    except Exception as error:  # whatever the queue backend raises
        logger.warning("pending events not handed on: %s", type(error).__name__)


async def _drop_companion_jobs(ctx: JobContext, event_ids: Sequence[uuid.UUID]) -> None:
    """Take the queued jobs of events this job has processed out of the queue.

    Each would only find its event processed and skip, at the cost of a job run
    and a transaction. Best effort: a job left in place still skips.
    """
    queue = ctx.get("queue")
    if queue is None or not event_ids:
        return
    try:
        await queue.discard([inbound_job_id(event_id) for event_id in event_ids])
    except Exception as error:  # whatever the queue backend raises
        logger.warning("jobs of processed companions not discarded: %s", type(error).__name__)


def triage_service(ctx: JobContext) -> processing.TriageService | None:
    """The worker's triage service: the one `install_triage` put in `ctx`, else none
    (mentions then stay pending)."""
    service: processing.TriageService | None = ctx.get(TRIAGE_CTX_KEY)
    return service


def install_triage(ctx: JobContext) -> processing.TriageService:
    """Put the triage pipeline in a worker's `ctx` (arq keeps one `ctx` per worker; call
    it at start-up) and return it; a service already there is kept.

    The service wraps the process-wide `shared_triager`, whose model takes seconds to
    load: each process loads it once, however many jobs or contexts it serves.
    """
    service: processing.TriageService | None = ctx.get(TRIAGE_CTX_KEY)
    if service is None:
        service = ctx[TRIAGE_CTX_KEY] = PipelineTriage(shared_triager())
    return service


JOBS: tuple[Callable[..., Awaitable[Any]], ...] = (process_inbound_event,)
