"""The receivers on the embedded default: SQLite and the in-process job runner."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.services import Services
from domain.ingestion.models import InboundEventStatus
from tests.embedded import embedded_services
from tests.integration.webhooks.webhook_scenario import (
    build_agency,
    deliver,
    expected_dedupe_key,
    stored_events,
)
from tests.unit.channels.webhook_fixture_manifests import fixture, fixtures
from workers.queue import InProcessJobQueue


@pytest.fixture
async def embedded(tmp_path: Path, encryption_key: str) -> AsyncIterator[Services]:
    async with embedded_services(tmp_path, encryption_key, in_process_jobs=True) as services:
        yield services


@pytest.fixture
async def embedded_client(embedded: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(embedded.settings, services=embedded)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo.test") as client:
        yield client


async def test_every_fixture_is_stored_once_on_sqlite_and_processed_in_process(
    embedded: Services, embedded_client: httpx.AsyncClient
) -> None:
    assert embedded.database.dialect == "sqlite"
    agency = await build_agency(embedded.database)
    deliveries = fixtures(webhook_only=True)
    confirmation = fixture("vk", "01_")
    events_expected = [
        item for item in deliveries if "duplicate_of" not in item.entry and item != confirmation
    ]

    replies = [await deliver(embedded_client, agency, item) for item in deliveries]
    repeated = await deliver(embedded_client, agency, fixture("facebook", "02_"))
    queue = embedded.queue
    assert isinstance(queue, InProcessJobQueue)
    await queue.drain()

    assert {reply.status_code for reply in [*replies, repeated]} == {200}
    assert replies[deliveries.index(confirmation)].text == "5e8c1f27"
    events = await stored_events(embedded.database, agency.tenant_id)
    assert sorted(event.dedupe_key for event in events) == sorted(
        expected_dedupe_key(item.entry["dedupe_keys"]) for item in events_expected
    )
    assert sorted(event.body for event in events) == sorted(item.body for item in events_expected)
    # Each accepted event was enqueued once and run by the in-process runner.
    assert {event.status for event in events} == {InboundEventStatus.PROCESSED}
    assert all(event.processed_at is not None for event in events)
