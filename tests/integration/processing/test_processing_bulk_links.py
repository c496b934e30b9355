"""Links and sightings of a large batch are written by one UPDATE per chunk, on both
databases, with the same result: every message linked to its author's customer and
conversation, every customer last seen at their newest message."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from domain.customers.models import Customer, CustomerIdentity
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import RECEIVED_AT, Solvia, run_job, store_event

pytestmark = pytest.mark.postgres

PAGE = "104729384756120"
ENTRIES = 600
AUTHORS = 200
FIRST_AT = int((RECEIVED_AT - timedelta(hours=1)).timestamp() * 1000)


def direct_messages() -> bytes:
    """Messenger DMs from `AUTHORS` customers, three each, one second apart."""
    entries = [
        {
            "id": PAGE,
            "time": FIRST_AT + number * 1000,
            "messaging": [
                {
                    "sender": {"id": str(7_100_000_000_000 + number % AUTHORS)},
                    "recipient": {"id": PAGE},
                    "timestamp": FIRST_AT + number * 1000,
                    "message": {"mid": f"m_bulk_{number}", "text": f"Question {number}"},
                }
            ],
        }
        for number in range(ENTRIES)
    ]
    return json.dumps({"object": "page", "entry": entries}).encode()


def newest_message_at(author_index: int) -> datetime:
    last = max(number for number in range(ENTRIES) if number % AUTHORS == author_index)
    return datetime.fromtimestamp((FIRST_AT + last * 1000) / 1000, tz=UTC)


async def test_links_and_sightings_of_a_large_batch(
    any_database: Database, solvia_anywhere: Solvia
) -> None:
    database = any_database
    tenant_id = solvia_anywhere.tenant_id
    event_id = await store_event(database, tenant_id, source="meta", payload=direct_messages())
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        outcome = await run_job(database, tenant_id, event_id)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    assert (outcome["status"], outcome["created"]) == ("processed", ENTRIES)

    link_updates = [s for s in statements if s.startswith("UPDATE mentions SET conversation_id")]
    sighting_updates = [s for s in statements if s.startswith("UPDATE customers SET last_seen_at")]
    # One statement per chunk of 500 rows (executemany counts once as well).
    assert (len(link_updates), len(sighting_updates)) == (2, 1)

    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        mentions = (
            await uow.session.execute(
                select(Mention.external_id, Mention.customer_id, Mention.conversation_id)
            )
        ).all()
        identities = dict(
            (
                await uow.session.execute(
                    select(CustomerIdentity.platform_user_id, CustomerIdentity.customer_id)
                )
            ).all()
        )
        seen = dict((await uow.session.execute(select(Customer.id, Customer.last_seen_at))).all())
    assert len(mentions) == ENTRIES
    assert len(identities) == AUTHORS
    conversations_of: dict[Any, set[Any]] = {}
    for external_id, customer_id, conversation_id in mentions:
        number = int(external_id.rsplit("_", 1)[-1])
        author = str(7_100_000_000_000 + number % AUTHORS)
        assert customer_id == identities[author], external_id
        assert conversation_id is not None, external_id
        conversations_of.setdefault(customer_id, set()).add(conversation_id)
    # Each customer's three messages are in one conversation of their own.
    assert all(len(found) == 1 for found in conversations_of.values())
    assert len({next(iter(found)) for found in conversations_of.values()}) == AUTHORS
    for author_index in range(AUTHORS):
        customer_id = identities[str(7_100_000_000_000 + author_index)]
        assert seen[customer_id] == newest_message_at(author_index), author_index
