"""The SLA sweep: warnings, breaches, escalations and unassigning absent agents.

`sweep_sla` (cron, every 15 s) looks at every tenant in its own scope: it
claims due breaches and warnings (`sweep_sla_clocks`, batch after batch up to
`MAX_BATCHES_PER_SWEEP`), gives back the conversations of agents absent longer
than their team allows, and asks for the tenant's inbox events to be published
at once. Claims are atomic, so overlapping sweeps (two workers, or a slow
sweep and the next tick) emit one event per clock.
"""

import logging
from typing import Final

from arq.cron import CronJob, cron

from domain.assignment.service import unassign_absent_agents
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.search import list_tenant_ids
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor, TenantScope
from domain.sla.sweep import DEFAULT_SWEEP_BATCH, sweep_sla_clocks
from workers.jobs.realtime import request_inbox_publishing
from workers.queue import InProcessJobQueue, RecurringJobQueue
from workers.runtime import JobContext

logger = logging.getLogger("parley.jobs.sla")

SWEEP_SLA_EVERY_SECONDS: Final = 15
MAX_BATCHES_PER_SWEEP: Final = 10

_ACTOR: Final = Actor.system("job:sweep_sla")


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


def start_in_process_sla_sweep(queue: InProcessJobQueue) -> None:
    """Run `sweep_sla` periodically in the embedded default's in-process runner."""
    queue.run_periodically("sweep_sla", sweep_sla, every_seconds=SWEEP_SLA_EVERY_SECONDS)


CRON_JOBS: tuple[CronJob, ...] = (
    cron(
        sweep_sla,
        name="sweep_sla",
        second=set(range(5, 60, SWEEP_SLA_EVERY_SECONDS)),
        run_at_startup=True,
        max_tries=1,
        timeout=120,
    ),
)
