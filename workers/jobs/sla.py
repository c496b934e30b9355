"""The SLA sweep: warnings, breaches, escalations and unassigning absent agents.

`sweep_sla` (cron, every 15 s) looks at every tenant in its own scope: it
claims due breaches and warnings (`sweep_sla_clocks`, batch after batch up to
`MAX_BATCHES_PER_SWEEP`), gives back the conversations of agents absent longer
than their team allows, and asks for the tenant's inbox events to be published
at once. Claims are atomic, so overlapping sweeps (two workers, or a slow
sweep and the next tick) emit one event per clock.

`deliver_sla_escalations` (cron, every 15 s, between sweeps) e-mails the
breach escalations the sweep queued to the brands' team leads
(`domain.sla.escalation`); without SMTP configured they wait in the outbox.
"""

import logging
from typing import Final

from arq.cron import CronJob, cron

from domain.assignment.service import unassign_absent_agents
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.search import list_tenant_ids
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor, TenantScope
from domain.sla.escalation import (
    DEFAULT_DELIVERY_BATCH,
    deliver_escalations,
    has_due_escalations,
)
from domain.sla.sweep import DEFAULT_SWEEP_BATCH, sweep_sla_clocks
from workers.jobs.realtime import request_inbox_publishing
from workers.notifications.smtp import SmtpEmailSender
from workers.queue import InProcessJobQueue, RecurringJobQueue
from workers.runtime import JobContext

logger = logging.getLogger("parley.jobs.sla")

SWEEP_SLA_EVERY_SECONDS: Final = 15
MAX_BATCHES_PER_SWEEP: Final = 10

_ACTOR: Final = Actor.system("job:sweep_sla")
_ESCALATION_ACTOR: Final = Actor.system("job:deliver_sla_escalations")
#: Delivery batches one tenant gets per run at most.
MAX_ESCALATION_BATCHES: Final = 10


async def sweep_sla(ctx: JobContext, *, batch_size: int = DEFAULT_SWEEP_BATCH) -> dict[str, int]:
    """Sweep every tenant's SLA clocks and absent agents; returns counts (no content)."""
    database: Database = ctx["database"]
    queue: RecurringJobQueue | None = ctx.get("queue")
    totals = {"warnings": 0, "breaches": 0, "priorities_raised": 0, "leads_notified": 0}
    totals["unassigned"] = 0
    for tenant_id in await list_tenant_ids(database, actor=_ACTOR):
        scope = TenantScope(tenant_id)
        emitted = 0
        for _ in range(MAX_BATCHES_PER_SWEEP):
            async with UnitOfWork(database, actor=_ACTOR, scope=scope) as uow:
                run = await sweep_sla_clocks(uow, now=utcnow(), batch_size=batch_size)
            totals["warnings"] += run.warnings
            totals["breaches"] += run.breaches
            totals["priorities_raised"] += run.priorities_raised
            totals["leads_notified"] += run.leads_notified
            emitted += run.claimed
            if run.warnings < batch_size and run.breaches < batch_size:
                break
        async with UnitOfWork(database, actor=_ACTOR, scope=scope) as uow:
            unassigned = await unassign_absent_agents(uow, now=utcnow())
            await uow.commit()
        totals["unassigned"] += unassigned
        if (emitted or unassigned) and queue is not None:
            await request_inbox_publishing(queue, tenant_id)
    if totals["warnings"] or totals["breaches"] or totals["unassigned"]:
        logger.info(
            "sla sweep: %d warning(s), %d breach(es), %d unassigned",
            totals["warnings"],
            totals["breaches"],
            totals["unassigned"],
        )
    return totals


async def deliver_sla_escalations(ctx: JobContext) -> dict[str, int]:
    """E-mail every tenant's due `sla_escalation` rows to their team leads; returns counts.

    Each tenant is drained batch after batch (at most `MAX_ESCALATION_BATCHES`), one
    transaction per batch; a batch the mail server failed ends that tenant's turn (its
    rows are postponed with backoff). Without `smtp_host` nothing is sent: the rows stay
    pending and one warning per run says how many tenants wait.
    """
    settings: Settings = ctx["settings"]
    database: Database = ctx["database"]
    totals = {"sent": 0, "dropped": 0, "postponed": 0, "waiting_tenants": 0}
    tenant_ids = await list_tenant_ids(database, actor=_ESCALATION_ACTOR)
    if not settings.smtp_host:
        for tenant_id in tenant_ids:
            scope = TenantScope(tenant_id)
            async with UnitOfWork(database, actor=_ESCALATION_ACTOR, scope=scope) as uow:
                if await has_due_escalations(uow, now=utcnow()):
                    totals["waiting_tenants"] += 1
        if totals["waiting_tenants"]:
            logger.warning(
                "sla escalations of %d tenant(s) wait: smtp_host is not configured",
                totals["waiting_tenants"],
            )
        return totals
    sender = SmtpEmailSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        timeout_seconds=settings.smtp_timeout_seconds,
    )
    for tenant_id in tenant_ids:
        scope = TenantScope(tenant_id)
        for _ in range(MAX_ESCALATION_BATCHES):
            async with UnitOfWork(database, actor=_ESCALATION_ACTOR, scope=scope) as uow:
                run = await deliver_escalations(
                    uow, sender=sender, public_base_url=settings.issuer, now=utcnow()
                )
            totals["sent"] += run.sent
            totals["dropped"] += run.dropped
            totals["postponed"] += run.postponed
            if run.postponed or run.claimed < DEFAULT_DELIVERY_BATCH:
                break
    if totals["sent"] or totals["dropped"] or totals["postponed"]:
        logger.info(
            "sla escalations: %(sent)d sent, %(dropped)d dropped, %(postponed)d postponed",
            totals,
        )
    return totals


def start_in_process_sla_sweep(queue: InProcessJobQueue) -> None:
    """Run `sweep_sla` and `deliver_sla_escalations` periodically in the in-process runner."""
    queue.run_periodically("sweep_sla", sweep_sla, every_seconds=SWEEP_SLA_EVERY_SECONDS)
    queue.run_periodically(
        "deliver_sla_escalations", deliver_sla_escalations, every_seconds=SWEEP_SLA_EVERY_SECONDS
    )


CRON_JOBS: tuple[CronJob, ...] = (
    cron(
        sweep_sla,
        name="sweep_sla",
        second=set(range(5, 60, SWEEP_SLA_EVERY_SECONDS)),
        run_at_startup=True,
        max_tries=1,
        timeout=120,
    ),
    cron(
        deliver_sla_escalations,
        name="deliver_sla_escalations",
        second=set(range(10, 60, SWEEP_SLA_EVERY_SECONDS)),
        run_at_startup=True,
        max_tries=1,
        timeout=120,
    ),
)
