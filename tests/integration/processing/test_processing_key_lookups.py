"""Lookups by composite key find exactly the keys asked for, on both databases, and on
PostgreSQL run one statement whatever the number of keys."""

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.repository import MentionRepository
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import RECEIVED_AT, Solvia, run_job, store_event

pytestmark = pytest.mark.postgres

PAGE = "104729384756120"
FIRST_AT = int((RECEIVED_AT - timedelta(hours=1)).timestamp() * 1000)


def direct_messages(count: int) -> bytes:
    """Messenger DMs `m_key_0` … from one customer, one second apart."""
    entries = [
        {
            "id": PAGE,
            "time": FIRST_AT + number * 1000,
            "messaging": [
                {
                    "sender": {"id": "7100000000001"},
                    "recipient": {"id": PAGE},
                    "timestamp": FIRST_AT + number * 1000,
                    "message": {"mid": f"m_key_{number}", "text": f"Question {number}"},
                }
            ],
        }
        for number in range(count)
    ]
    return json.dumps({"object": "page", "entry": entries}).encode()


async def test_only_the_pairs_asked_for_are_found(
    any_database: Database, solvia_anywhere: Solvia
) -> None:
    tenant_id = solvia_anywhere.tenant_id
    event_id = await store_event(any_database, tenant_id, source="meta", payload=direct_messages(3))
    assert (await run_job(any_database, tenant_id, event_id))["created"] == 3
    page, other_page = solvia_anywhere.channel("fb_polska"), solvia_anywhere.channel("fb_italia")
    # Matching column by column would also find (page, m_key_1): both of its parts
    # are asked for, but not together.
    wanted = [(page, "m_key_0"), (other_page, "m_key_1"), (page, "m_key_2")]

    async with UnitOfWork(any_database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        locked = await MentionRepository(uow).lock_by_keys(wanted)
        facts = await MentionRepository(uow).thread_facts(wanted)

    assert sorted(locked) == sorted([(page, "m_key_0"), (page, "m_key_2")])
    assert sorted(facts) == sorted([(page, "m_key_0"), (page, "m_key_2")])


async def test_postgresql_runs_the_same_lookup_for_any_number_of_keys(
    pg_database: Database, solvia: Solvia
) -> None:
    page = solvia.channel("fb_polska")
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(pg_database.engine.sync_engine, "before_cursor_execute", record)
    try:
        scope = TenantScope(solvia.tenant_id)
        async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
            for count in (2, 300):
                keys = [(page, f"m_key_{number}") for number in range(count)]
                assert await MentionRepository(uow).lock_by_keys(keys) == {}
    finally:
        event.remove(pg_database.engine.sync_engine, "before_cursor_execute", record)

    lookups = [statement for statement in statements if "FOR UPDATE" in statement]
    assert len(lookups) == 2
    assert lookups[0] == lookups[1]
    assert "unnest" in lookups[0]
