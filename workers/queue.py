"""Job queue adapters: arq on Redis, and the in-process runner of the embedded default."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from arq.connections import ArqRedis
from arq.constants import (
    default_queue_name,
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
    retry_key_prefix,
)
from arq.jobs import serialize_job
from arq.utils import timestamp_ms
from arq.worker import Retry

logger = logging.getLogger("parley.queue")

#: How far ahead of jobs enqueued normally `ArqJobQueue.enqueue_unless_pending` puts
#: its job: ahead of every processing job enqueued in the last 30 seconds.
FOLLOW_UP_HEAD_START = timedelta(seconds=30)
FOLLOW_UP_EXPIRY = timedelta(days=1)
#: How long a discarded job's data stays in Redis (a worker reading it has long done so).
DISCARDED_JOB_TTL = timedelta(minutes=1)

#: Where `ArqJobQueue.enqueue_or_join` keeps the id of each group's newest job.
GROUP_KEY_PREFIX = "parley:job-group:"

#: Enqueue as arq's `enqueue_job` does (job data with an expiry, then the queue
#: entry), unless the group's newest job has not started: still in the queue, with
#: neither an in-progress key (set when a worker takes it) nor a retry key (counted
#: from its first start on). One round trip, atomic against arq's own start of a
#: job (a transaction on the in-progress key). Single Redis instance, as arq.
#: KEYS: group key, queue. ARGV: new job id, job data, score, expiry ms, then
#: arq's job, in-progress and retry key prefixes. Returns 1 if enqueued, 0 if joined.
_ENQUEUE_OR_JOIN = """
local newest = redis.call('GET', KEYS[1])
if newest
    and redis.call('ZSCORE', KEYS[2], newest)
    and redis.call('EXISTS', ARGV[5] .. newest) == 1
    and redis.call('EXISTS', ARGV[6] .. newest) == 0
    and redis.call('EXISTS', ARGV[7] .. newest) == 0 then
  return 0
end
redis.call('PSETEX', ARGV[5] .. ARGV[1], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PSETEX', KEYS[1], ARGV[4], ARGV[1])
return 1
"""

JobFunction = Callable[..., Awaitable[Any]]
PeriodicFunction = Callable[[dict[str, Any]], Awaitable[Any]]


class RecurringJobQueue(Protocol):
    """The job queues of `workers.queue`: `JobQueue` plus re-runs of fixed job ids."""

    async def enqueue(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str | None = None, **kwargs: Any
    ) -> None: ...

    async def enqueue_unless_pending(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str, **kwargs: Any
    ) -> None: ...


class ArqJobQueue:
    """Enqueues jobs by name on Redis for `parley worker` (arq) to run."""

    def __init__(self, redis: ArqRedis, *, queue_name: str | None = None) -> None:
        self._redis = redis
        self._queue_name = queue_name
        self._enqueue_or_join_script = redis.register_script(_ENQUEUE_OR_JOIN)

    async def enqueue(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str | None = None, **kwargs: Any
    ) -> None:
        await self._redis.enqueue_job(
            job_name,
            tenant_id=str(tenant_id),
            _job_id=job_id,
            _queue_name=self._queue_name,
            **kwargs,
        )

    async def enqueue_unless_pending(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str, **kwargs: Any
    ) -> None:
        """Enqueue unless a job with this id is queued or running, ahead of the queue.

        Unlike `enqueue`, the kept result of a finished job with this id does
        not block: recurring work with a fixed id (`index:{tenant_id}`) runs
        again as soon as the previous run has finished.

        The job is placed as if enqueued `FOLLOW_UP_HEAD_START` ago (arq runs
        due jobs oldest score first): these are the short follow-ups that make
        committed work visible (indexing, realtime publishing), and behind a
        backlog of processing jobs they waited until the whole backlog had
        started, so nothing became searchable while it was worked off.
        """
        # arq refuses an id while its job or its kept result exists; the job
        # key lives until the job finishes, so only a finished run's result is
        # dropped here.
        await self._redis.delete(result_key_prefix + job_id)
        await self.enqueue(
            job_name,
            tenant_id=tenant_id,
            job_id=job_id,
            _defer_until=datetime.now(UTC) - FOLLOW_UP_HEAD_START,
            # arq derives the expiry from the score; a job moved back in time
            # keeps the usual day to be started in.
            _expires=FOLLOW_UP_EXPIRY,
            **kwargs,
        )

    async def enqueue_or_join(
        self,
        job_name: str,
        *,
        tenant_id: uuid.UUID,
        group: str,
        gather: timedelta = timedelta(0),
        **kwargs: Any,
    ) -> bool:
        """Enqueue a job of `group` unless the group's newest job has not started yet.

        Whoever calls this after committing work that a job of the group would take
        up (pending events the job reads once it runs) can rely on a job starting
        after the call: the waiting one, or the one enqueued here. A burst of
        callers so shares one job instead of running one each, in one round trip
        apiece instead of arq's three. The job gets a fresh id (`group:<hex>`), so
        nothing that drops jobs by a fixed id can drop a job others joined. A job
        enqueued here is due `gather` later, so the callers of that moment join it.
        Returns True if a job was enqueued, False if the call joined the waiting one.
        """
        job_id = f"{group}:{uuid.uuid4().hex}"
        now = timestamp_ms()
        score = now + int(gather.total_seconds() * 1000)
        data = serialize_job(
            job_name,
            (),
            {"tenant_id": str(tenant_id), **kwargs},
            None,
            now,
            serializer=self._redis.job_serializer,
        )
        enqueued = await self._enqueue_or_join_script(
            keys=[GROUP_KEY_PREFIX + group, self._queue_name or self._redis.default_queue_name],
            args=[
                job_id,
                data,
                score,
                self._redis.expires_extra_ms,
                job_key_prefix,
                in_progress_key_prefix,
                retry_key_prefix,
            ],
        )
        return bool(enqueued)

    async def discard(self, job_ids: Sequence[str]) -> None:
        """Drop these jobs from the queue if they are still there (one round trip).

        For jobs whose work another job has already done. Only the queue entry
        goes: a worker that read the id just before skips it as arq does any job
        already taken (no score), while one that has started the job runs it to
        its end. The job's data, which arq would keep for a day, expires within
        `DISCARDED_JOB_TTL` instead.
        """
        if not job_ids:
            return
        async with self._redis.pipeline(transaction=False) as pipeline:
            pipeline.zrem(self._queue_name or default_queue_name, *job_ids)
            for job_id in job_ids:
                pipeline.pexpire(job_key_prefix + job_id, DISCARDED_JOB_TTL)
            await pipeline.execute()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (ConnectionError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()


class InProcessJobQueue:
    """Runs jobs as asyncio tasks in this process, with the same functions and retries.

    For the embedded default only: jobs are lost if the process stops, which
    is why production uses Redis and `parley worker`. Duplicate `job_id`s are
    dropped while the first is pending, as arq does.
    """

    def __init__(self, jobs: Mapping[str, JobFunction], context: dict[str, Any]) -> None:
        self._jobs = dict(jobs)
        self._context = context
        self._pending: dict[str, asyncio.Task[Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._periodic: dict[str, asyncio.Task[None]] = {}

    async def enqueue(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str | None = None, **kwargs: Any
    ) -> None:
        if job_name not in self._jobs:
            raise KeyError(f"no job named {job_name!r}")
        key = job_id or uuid.uuid4().hex
        if key in self._pending:
            return
        task = asyncio.create_task(self._run(job_name, key, str(tenant_id), kwargs))
        self._pending[key] = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def enqueue_unless_pending(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str, **kwargs: Any
    ) -> None:
        """`enqueue`: here a job id is dropped only while its job is pending anyway."""
        await self.enqueue(job_name, tenant_id=tenant_id, job_id=job_id, **kwargs)

    async def enqueue_or_join(
        self,
        job_name: str,
        *,
        tenant_id: uuid.UUID,
        group: str,
        gather: timedelta = timedelta(0),
        **kwargs: Any,
    ) -> bool:
        """`enqueue` with a fresh id: a job here starts at once, so none waits to be joined
        (and none gathers: the embedded default's volumes need no batching)."""
        del group, gather
        await self.enqueue(job_name, tenant_id=tenant_id, **kwargs)
        return True

    async def discard(self, job_ids: Sequence[str]) -> None:
        """Nothing to drop: jobs here start as soon as they are enqueued."""

    def run_periodically(
        self, name: str, function: PeriodicFunction, *, every_seconds: float
    ) -> None:
        """Call `function(context)` every `every_seconds` until `close()` (what arq's cron does).

        The first call comes after one interval. A failing call is logged (its
        type only) and the next one still comes. Starting `name` twice keeps
        the first.
        """
        if every_seconds <= 0:
            raise ValueError(f"interval must be positive, got {every_seconds}")
        if name not in self._periodic:
            self._periodic[name] = asyncio.create_task(self._repeat(name, function, every_seconds))

    @property
    def periodic_names(self) -> tuple[str, ...]:
        """Names of the periodic functions running, in the order they were started."""
        return tuple(self._periodic)

    async def stop_periodic(self) -> None:
        """Stop every periodic function started with `run_periodically`."""
        tasks, self._periodic = list(self._periodic.values()), {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _repeat(self, name: str, function: PeriodicFunction, every_seconds: float) -> None:
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await function({**self._context, "job_id": f"periodic:{name}", "job_try": 1})
            except Exception as error:
                logger.warning("periodic %s failed: %s", name, type(error).__name__)

    async def _run(self, job_name: str, job_id: str, tenant_id: str, kwargs: dict[str, Any]) -> Any:
        attempt = 1
        try:
            while True:
                ctx = {**self._context, "job_id": job_id, "job_try": attempt}
                try:
                    return await self._jobs[job_name](ctx, tenant_id=tenant_id, **kwargs)
                except Retry as retry:
                    delay = retry.defer_score / 1000 if retry.defer_score else 1.0
                    attempt += 1
                    await asyncio.sleep(delay)
        finally:
            self._pending.pop(job_id, None)

    async def drain(self) -> None:
        """Wait until every queued job has finished (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        await self.stop_periodic()
        await self.drain()
