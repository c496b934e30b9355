"""Claims take pending rows whose time has come, earliest due first and, among rows
due together, in the order they were written, on both databases."""

from datetime import timedelta

import pytest

from domain.db.outbox import OutboxMessage, claim_due_messages
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_tenant

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["postgresql", "sqlite"])
def any_database(request: pytest.FixtureRequest) -> Database:
    name = "pg_database" if request.param == "postgresql" else "sqlite_database"
    database: Database = request.getfixturevalue(name)
    return database


async def test_pending_rows_are_claimed_earliest_due_first(any_database: Database) -> None:
    tenant_id = await make_tenant(any_database, "agency-a")
    now = utcnow()
    # name: (written how long ago, due in how long, done)
    rows = {
        "written first, postponed": (timedelta(minutes=10), timedelta(minutes=-1), False),
        "written second": (timedelta(minutes=9), timedelta(minutes=-9), False),
        # Written by one transaction a microsecond apart, due at the same moment.
        "change, its second event": (
            timedelta(minutes=8) - timedelta(microseconds=1),
            timedelta(minutes=-8),
            False,
        ),
        "change, its first event": (timedelta(minutes=8), timedelta(minutes=-8), False),
        "due later": (timedelta(minutes=7), timedelta(minutes=5), False),
        "delivered": (timedelta(minutes=20), timedelta(minutes=-20), True),
    }
    scope = TenantScope(tenant_id)
    async with UnitOfWork(any_database, actor=TEST_ACTOR, scope=scope) as uow:
        for name, (written_ago, due_in, done) in rows.items():
            uow.session.add(
                OutboxMessage(
                    tenant_id=tenant_id,
                    topic="index_mention",
                    payload={"name": name},
                    created_at=now - written_ago,
                    next_attempt_at=now + due_in,
                    done_at=now if done else None,
                )
            )
        uow.session.add(
            OutboxMessage(
                tenant_id=tenant_id,
                topic="inbox_event",
                payload={"name": "another topic"},
                next_attempt_at=now - timedelta(hours=1),
            )
        )
        await uow.commit()

    async with UnitOfWork(any_database, actor=TEST_ACTOR, scope=scope) as uow:
        first = await claim_due_messages(uow, topic="index_mention", now=now, batch_size=2)
        everything = await claim_due_messages(uow, topic="index_mention", now=now, batch_size=10)

    assert [row.payload["name"] for row in first] == [
        "written second",
        "change, its first event",
    ]
    assert [row.payload["name"] for row in everything] == [
        "written second",
        "change, its first event",
        "change, its second event",
        "written first, postponed",
    ]
