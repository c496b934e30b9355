"""A Meta delivery of 1,000 entries is processed with a fixed number of statements."""

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from domain.conversations.models import Conversation, ConversationEvent
from domain.customers.models import Customer, CustomerIdentity
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.mentions.models import Mention
from tests.integration.processing.conftest import RECEIVED_AT, Solvia, count, run_job, store_event

pytestmark = pytest.mark.postgres

ENTRIES = 1000
PAGE = "104729384756120"
POST = f"{PAGE}_122158734409283716"


def thousand_comments() -> bytes:
    written = int((RECEIVED_AT - timedelta(days=1)).timestamp())
    entries = [
        {
            "id": PAGE,
            "time": written + number,
            "changes": [
                {
                    "field": "feed",
                    "value": {
                        "from": {"id": f"90{number:06d}", "name": f"Customer {number}"},
                        "message": f"Comment number {number}",
                        "post_id": POST,
                        "comment_id": f"122158734409283716_{number}",
                        "created_time": written + number,
                        "item": "comment",
                        "parent_id": POST,
                        "verb": "add",
                    },
                }
            ],
        }
        for number in range(ENTRIES)
    ]
    return json.dumps({"object": "page", "entry": entries}).encode()


async def test_a_thousand_entries_in_a_fixed_number_of_statements(
    pg_database: Database, solvia: Solvia
) -> None:
    payload = thousand_comments()
    event_id = await store_event(pg_database, solvia.tenant_id, source="meta", payload=payload)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(pg_database.engine.sync_engine, "before_cursor_execute", record)
    try:
        outcome = await run_job(pg_database, solvia.tenant_id, event_id)
    finally:
        event.remove(pg_database.engine.sync_engine, "before_cursor_execute", record)

    assert (outcome["status"], outcome["created"], outcome["conversation_events"]) == (
        "processed",
        ENTRIES,
        2 * ENTRIES,
    )
    # Reads are IN queries and writes multi-row statements in chunks of 500: the count does
    # not depend on the number of entries beyond the chunking.
    # The budget covers storing, triage, export-copy retirement and starting SLA clocks.
    assert len(statements) <= 50, statements
    for model, expected in (
        (Mention, ENTRIES),
        (Customer, ENTRIES),
        (CustomerIdentity, ENTRIES),
        (Conversation, ENTRIES),
        (ConversationEvent, 2 * ENTRIES),
        (OutboxMessage, 3 * ENTRIES),
    ):
        assert await count(pg_database, solvia.tenant_id, model) == expected, model.__name__

    # The same batch again: nothing new, and still a fixed number of statements.
    again = await store_event(pg_database, solvia.tenant_id, source="meta", payload=payload)
    statements.clear()
    event.listen(pg_database.engine.sync_engine, "before_cursor_execute", record)
    try:
        outcome = await run_job(pg_database, solvia.tenant_id, again)
    finally:
        event.remove(pg_database.engine.sync_engine, "before_cursor_execute", record)
    assert (outcome["created"], outcome["changed"]) == (0, 0)
    assert len(statements) <= 20, statements
