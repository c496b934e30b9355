"""The outbox retention cron: delivered rows go after the retention, pending rows never."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_tenant
from workers.jobs.maintenance import purge_outboxes

pytestmark = pytest.mark.postgres

RETENTION = timedelta(days=7)


async def add_messages(database: Database, tenant_id: uuid.UUID, rows: dict[str, Any]) -> None:
    now = utcnow()
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        for name, done_ago in rows.items():
            uow.session.add(
                OutboxMessage(
                    tenant_id=tenant_id,
                    topic="index_mention",
                    payload={"name": name},
                    next_attempt_at=now - timedelta(days=30),
                    done_at=None if done_ago is None else now - done_ago,
                )
            )
        await uow.commit()


async def names(database: Database, tenant_id: uuid.UUID) -> set[str]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(select(OutboxMessage.payload))
        return {payload["name"] for payload in result.scalars()}


async def test_delivered_rows_older_than_the_retention_are_purged_in_every_tenant(
    pg_database: Database,
) -> None:
    first = await make_tenant(pg_database, "first")
    second = await make_tenant(pg_database, "second")
    rows = {
        "old-done": timedelta(days=8),
        "recent-done": timedelta(days=6),
        "pending": None,
    }
    await add_messages(pg_database, first, rows)
    await add_messages(pg_database, second, {"other-old-done": timedelta(days=30)})

    purged = await purge_outboxes({"database": pg_database}, retention=RETENTION)

    assert purged == 2
    assert await names(pg_database, first) == {"recent-done", "pending"}
    assert await names(pg_database, second) == set()
    assert await purge_outboxes({"database": pg_database}, retention=RETENTION) == 0
