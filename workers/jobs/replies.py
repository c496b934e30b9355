"""Delivery of replies: the `send_reply` job and the sweep for deliveries lost with their job.

`send_reply` (job id `reply:{reply_id}`) runs one delivery attempt in three
steps, so the platform is never called inside an open transaction and every
attempt is on record before the call:

1. claim: the reply is locked, marked `sending`, its attempt counted, commit
   (`begin_delivery`; a reply already `sent`, `failed` or `cancelled` is left
   alone, so a redelivered job sends nothing twice);
2. call the platform through its connector (timeouts, retries on 429/5xx);
3. record: `sent` with the platform's id, `failed` with the platform's message
   (4xx), or `queued` again and `RetryableJobError` so arq retries later with
   backoff; on the last try a passing failure is recorded as `failed`.
"""

import uuid
from datetime import timedelta
from typing import Any, Final

from arq.cron import CronJob, cron

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.search import list_tenant_ids
from domain.replies.delivery import DeliveryOrder, DeliveryReceipt
from domain.replies.service import (
    SEND_REPLY_JOB,
    begin_delivery,
    enqueue_delivery,
    pending_delivery_ids,
    record_delivery,
)
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.ports import JobQueue
from domain.shared.tenancy import Actor, TenantScope
from workers.connectors.dispatch import PlatformEndpoints, build_platform_client, deliver
from workers.connectors.http import (
    PermanentDeliveryError,
    PlatformHttpClient,
    TransientDeliveryError,
)
from workers.runtime import JobContext, RetryableJobError, tenant_job

#: arq tries of one `send_reply` job (each try makes up to `platform_max_http_attempts` requests).
SEND_REPLY_MAX_TRIES: Final = 5
#: A queued reply whose job has not run for this long is taken to be lost.
LOST_AFTER: Final = timedelta(minutes=2)
_SWEEP_ACTOR: Final = Actor.system("job:sweep_reply_deliveries")


async def _deliver(ctx: JobContext, settings: Settings, order: DeliveryOrder) -> DeliveryReceipt:
    """Deliver through the context's platform client, or a client of this run only."""
    shared = ctx.get("platform_client")
    endpoints = PlatformEndpoints.from_settings(settings)
    if isinstance(shared, PlatformHttpClient):
        return await deliver(order, client=shared, endpoints=endpoints)
    client = build_platform_client(settings)
    try:
        return await deliver(order, client=client, endpoints=endpoints)
    finally:
        await client.aclose()


@tenant_job(SEND_REPLY_JOB, max_tries=SEND_REPLY_MAX_TRIES)
async def send_reply(ctx: JobContext, uow: UnitOfWork, *, reply_id: str) -> dict[str, Any]:
    """Deliver one queued reply (see the module docstring); returns its status, no content."""
    database: Database = ctx["database"]
    settings: Settings = ctx.get("settings") or Settings()
    scope = uow.require_scope()
    reply_uuid = uuid.UUID(reply_id)
    order = await begin_delivery(uow, reply_id=reply_uuid, now=utcnow())
    if order is None:
        return {"status": "skipped"}
    await uow.commit()

    outcome: dict[str, Any] = {}
    retry_later = False
    try:
        receipt = await _deliver(ctx, settings, order)
        outcome = {"receipt": receipt, "http_attempts": receipt.http_attempts}
    except PermanentDeliveryError as error:
        outcome = {"error": error.message}
    except TransientDeliveryError as error:
        is_last_try = int(ctx.get("job_try", 1)) >= SEND_REPLY_MAX_TRIES
        retry_later = not is_last_try
        outcome = {"error": error.message, "http_attempts": error.attempts}

    async with UnitOfWork(database, actor=uow.actor, scope=scope) as record_uow:
        reply = await record_delivery(
            record_uow, reply_id=reply_uuid, now=utcnow(), retry_later=retry_later, **outcome
        )
        await record_uow.commit()
    if retry_later:
        raise RetryableJobError(f"reply {reply_id}: platform unavailable, retrying")
    return {"status": reply.status.value, "attempts": reply.delivery_attempts}


async def sweep_reply_deliveries(ctx: JobContext, *, lost_after: timedelta = LOST_AFTER) -> int:
    """Enqueue `send_reply` again for replies queued longer than `lost_after`, in every tenant.

    arq jobs vanish when Redis restarts; job ids keep live jobs from doubling.
    Returns how many were enqueued.
    """
    database: Database = ctx["database"]
    queue: JobQueue = ctx["queue"]
    queued_before = utcnow() - lost_after
    enqueued = 0
    for tenant_id in await list_tenant_ids(database, actor=_SWEEP_ACTOR):
        async with UnitOfWork(database, actor=_SWEEP_ACTOR, scope=TenantScope(tenant_id)) as uow:
            reply_ids = await pending_delivery_ids(uow, queued_before=queued_before)
        for reply_id in reply_ids:
            await enqueue_delivery(queue, tenant_id, reply_id)
            enqueued += 1
    return enqueued


JOBS: Final = (send_reply,)
#: Every minute, at second 45: the sweep for deliveries whose job was lost.
CRON_JOBS: tuple[CronJob, ...] = (
    cron(
        sweep_reply_deliveries,
        name="sweep_reply_deliveries",
        second=45,
        max_tries=1,
        timeout=60,
    ),
)
