"""Cron jobs of approvals: the approvers' e-mail digest and the Q&A index of approvals.

- `send_approval_digests` (every minute) e-mails each client approver with
  requests they were never told about one digest, at most once per
  `approval_digest_interval_minutes`; it does nothing while `smtp_host` is unset.
- `deliver_qna_indexing` (every 10 s) writes approved (and retired) Q&A
  entries into the suggestion index from their `qna_index` outbox rows.

Both list the tenants, then work in each tenant's own scope.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Final

from arq.cron import CronJob, cron

from domain.approvals.service import send_approval_digests
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.knowledge.service import deliver_qna_index, has_due_qna_indexing
from domain.mentions.search import list_tenant_ids
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.ports import SearchIndex
from domain.shared.tenancy import Actor, TenantScope
from workers.notifications.smtp import SmtpEmailSender
from workers.queue import InProcessJobQueue
from workers.runtime import JobContext

logger = logging.getLogger("parley.jobs.approvals")

_DIGEST_ACTOR: Final = Actor.system("job:send_approval_digests")
_INDEX_ACTOR: Final = Actor.system("job:deliver_qna_indexing")
#: `deliver_qna_index` batches one tenant gets per run at most.
MAX_INDEX_BATCHES: Final = 20


async def run_approval_digests(ctx: JobContext) -> dict[str, int]:
    """Send the due digests of every tenant; returns counts (no addresses)."""
    settings: Settings = ctx["settings"]
    database: Database = ctx["database"]
    if not settings.smtp_host:
        return {"sent": 0, "items": 0, "failed": 0}
    sender = SmtpEmailSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        timeout_seconds=settings.smtp_timeout_seconds,
    )
    totals = {"sent": 0, "items": 0, "failed": 0}
    for tenant_id in await list_tenant_ids(database, actor=_DIGEST_ACTOR):
        run = await send_approval_digests(
            database,
            tenant_id=tenant_id,
            actor=_DIGEST_ACTOR,
            sender=sender,
            public_base_url=settings.public_base_url,
            interval=timedelta(minutes=settings.approval_digest_interval_minutes),
        )
        totals["sent"] += run.sent
        totals["items"] += run.items
        totals["failed"] += run.failed
    if totals["sent"] or totals["failed"]:
        logger.info("approval digests: %(sent)d sent, %(failed)d failed", totals)
    return totals


async def deliver_qna_indexing(ctx: JobContext) -> int:
    """Deliver every tenant's due `qna_index` rows; returns how many rows were claimed."""
    database: Database = ctx["database"]
    search: SearchIndex = ctx["search"]
    claimed = 0
    for tenant_id in await list_tenant_ids(database, actor=_INDEX_ACTOR):
        scope = TenantScope(tenant_id)
        async with UnitOfWork(database, actor=_INDEX_ACTOR, scope=scope) as uow:
            due = await has_due_qna_indexing(uow, now=utcnow())
        for _ in range(MAX_INDEX_BATCHES if due else 0):
            async with UnitOfWork(database, actor=_INDEX_ACTOR, scope=scope) as uow:
                run = await deliver_qna_index(uow, search=search, now=utcnow())
            claimed += run.claimed
            if run.retry_later or run.claimed == 0:
                break
    return claimed


#: Seconds between runs in the embedded default's in-process runner.
QNA_INDEXING_EVERY_SECONDS = 10
APPROVAL_DIGESTS_EVERY_SECONDS = 60


def start_in_process_knowledge_schedule(queue: InProcessJobQueue) -> None:
    """Run Q&A index delivery and approval digests periodically in the in-process runner."""
    queue.run_periodically(
        "deliver_qna_indexing", deliver_qna_indexing, every_seconds=QNA_INDEXING_EVERY_SECONDS
    )
    queue.run_periodically(
        "send_approval_digests", run_approval_digests, every_seconds=APPROVAL_DIGESTS_EVERY_SECONDS
    )


JOBS: tuple[Callable[..., Awaitable[Any]], ...] = ()
CRON_JOBS: tuple[CronJob, ...] = (
    cron(
        run_approval_digests,
        name="send_approval_digests",
        second=15,
        run_at_startup=False,
        max_tries=1,
        timeout=120,
    ),
    cron(
        deliver_qna_indexing,
        name="deliver_qna_indexing",
        second=set(range(5, 60, 10)),
        run_at_startup=True,
        max_tries=1,
        timeout=60,
    ),
)
