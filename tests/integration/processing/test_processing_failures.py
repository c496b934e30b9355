"""Events that cannot be (fully) processed: recorded, terminal, never silently dropped."""

import json
from datetime import timedelta

import pytest

from domain.channels.models import Channel
from domain.channels.repository import ChannelRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEventStatus
from domain.mentions.models import Mention
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_tenant
from tests.integration.processing.conftest import (
    RECEIVED_AT,
    Solvia,
    count,
    inbound_event,
    mentions_of,
    run_job,
    store_event,
)
from tests.unit.channels.webhook_fixture_manifests import body
from workers.runtime import JobOutcome

pytestmark = pytest.mark.postgres


async def channel(database: Database, solvia: Solvia, name: str) -> Channel:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)) as uow:
        return await ChannelRepository(uow).get(solvia.channel(name))


async def test_an_account_without_channel_is_recorded_on_the_event(pg_database: Database) -> None:
    tenant_id = await make_tenant(pg_database, "only-polska")
    brand = await make_brand(pg_database, tenant_id, "polska")
    await make_channel(pg_database, tenant_id, brand.id, external_account_id="104729384756120")
    # A batch for the Polish page and for an Italian page this tenant never connected.
    event_id = await store_event(
        pg_database, tenant_id, source="meta", payload=body("facebook", "05_")
    )
    outcome = await run_job(pg_database, tenant_id, event_id)
    assert (outcome["status"], outcome["created"]) == ("processed", 3)
    assert outcome["error"] == "no channel for facebook account(s) 108834562209917"
    stored = await inbound_event(pg_database, tenant_id, event_id)
    assert (stored.status, stored.error) == (
        InboundEventStatus.PROCESSED,
        "no channel for facebook account(s) 108834562209917",
    )
    assert len(await mentions_of(pg_database, tenant_id)) == 3


async def test_an_event_for_no_known_account_fails(pg_database: Database) -> None:
    tenant_id = await make_tenant(pg_database, "no-channels")
    event_id = await store_event(pg_database, tenant_id, source="x", payload=body("x", "01_"))
    outcome = await run_job(pg_database, tenant_id, event_id)
    assert outcome["status"] == "failed"
    assert outcome["error"] == "no channel for x account(s) 1453096712384562177"
    stored = await inbound_event(pg_database, tenant_id, event_id)
    assert (stored.status, stored.attempts) == (InboundEventStatus.FAILED, 1)
    assert await count(pg_database, tenant_id, Mention) == 0


async def test_a_malformed_body_fails_the_event_and_counts_on_its_channel(
    pg_database: Database, solvia: Solvia
) -> None:
    payload = json.dumps({"update_id": 7, "message": {"message_id": 1, "chat": 5}}).encode()
    event_id = await store_event(
        pg_database,
        solvia.tenant_id,
        source="telegram",
        payload=payload,
        channel_id=solvia.channel("telegram"),
    )
    outcome = await run_job(pg_database, solvia.tenant_id, event_id)
    error = "telegram payload: message.chat: expected an object, got number"
    assert outcome == {
        "status": "failed",
        "mentions": 0,
        "created": 0,
        "changed": 0,
        "conversation_events": 0,
        "error": error,
    }
    stored = await inbound_event(pg_database, solvia.tenant_id, event_id)
    assert (stored.status, stored.error, stored.attempts) == (InboundEventStatus.FAILED, error, 1)
    bot = await channel(pg_database, solvia, "telegram")
    assert (bot.error_count, bot.last_error) == (1, error)
    assert bot.last_error_at is not None
    assert bot.last_event_at is None

    # Terminal: running the job again does not retry it.
    again = await run_job(pg_database, solvia.tenant_id, event_id)
    assert again["status"] == "skipped"
    assert (await channel(pg_database, solvia, "telegram")).error_count == 1


async def test_a_malformed_meta_batch_counts_on_the_channels_it_names(
    pg_database: Database, solvia: Solvia
) -> None:
    document = json.loads(body("facebook", "02_"))
    del document["entry"][0]["changes"][0]["value"]["comment_id"]
    event_id = await store_event(
        pg_database, solvia.tenant_id, source="meta", payload=json.dumps(document).encode()
    )
    outcome = await run_job(pg_database, solvia.tenant_id, event_id)
    assert outcome["status"] == "failed"
    assert outcome["error"] == "facebook payload: entry[0].changes[0].value.comment_id: missing"
    assert (await channel(pg_database, solvia, "fb_polska")).error_count == 1
    assert (await channel(pg_database, solvia, "fb_italia")).error_count == 0


async def test_a_body_that_is_not_json_fails(pg_database: Database, solvia: Solvia) -> None:
    event_id = await store_event(pg_database, solvia.tenant_id, source="meta", payload=b"{oops")
    outcome = await run_job(pg_database, solvia.tenant_id, event_id)
    assert outcome["status"] == "failed"
    assert outcome["error"].startswith("meta payload is not valid JSON")


async def test_a_source_without_parser_fails(pg_database: Database, solvia: Solvia) -> None:
    event_id = await store_event(
        pg_database,
        solvia.tenant_id,
        source="carrier-pigeon",
        payload=b"{}",
        channel_id=solvia.channel("import"),
    )
    outcome = await run_job(pg_database, solvia.tenant_id, event_id)
    assert (outcome["status"], outcome["error"]) == (
        "failed",
        "no parser for source 'carrier-pigeon'",
    )
    assert (await channel(pg_database, solvia, "import")).error_count == 1


async def test_a_generic_webhook_event_becomes_a_mention_of_its_channel(
    pg_database: Database, solvia: Solvia
) -> None:
    payload = {
        "events": [
            {
                "id": "review-981",
                "kind": "review",
                "text": "Parcel arrived broken",
                "author": {"id": "u-17", "handle": "anna_k", "name": "Anna K."},
                "posted_at": "2026-11-30T09:15:00Z",
            }
        ]
    }
    event_id = await store_event(
        pg_database,
        solvia.tenant_id,
        source="generic",
        payload=json.dumps(payload).encode(),
        channel_id=solvia.channel("import"),
    )
    outcome = await run_job(pg_database, solvia.tenant_id, event_id)
    assert (outcome["status"], outcome["created"]) == ("processed", 1)
    (stored,) = await mentions_of(pg_database, solvia.tenant_id)
    assert (stored.platform, stored.kind, stored.external_id, stored.channel_id) == (
        "generic",
        "review",
        "review-981",
        solvia.channel("import"),
    )
    assert stored.conversation_id is not None


async def test_last_event_at_follows_the_newest_event(
    pg_database: Database, solvia: Solvia
) -> None:
    newer = RECEIVED_AT + timedelta(hours=1)
    for received_at, prefix in ((newer, "02_"), (RECEIVED_AT, "04_")):
        event_id = await store_event(
            pg_database,
            solvia.tenant_id,
            source="meta",
            payload=body("facebook", prefix),
            received_at=received_at,
        )
        await run_job(pg_database, solvia.tenant_id, event_id)
    page = await channel(pg_database, solvia, "fb_polska")
    assert page.last_event_at == newer
    assert (await channel(pg_database, solvia, "fb_italia")).last_event_at is None


async def test_an_unknown_event_is_a_terminal_job_failure(
    pg_database: Database, solvia: Solvia
) -> None:
    outcome = await run_job(pg_database, solvia.tenant_id, solvia.polska)
    assert outcome == JobOutcome(status="failed", detail="NotFoundError")
