"""The worker process: arq `WorkerSettings` and the in-process runner's wiring.

`parley worker` runs `WorkerSettings` against the configured Redis. Startup
builds the database and search index from the settings (passed in `ctx` by
the CLI or tests, else read from the environment) and closes them on shutdown.
"""

import asyncio
import gc
import logging
from typing import Any, ClassVar

from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function, func

from domain.bootstrap import build_database
from domain.realtime.broker import local_broker
from domain.settings import Settings
from domain.triage.ingestion import PipelineTriage
from domain.triage.language import SUPPORTED_LANGUAGES
from search.factory import create_search_index
from workers.jobs import ALL_JOBS, CRON_JOBS, jobs_by_name
from workers.jobs.ingestion import COMPANION_EVENTS, COMPANIONS_CTX_KEY, install_triage
from workers.queue import ArqJobQueue, InProcessJobQueue
from workers.realtime import RedisEventPublisher
from workers.runtime import JobContext

logger = logging.getLogger("parley.worker")

#: One sentence per language that the language detector tells apart by its models.
_WARM_UP_SAMPLES = (
    "Good morning, I cannot log in to the app",
    "Dzień dobry, nie mogę się zalogować",
    "Buongiorno, non riesco ad accedere",
)


async def build_context(settings: Settings) -> JobContext:
    """Everything a job needs: settings, database, search index."""
    database = build_database(settings)
    search_index = create_search_index(
        opensearch_url=settings.opensearch_url,
        prefix=settings.search_index_prefix,
        sqlite_engine=database.engine if settings.opensearch_url is None else None,
    )
    return {"settings": settings, "database": database, "search": search_index}


async def close_context(ctx: JobContext) -> None:
    search_index = ctx.get("search")
    if search_index is not None:
        await search_index.close()
    database = ctx.get("database")
    if database is not None:
        await database.dispose()


async def startup(ctx: JobContext) -> None:
    settings = ctx.get("settings") or Settings()
    ctx.update(await build_context(settings))
    ctx["queue"] = ArqJobQueue(ctx["redis"])
    ctx["publisher"] = RedisEventPublisher(ctx["redis"])
    ctx.setdefault(COMPANIONS_CTX_KEY, COMPANION_EVENTS)
    if settings.triage_enabled:
        service = install_triage(ctx)
        await asyncio.to_thread(_warm_up_triage, service)
    # Start-up objects (settings, pools, models) live as long as the process: frozen
    # out of the collector's sight, full collections stop walking them again.
    gc.collect()
    gc.freeze()
    logger.info("worker started")


def _warm_up_triage(service: object) -> None:
    """Load the triage models now (the sentence model, the language models of the
    Latin-script languages): together about 3 s on first use, which would otherwise
    delay the first mentions this worker processes by as much."""
    if not isinstance(service, PipelineTriage):
        return
    triager = service.triager
    if triager.embedder is not None:
        triager.embedder.embed(["warm-up"])
    for sample in _WARM_UP_SAMPLES:
        triager.language_detector.detect(sample, brand_languages=SUPPORTED_LANGUAGES)


async def shutdown(ctx: JobContext) -> None:
    await close_context(ctx)
    logger.info("worker stopped")


def redis_settings(settings: Settings) -> RedisSettings:
    """arq's Redis settings from the configured URL (`parley worker` needs one)."""
    if not settings.redis_url:
        raise RuntimeError("PARLEY_REDIS_URL is not set: `parley worker` needs Redis")
    return RedisSettings.from_dsn(settings.redis_url)


class WorkerSettings:
    """arq settings; `redis_settings` and `ctx` are given by `parley worker`."""

    functions: ClassVar[list[Function]] = [
        func(job, name=job.job_name, max_tries=job.max_tries)  # type: ignore[arg-type, attr-defined]
        for job in ALL_JOBS
    ]
    cron_jobs: ClassVar[list[CronJob]] = list(CRON_JOBS)
    on_startup = startup
    on_shutdown = shutdown
    max_jobs = 20
    job_timeout = 300
    keep_result = 3600
    #: How often an idle worker looks for queued jobs. Processing, indexing and
    #: publishing are three hops through the queue between a webhook and a live
    #: inbox; arq's default of 0.5 s per hop would take most of the 1 s budget.
    poll_delay = 0.05


def in_process_queue(context: dict[str, Any]) -> InProcessJobQueue:
    """The embedded default's job runner over the same job functions."""
    queue = InProcessJobQueue(jobs_by_name(), context)
    context["queue"] = queue
    # The API's subscriptions of the same process read from this broker.
    context.setdefault("publisher", local_broker())
    return queue
