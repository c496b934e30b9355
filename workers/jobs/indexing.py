"""Search indexing and recovery jobs."""

from collections.abc import Awaitable, Callable
from typing import Any

from arq.cron import CronJob

JOBS: tuple[Callable[..., Awaitable[Any]], ...] = ()
CRON_JOBS: tuple[CronJob, ...] = ()
