"""Parallel redeliveries race in the database, and exactly one of them wins."""

import asyncio

import httpx
import pytest
from arq.connections import ArqRedis

from api.services import Services
from tests.integration.webhooks.webhook_scenario import (
    Agency,
    deliver,
    load_channel,
    queued_job_ids,
    queued_processing_runs,
    stored_events,
)
from tests.unit.channels.webhook_fixture_manifests import fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

COPIES = 20


async def test_twenty_parallel_copies_store_one_event_and_enqueue_one_job(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    comment = fixture("facebook", "02_")

    responses = await asyncio.gather(*(deliver(client, agency, comment) for _ in range(COPIES)))

    assert [response.status_code for response in responses] == [200] * COPIES
    (event,) = await stored_events(services.database, agency.tenant_id)
    assert event.body == comment.body
    # One processing run, waiting to be started.
    assert await queued_processing_runs(arq_redis, queue_name, agency.tenant_id) == [
        {"tenant_id": str(agency.tenant_id), "event_id": str(event.id), "catch_up": True}
    ]
    assert len(await queued_job_ids(arq_redis, queue_name)) == 1
    page = await load_channel(
        services.database, agency.tenant_id, agency.channel("104729384756120")
    )
    assert page.last_event_at == event.received_at


async def test_parallel_copies_of_several_platforms_store_one_event_each(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    originals = [fixture("telegram", "01_"), fixture("vk", "08_"), fixture("x", "01_")]
    redeliveries = [fixture("telegram", "11_"), fixture("vk", "10_"), fixture("x", "10_")]
    mixed = [
        item
        for _ in range(COPIES // 2)
        for pair in zip(originals, redeliveries, strict=True)
        for item in pair
    ]

    responses = await asyncio.gather(*(deliver(client, agency, item) for item in mixed))

    assert {response.status_code for response in responses} == {200}
    events = await stored_events(services.database, agency.tenant_id)
    assert sorted(event.source for event in events) == ["telegram", "vk", "x"]
    # The first stored event's run is queued and not started: the others joined it.
    (run,) = await queued_processing_runs(arq_redis, queue_name, agency.tenant_id)
    assert run["event_id"] in {str(event.id) for event in events}
    assert len(await queued_job_ids(arq_redis, queue_name)) == 1
