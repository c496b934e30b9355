"""Jobs asked for while a delivery is stored, enqueued once its response is sent.

The ingestion service enqueues `process_inbound_event` after its commit. Doing
that before answering added a Redis round trip to every acknowledgement; the
receiver hands the service a `DeferredJobQueue` instead and enqueues what it
collected in a background task that runs after the response. A rollback still
drops the jobs (the service registers them after commit only). An enqueue that
fails or never happens (the process dies in between, or `SendBudget` sheds it
under a flood) leaves the event pending, and the sweeper enqueues pending events
again: nothing accepted is lost.
"""

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.background import BackgroundTask

from domain.shared.ports import JobQueue

logger = logging.getLogger("parley.webhooks")


@dataclass(frozen=True, slots=True)
class _Job:
    name: str
    tenant_id: uuid.UUID
    job_id: str | None
    kwargs: dict[str, Any]


@dataclass(slots=True)
class DeferredJobQueue:
    """A `JobQueue` that only records; `send` hands the records to the real queue."""

    target: JobQueue
    jobs: list[_Job] = field(default_factory=list)

    async def enqueue(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str | None = None, **kwargs: Any
    ) -> None:
        self.jobs.append(_Job(job_name, tenant_id, job_id, kwargs))

    async def ping(self) -> bool:
        return await self.target.ping()

    async def close(self) -> None:
        """Nothing to release: the target queue belongs to the process."""

    async def send(self) -> None:
        """Enqueue every recorded job on the target, in order; failures are logged, not raised."""
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            try:
                await self.target.enqueue(
                    job.name, tenant_id=job.tenant_id, job_id=job.job_id, **job.kwargs
                )
            except Exception as error:
                # The event is committed and acknowledged; the sweeper enqueues it again.
                logger.warning(
                    "job %s (%s) not enqueued: %s", job.name, job.job_id, type(error).__name__
                )


class SendBudget:
    """How many `DeferredJobQueue.send`s may wait in this process at once.

    Under a flood of deliveries the API acknowledges faster than it enqueues (an
    arq enqueue is three Redis round trips), and every waiting send holds its
    request's memory: 50,000 deliveries at full speed took one API process to
    880 MiB. Past the limit a delivery's jobs are not enqueued at all: its event
    is committed and pending, and the worker takes it along with the next job
    it runs (companion events) or the sweeper enqueues it; nothing is lost, the
    event may only wait longer.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.waiting = 0
        self.shed = 0

    def background(self, deferred: DeferredJobQueue) -> BackgroundTask | None:
        """A task sending `deferred`'s jobs after the response, or None when `limit`
        sends are already waiting (counted in `shed`)."""
        if self.waiting >= self.limit:
            if self.shed % SHED_LOG_EVERY == 0:
                logger.warning("webhook jobs not enqueued, %d sends waiting (left for the worker)",
                               self.waiting)  # fmt: skip
            self.shed += 1
            return None
        self.waiting += 1
        return BackgroundTask(self._send, deferred)

    async def _send(self, deferred: DeferredJobQueue) -> None:
        try:
            await deferred.send()
        finally:
            self.waiting -= 1


#: Sends one API process lets wait; a few hundred milliseconds of acknowledgements.
MAX_WAITING_SENDS = 256
#: A warning for the first shed delivery and then every this many.
SHED_LOG_EVERY = 1000
#: The budget of this process (the receivers of one process share it).
SEND_BUDGET = SendBudget(MAX_WAITING_SENDS)
