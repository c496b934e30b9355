"""Maintenance jobs: channel health, and the outbox retention cron."""

import logging
import uuid
from datetime import timedelta

from arq.cron import CronJob, cron

from domain.channels.service import refresh_channel_health as refresh_health
from domain.db.outbox import DONE_RETENTION, PURGE_BATCH_ROWS, purge_done_messages
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.search import list_tenant_ids
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor, TenantScope
from workers.runtime import JobContext, tenant_job

logger = logging.getLogger(__name__)

_PURGE_ACTOR = Actor.system("worker:purge_outboxes")


@tenant_job("refresh_channel_health")
async def refresh_channel_health(ctx: JobContext, uow: UnitOfWork, *, channel_id: str) -> str:
    """Recompute one channel's health from its counters; returns the health."""
    health = await refresh_health(uow, channel_id=uuid.UUID(channel_id), now=utcnow())
    await uow.commit()
    return health.value


async def purge_outboxes(ctx: JobContext, *, retention: timedelta = DONE_RETENTION) -> int:
    """Delete outbox rows delivered more than `retention` ago, in every tenant; returns how many.

    Each tenant is purged in its own scope, in batches of one short transaction
    each, so the cron never holds long locks on a busy outbox.
    """
    database: Database = ctx["database"]
    done_before = utcnow() - retention
    purged = 0
    for tenant_id in await list_tenant_ids(database, actor=_PURGE_ACTOR):
        while True:
            async with UnitOfWork(
                database, actor=_PURGE_ACTOR, scope=TenantScope(tenant_id)
            ) as uow:
                deleted = await purge_done_messages(uow, done_before=done_before)
                await uow.commit()
            purged += deleted
            if deleted < PURGE_BATCH_ROWS:
                break
    if purged:
        logger.info("purged %d delivered outbox row(s)", purged)
    return purged


CRON_JOBS: tuple[CronJob, ...] = (
    cron(purge_outboxes, name="purge_outboxes", minute={17}, second={0}, max_tries=1, timeout=600),
)
