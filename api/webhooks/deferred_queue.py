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
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from starlette.background import BackgroundTask

from domain.ingestion.service import PROCESS_INBOUND_EVENT_JOB
from domain.shared.ports import JobQueue, JoiningJobQueue

logger = logging.getLogger("parley.webhooks")


@dataclass(frozen=True, slots=True)
class _Job:
    name: str
    tenant_id: uuid.UUID
    job_id: str | None
    kwargs: dict[str, Any]
    #: Set for `enqueue_or_join`: the group the job may join, and how long it gathers.
    group: str | None = None
    gather: timedelta = timedelta(0)

    async def send_to(self, target: JobQueue) -> None:
        """Enqueue on `target`: joined to the group where the target can join."""
        if self.group is not None and isinstance(target, JoiningJobQueue):
            await target.enqueue_or_join(
                self.name,
                tenant_id=self.tenant_id,
                group=self.group,
                gather=self.gather,
                **self.kwargs,
            )
        else:
            await target.enqueue(
                self.name, tenant_id=self.tenant_id, job_id=self.job_id, **self.kwargs
            )


@dataclass(slots=True)
class DeferredJobQueue:
    """A `JoiningJobQueue` that only records; `send` hands the records to the real queue
    (joins where the real queue cannot join become plain enqueues)."""

    target: JobQueue
    jobs: list[_Job] = field(default_factory=list)

    async def enqueue(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str | None = None, **kwargs: Any
    ) -> None:
        self.jobs.append(_Job(job_name, tenant_id, job_id, kwargs))

    async def enqueue_or_join(
        self,
        job_name: str,
        *,
        tenant_id: uuid.UUID,
        group: str,
        gather: timedelta = timedelta(0),
        **kwargs: Any,
    ) -> bool:
        """Record the job; whether it joins another is known only when `send` runs."""
        self.jobs.append(_Job(job_name, tenant_id, None, kwargs, group, gather))
        return True

    async def ping(self) -> bool:
        return await self.target.ping()

    async def close(self) -> None:
        """Nothing to release: the target queue belongs to the process."""

    async def send(self) -> None:
        """Enqueue every recorded job on the target, in order; failures are logged, not raised."""
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            try:
                await job.send_to(self.target)
            except Exception as error:
                # The event is committed and acknowledged; the sweeper enqueues it again.
                logger.warning(
                    "job %s (%s) not enqueued: %s", job.name, job.job_id, type(error).__name__
                )


class SendBudget:
    """How many `DeferredJobQueue.send`s may wait in this process at once.

    Under a flood of deliveries the API acknowledges faster than it enqueues (a
    join is one Redis round trip, a plain arq enqueue three), and every waiting send
    holds its request's memory: 50,000 deliveries at full speed took one API process to
    880 MiB. Past the limit a delivery's jobs are not enqueued: its event is
    committed and pending. The budget remembers the last such event of each
    tenant and, once the sends waiting are down to half the limit, enqueues one
    catch-up job for it (`catch_up=True`: it takes the tenant's pending events
    along and hands on to another while some are left). Nothing is lost either
    way: the sweeper still enqueues whatever stays pending.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.waiting = 0
        self.shed = 0
        #: Per tenant, the last shed process job and the queue it was meant for.
        self._catch_up: dict[uuid.UUID, tuple[JobQueue, _Job]] = {}

    def background(self, deferred: DeferredJobQueue) -> BackgroundTask | None:
        """A task sending `deferred`'s jobs after the response, or None when `limit`
        sends are already waiting (counted in `shed`, remembered for catch-up)."""
        if self.waiting >= self.limit:
            if self.shed % SHED_LOG_EVERY == 0:
                logger.warning("webhook jobs not enqueued, %d sends waiting (caught up later)",
                               self.waiting)  # fmt: skip
            self.shed += 1
            for job in deferred.jobs:
                if job.name == PROCESS_INBOUND_EVENT_JOB:
                    self._catch_up[job.tenant_id] = (deferred.target, job)
            return None
        self.waiting += 1
        return BackgroundTask(self._send, deferred)

    async def _send(self, deferred: DeferredJobQueue) -> None:
        try:
            await deferred.send()
        finally:
            self.waiting -= 1
        if self._catch_up and self.waiting <= self.limit // 2:
            await self._send_catch_ups()

    async def _send_catch_ups(self) -> None:
        jobs, self._catch_up = self._catch_up, {}
        for target, job in jobs.values():
            catch_up = replace(job, job_id=None, kwargs={**job.kwargs, "catch_up": True})
            try:
                await catch_up.send_to(target)
            except Exception as error:
                # The events are committed; the sweeper enqueues them again.
                logger.warning("catch-up job not enqueued: %s", type(error).__name__)


#: Sends one API process lets wait; a few hundred milliseconds of acknowledgements.
MAX_WAITING_SENDS = 256
#: A warning for the first shed delivery and then every this many.
SHED_LOG_EVERY = 1000
#: The budget of this process (the receivers of one process share it).
SEND_BUDGET = SendBudget(MAX_WAITING_SENDS)
