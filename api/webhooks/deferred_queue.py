"""Jobs asked for while a delivery is stored, enqueued once its response is sent.

The ingestion service enqueues `process_inbound_event` after its commit. Doing
that before answering added a Redis round trip to every acknowledgement; the
receiver hands the service a `DeferredJobQueue` instead and enqueues what it
collected in a background task that runs after the response. A rollback still
drops the jobs (the service registers them after commit only). An enqueue that
fails or never happens (the process dies in between) leaves the event pending,
and the sweeper enqueues pending events again: nothing accepted is lost.
"""

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

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
