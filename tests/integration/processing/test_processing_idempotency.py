"""Redeliveries, re-runs, out-of-order and concurrent deliveries converge on the same rows."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.conversations.models import Conversation, ConversationEvent
from domain.customers.models import Customer, CustomerIdentity
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.ingestion.models import InboundEvent, InboundEventStatus
from domain.mentions.models import Mention
from tests.integration.processing.conftest import (
    RECEIVED_AT,
    Solvia,
    conversations_of,
    count,
    deliver,
    events_of,
    facebook_comment,
    inbound_event,
    mention,
    run_job,
    store_event,
)
from tests.unit.channels.webhook_fixture_manifests import body, fixtures

pytestmark = pytest.mark.postgres

C1 = "122158734409283716_1187723409865521"
COUNTED = (
    Mention,
    Customer,
    CustomerIdentity,
    Conversation,
    ConversationEvent,
    OutboxMessage,
)


async def counts(database: Database, tenant_id: uuid.UUID) -> dict[str, int]:
    return {model.__name__: await count(database, tenant_id, model) for model in COUNTED}


async def test_rerunning_a_job_changes_nothing(pg_database: Database, solvia: Solvia) -> None:
    event_id = await store_event(
        pg_database, solvia.tenant_id, source="meta", payload=body("facebook", "02_")
    )
    first = await run_job(pg_database, solvia.tenant_id, event_id)
    assert first == {
        "status": "processed",
        "mentions": 1,
        "created": 1,
        "changed": 0,
        "conversation_events": 2,
        "error": None,
    }
    before = await counts(pg_database, solvia.tenant_id)
    assert before == {
        "Mention": 1,
        "Customer": 1,
        "CustomerIdentity": 1,
        "Conversation": 1,
        "ConversationEvent": 2,
        "OutboxMessage": 3,
    }
    again = await run_job(pg_database, solvia.tenant_id, event_id)
    assert again["status"] == "skipped"
    assert await counts(pg_database, solvia.tenant_id) == before
    stored = await inbound_event(pg_database, solvia.tenant_id, event_id)
    assert (stored.status, stored.attempts, stored.error) == (InboundEventStatus.PROCESSED, 1, None)
    assert stored.processed_at is not None


@pytest.mark.parametrize("platform", ["facebook", "instagram", "x", "telegram", "vk"])
async def test_a_second_delivery_of_every_fixture_creates_nothing(
    pg_database: Database, solvia: Solvia, platform: str
) -> None:
    prefixes = [item.file[:3] for item in fixtures(platform)]
    await deliver(pg_database, solvia, platform, *prefixes)
    before = await counts(pg_database, solvia.tenant_id)
    # The receivers drop byte-identical redeliveries; these are new events with old content.
    outcomes = await deliver(
        pg_database, solvia, platform, *prefixes, received_at=RECEIVED_AT + timedelta(days=1)
    )
    assert {(o["status"], o["created"], o["changed"]) for o in outcomes} == {("processed", 0, 0)}
    assert await counts(pg_database, solvia.tenant_id) == before


async def test_an_edit_before_its_create_still_gives_one_row(
    pg_database: Database, solvia: Solvia
) -> None:
    await deliver(pg_database, solvia, "facebook", "04_", "02_")
    stored = await mention(pg_database, solvia.tenant_id, C1)
    assert stored.text.endswith("dziękuję za szybką reakcję 👍")
    assert [item["at"] for item in stored.text_history] == ["2025-03-14T09:41:07+00:00"]
    assert stored.text_history[0]["text"].endswith("Jak długo jeszcze mam czekać?")
    assert (stored.version, stored.posted_at) == (2, datetime(2025, 3, 14, 9, 41, 7, tzinfo=UTC))
    (conversation,) = await conversations_of(pg_database, solvia.tenant_id)
    assert conversation.message_count == 1
    # The late create is history, not news: no "message_edited".
    assert [
        kind for kind, _ in await events_of(pg_database, solvia.tenant_id, conversation.id)
    ] == [
        "opened",
        "message_added",
    ]


async def test_a_late_older_edit_does_not_overwrite_the_newer_text(
    pg_database: Database, solvia: Solvia
) -> None:
    created = RECEIVED_AT - timedelta(days=3)
    versions = [
        facebook_comment(comment_id="p_1", created=created, message="v1"),
        facebook_comment(
            comment_id="p_1", created=created + timedelta(hours=2), message="v3", verb="edited"
        ),
        facebook_comment(
            comment_id="p_1", created=created + timedelta(hours=1), message="v2", verb="edited"
        ),
    ]
    for payload in versions:
        event_id = await store_event(pg_database, solvia.tenant_id, source="meta", payload=payload)
        await run_job(pg_database, solvia.tenant_id, event_id)
    stored = await mention(pg_database, solvia.tenant_id, "p_1")
    assert stored.text == "v3"
    assert [item["text"] for item in stored.text_history] == ["v1", "v2"]
    assert stored.version == 3
    assert stored.edited_at == created + timedelta(hours=2)


async def test_twenty_concurrent_jobs_for_copies_of_one_comment(
    pg_database: Database, solvia: Solvia
) -> None:
    payload = body("facebook", "02_")
    event_ids = [
        await store_event(pg_database, solvia.tenant_id, source="meta", payload=payload)
        for _ in range(20)
    ]
    outcomes = await asyncio.gather(
        *(run_job(pg_database, solvia.tenant_id, event_id) for event_id in event_ids)
    )
    assert sorted(outcome["created"] for outcome in outcomes) == [0] * 19 + [1]
    assert {outcome["status"] for outcome in outcomes} == {"processed"}
    assert await counts(pg_database, solvia.tenant_id) == {
        "Mention": 1,
        "Customer": 1,
        "CustomerIdentity": 1,
        "Conversation": 1,
        "ConversationEvent": 2,
        "OutboxMessage": 3,
    }
    assert await count(pg_database, solvia.tenant_id, InboundEvent) == 20


async def test_twenty_concurrent_comments_of_one_new_author_make_one_customer_and_thread(
    pg_database: Database, solvia: Solvia
) -> None:
    created = RECEIVED_AT - timedelta(days=1)
    event_ids = [
        await store_event(
            pg_database,
            solvia.tenant_id,
            source="meta",
            payload=facebook_comment(
                comment_id=f"p_{number}",
                created=created + timedelta(minutes=number),
                author_id="5550001",
                author_name="Nowy Klient",
                message=f"message {number}",
            ),
        )
        for number in range(20)
    ]
    outcomes = await asyncio.gather(
        *(run_job(pg_database, solvia.tenant_id, event_id) for event_id in event_ids)
    )
    assert sum(outcome["created"] for outcome in outcomes) == 20
    assert await count(pg_database, solvia.tenant_id, Customer) == 1
    assert await count(pg_database, solvia.tenant_id, CustomerIdentity) == 1
    (conversation,) = await conversations_of(pg_database, solvia.tenant_id)
    assert conversation.message_count == 20
    assert conversation.last_customer_message_at == created + timedelta(minutes=19)
    kinds = [kind for kind, _ in await events_of(pg_database, solvia.tenant_id, conversation.id)]
    assert sorted(kinds) == ["message_added"] * 20 + ["opened"]
