"""Every job a worker runs, by name."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from workers.jobs import approvals, indexing, ingestion, maintenance, realtime, replies, sla
from workers.jobs.maintenance import refresh_channel_health

ALL_JOBS: tuple[Callable[..., Awaitable[Any]], ...] = (
    refresh_channel_health,
    *ingestion.JOBS,
    *indexing.JOBS,
    *realtime.JOBS,
    *replies.JOBS,
)
CRON_JOBS = (
    *indexing.CRON_JOBS,
    *approvals.CRON_JOBS,
    *sla.CRON_JOBS,
    *replies.CRON_JOBS,
    *maintenance.CRON_JOBS,
)


def jobs_by_name() -> Mapping[str, Callable[..., Awaitable[Any]]]:
    """Job functions keyed by their registered names."""
    return {job.job_name: job for job in ALL_JOBS}  # type: ignore[attr-defined]
