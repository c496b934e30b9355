"""Outbox messages and conversation events are written in bulk and read back unchanged."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.conversations.service import queue_outbox
from domain.db.bulk import INSERT_CHUNK
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import RECEIVED_AT, Solvia, outbox_of

pytestmark = pytest.mark.postgres

PAYLOADS = [
    {"text": "Gdzie jest moja paczka? 📦", "nested": {"list": [1, 2.5, None, True]}},
    {"quote": 'a "quoted" \\ backslash', "empty": {}},
    {"rtl": "سفارش من کجاست؟", "number": 12345678901234},
]


async def test_messages_with_and_without_defaults_round_trip(
    any_database: Database, solvia_anywhere: Solvia
) -> None:
    tenant_id = solvia_anywhere.tenant_id
    given = [
        # Every column given, as ingestion writes them ...
        {
            "topic": "test_topic",
            "payload": PAYLOADS[0],
            "attempts": 0,
            "next_attempt_at": RECEIVED_AT,
            "done_at": None,
            "last_error": None,
            "created_at": RECEIVED_AT,
        },
        # ... and only what has no Python-side default, as other callers do.
        {"topic": "test_topic", "payload": PAYLOADS[1], "next_attempt_at": RECEIVED_AT},
        {
            "topic": "test_topic",
            "payload": PAYLOADS[2],
            "next_attempt_at": RECEIVED_AT,
            "created_at": RECEIVED_AT + timedelta(days=1),
        },
    ]
    async with UnitOfWork(any_database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        await queue_outbox(uow, given)
        await uow.commit()

    stored = await outbox_of(any_database, tenant_id, "test_topic")
    assert sorted(stored, key=json.dumps) == sorted(PAYLOADS, key=json.dumps)
    async with UnitOfWork(any_database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        rows = list((await uow.session.execute(select(OutboxMessage))).scalars())
    assert {row.attempts for row in rows} == {0}
    assert len({row.id for row in rows}) == 3


async def test_more_rows_than_one_statement_carries(pg_database: Database, solvia: Solvia) -> None:
    total = INSERT_CHUNK * 2 + 7
    messages = [
        {"topic": "test_topic", "payload": {"n": n}, "next_attempt_at": RECEIVED_AT}
        for n in range(total)
    ]
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        await queue_outbox(uow, messages)
        await uow.commit()

    payloads = await outbox_of(pg_database, solvia.tenant_id, "test_topic")
    assert sorted(payload["n"] for payload in payloads) == list(range(total))
