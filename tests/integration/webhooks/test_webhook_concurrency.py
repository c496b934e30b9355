"""Parallel redeliveries race in the database, and exactly one of them wins."""

import asyncio

import httpx
import pytest
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus

from api.services import Services
from tests.integration.webhooks.webhook_scenario import (
    Agency,
    deliver,
    load_channel,
    queued_job_ids,
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
    assert await queued_job_ids(arq_redis, queue_name) == [f"inbound:{event.id}"]
    assert await Job(f"inbound:{event.id}", arq_redis, _queue_name=queue_name).status() is (
        JobStatus.queued
    )
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
    assert await queued_job_ids(arq_redis, queue_name) == sorted(
        f"inbound:{event.id}" for event in events
    )
