"""Maintenance jobs."""

import uuid

from domain.channels.service import refresh_channel_health as refresh_health
from domain.db.uow import UnitOfWork
from domain.shared.clock import utcnow
from workers.runtime import JobContext, tenant_job


@tenant_job("refresh_channel_health")
async def refresh_channel_health(ctx: JobContext, uow: UnitOfWork, *, channel_id: str) -> str:
    """Recompute one channel's health from its counters; returns the health."""
    health = await refresh_health(uow, channel_id=uuid.UUID(channel_id), now=utcnow())
    await uow.commit()
    return health.value
