"""How jobs run: the tenant-scoped job decorator and error classification.

A job is an async function `(ctx, uow, **kwargs)`. The decorator turns it into
the arq-style coroutine `(ctx, *, tenant_id, **kwargs)` that opens one
tenant-scoped unit of work per attempt, so arq's worker and the in-process
runner of the embedded default call exactly the same code.

Errors: `RetryableJobError`, connection failures and timeouts are retried with
exponential backoff (arq `Retry`) until `max_tries`; anything else is terminal:
logged with the job's name and id (no payload, no personal data) and not retried.
"""

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from arq.worker import Retry
from sqlalchemy.exc import DBAPIError, OperationalError

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import Actor, TenantScope

logger = logging.getLogger("parley.jobs")

R = TypeVar("R")

JobContext = dict[str, Any]


class RetryableJobError(Exception):
    """A passing failure (network, 5xx, 429): try again later."""


class TerminalJobError(Exception):
    """Bad data or a broken invariant: retrying will not help."""


_RETRYABLE = (RetryableJobError, ConnectionError, TimeoutError, asyncio.TimeoutError, OSError)


def is_retryable(error: BaseException) -> bool:
    """Whether another attempt may succeed."""
    if isinstance(error, TerminalJobError):
        return False
    if isinstance(error, OperationalError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _RETRYABLE)


def backoff_seconds(attempt: int) -> float:
    """Delay before attempt `attempt + 1`: 1 s, 2 s, 4 s … capped at 5 minutes."""
    return float(min(2 ** max(attempt - 1, 0), 300))


@dataclass(frozen=True, slots=True)
class JobOutcome:
    status: str
    detail: str = ""


def tenant_job(
    name: str, *, max_tries: int = 5
) -> Callable[[Callable[..., Awaitable[R]]], Callable[..., Awaitable[R | JobOutcome]]]:
    """Register a tenant-scoped job under `name` (see the module docstring).

    The decorated function takes `(ctx, uow, **kwargs)`; the result takes
    `(ctx, *, tenant_id, **kwargs)` and carries `job_name` and `max_tries`.
    """

    def decorate(job: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R | JobOutcome]]:
        @functools.wraps(job)
        async def run(ctx: JobContext, *, tenant_id: str, **kwargs: Any) -> R | JobOutcome:
            database: Database = ctx["database"]
            attempt = int(ctx.get("job_try", 1))
            scope = TenantScope(uuid.UUID(tenant_id))
            try:
                async with UnitOfWork(
                    database, actor=Actor.system(f"job:{name}"), scope=scope
                ) as uow:
                    return await job(ctx, uow, **kwargs)
            except Exception as error:
                if is_retryable(error) and attempt < max_tries:
                    logger.warning(
                        "job %s (%s) attempt %d failed, retrying: %s",
                        name,
                        ctx.get("job_id"),
                        attempt,
                        type(error).__name__,
                    )
                    raise Retry(defer=backoff_seconds(attempt)) from error
                logger.error(
                    "job %s (%s) failed terminally after %d attempt(s): %s",
                    name,
                    ctx.get("job_id"),
                    attempt,
                    type(error).__name__,
                )
                return JobOutcome(status="failed", detail=type(error).__name__)

        run.job_name = name  # type: ignore[attr-defined]
        run.max_tries = max_tries  # type: ignore[attr-defined]
        return run

    return decorate
