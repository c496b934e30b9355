"""Every webhook fixture of every platform, delivered over HTTP with its manifest headers.

Each delivery is stored raw exactly once, acknowledged with 200 and enqueued once;
redeliveries (the manifests' duplicates and plain repeats) store and enqueue nothing.
"""

import hashlib

import httpx
import pytest
from arq.connections import ArqRedis

from api.services import Services
from domain.ingestion.models import InboundEventStatus
from tests.integration.webhooks.webhook_scenario import (
    FACEBOOK_PAGES,
    TELEGRAM_BOT,
    VK_GROUP,
    Agency,
    deliver,
    expected_dedupe_key,
    load_channel,
    queued_job_ids,
    queued_processing_runs,
    stored_events,
)
from tests.unit.channels.webhook_fixture_manifests import (
    Fixture,
    fixture,
    fixtures,
    manifest,
    params,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SOURCES = {"facebook": "meta", "instagram": "meta", "x": "x", "telegram": "telegram", "vk": "vk"}
EVENT_FIXTURES = [
    item
    for item in fixtures(webhook_only=True)
    if "duplicate_of" not in item.entry and item.entry["kind"] != "confirmation"
]
CHANNEL_ACCOUNTS = {"telegram": TELEGRAM_BOT, "vk": VK_GROUP}
DUPLICATE_FIXTURES = [item for item in fixtures(webhook_only=True) if "duplicate_of" in item.entry]


def expected_reply(item: Fixture) -> bytes:
    return b"ok" if item.platform == "vk" else b""


def routed_pages(item: Fixture) -> list[str]:
    """The Facebook Pages a fixture's events belong to, as its manifest keys tell."""
    return [
        page for page in FACEBOOK_PAGES if any(page in key for key in item.entry["dedupe_keys"])
    ]


@pytest.mark.parametrize("item", params(EVENT_FIXTURES))
async def test_a_fixture_is_stored_once_and_enqueued_once(
    item: Fixture,
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    first = await deliver(client, agency, item)
    again = await deliver(client, agency, item)

    assert (first.status_code, first.content) == (200, expected_reply(item))
    assert (again.status_code, again.content) == (200, expected_reply(item))
    (event,) = await stored_events(services.database, agency.tenant_id)
    assert event.source == SOURCES[item.platform]
    assert event.body == item.body
    assert hashlib.sha256(event.body).hexdigest() == item.entry["body_sha256"]
    assert event.status is InboundEventStatus.PENDING
    assert event.error is None
    assert event.attempts == 0
    assert event.dedupe_key == expected_dedupe_key(item.entry["dedupe_keys"])
    assert event.headers == {
        "user-agent": f"python-httpx/{httpx.__version__}",
        **{
            name.lower(): value
            for name, value in item.headers.items()
            if name.lower() in ("content-type", "x-retry-counter")
        },
    }
    if item.platform in ("facebook", "instagram"):
        assert (event.app_id, event.channel_id) == (agency.meta_app_id, None)
    elif item.platform == "x":
        assert (event.app_id, event.channel_id) == (agency.x_app_id, None)
    else:
        assert event.app_id is None
        assert event.channel_id == agency.channel(CHANNEL_ACCOUNTS[item.platform])

    # One catch-up processing run of the tenant, starting from this event.
    assert await queued_processing_runs(arq_redis, queue_name, agency.tenant_id) == [
        {"tenant_id": str(agency.tenant_id), "event_id": str(event.id), "catch_up": True}
    ]
    assert len(await queued_job_ids(arq_redis, queue_name)) == 1


@pytest.mark.parametrize("item", params(DUPLICATE_FIXTURES))
async def test_a_redelivery_fixture_stores_and_enqueues_nothing(
    item: Fixture,
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    original = fixture(item.platform, str(item.entry["duplicate_of"])[:3])
    first = await deliver(client, agency, original)
    redelivered = await deliver(client, agency, item)

    assert (first.status_code, redelivered.status_code) == (200, 200)
    assert redelivered.content == expected_reply(item)
    (event,) = await stored_events(services.database, agency.tenant_id)
    assert event.body == original.body
    assert event.dedupe_key == expected_dedupe_key(item.entry["dedupe_keys"])
    # The original's run only: the redelivery enqueued nothing.
    assert [
        run["event_id"]
        for run in await queued_processing_runs(arq_redis, queue_name, agency.tenant_id)
    ] == [str(event.id)]
    assert len(await queued_job_ids(arq_redis, queue_name)) == 1


async def test_a_delivery_marks_the_channels_it_belongs_to(
    client: httpx.AsyncClient, agency: Agency, services: Services
) -> None:
    batch = fixture("facebook", "05_")
    polish, italian = FACEBOOK_PAGES
    assert routed_pages(batch) == [polish, italian]

    response = await deliver(client, agency, batch)

    assert response.status_code == 200
    (event,) = await stored_events(services.database, agency.tenant_id)
    for account in (polish, italian):
        channel = await load_channel(services.database, agency.tenant_id, agency.channel(account))
        assert channel.last_event_at == event.received_at
        assert (channel.error_count, channel.last_error) == (0, None)
    untouched = await load_channel(
        services.database, agency.tenant_id, agency.channel("17841405822304914")
    )
    assert untouched.last_event_at is None


async def test_a_vk_confirmation_is_answered_with_the_code_and_not_stored(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    expected = manifest("vk")["handshake"]["expected_response"]

    response = await deliver(client, agency, fixture("vk", "01_"))

    assert (response.status_code, response.text) == (expected["status"], expected["body"])
    assert response.headers["content-type"].split(";")[0] == expected["content_type"]
    assert await stored_events(services.database, agency.tenant_id) == []
    assert await queued_job_ids(arq_redis, queue_name) == []
