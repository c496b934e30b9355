"""Subscriptions on the embedded default: SQLite, in-process jobs, the in-process broker."""

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from api.app import create_app
from api.graphql.ids import to_global_id
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.realtime.broker import local_broker
from domain.realtime.service import inbox_channel
from tests.api.realtime.conftest import SUBPROTOCOL, GraphQLSocket, served
from tests.embedded import embedded_services
from tests.factories import make_member
from tests.integration.faults.fault_scenario import telegram_bodies
from tests.integration.webhooks.webhook_scenario import TELEGRAM_SECRET, build_agency
from workers.queue import InProcessJobQueue

OPERATIONS = Path(__file__).resolve().parents[3] / "frontend_contract" / "operations"
INBOX_EVENTS = (OPERATIONS / "InboxEvents.graphql").read_text()


@pytest.fixture
async def embedded(tmp_path: Path, encryption_key: str) -> AsyncIterator[Services]:
    async with embedded_services(
        tmp_path, encryption_key, in_process_jobs=True, triage_enabled=False
    ) as services:
        yield services


async def test_a_webhook_reaches_a_subscriber_through_the_in_process_broker(
    embedded: Services,
) -> None:
    assert embedded.redis is None
    agency = await build_agency(embedded.database)
    user = await make_member(
        embedded.database, agency.tenant_id, "agent@solvia.example", Role.AGENT
    )
    token = embedded.tokens.issue(
        subject=str(user),
        tenant_id=agency.tenant_id,
        scopes=frozenset(scopes_for_role(Role.AGENT)),
        ttl_seconds=300,
    )
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    async with (
        served(create_app(embedded.settings, services=embedded)) as base_url,
        connect(
            base_url.replace("http://", "ws://") + "/graphql",
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
        ) as connection,
    ):
        socket = GraphQLSocket(connection)
        assert await socket.init(token) == {"type": "connection_ack"}
        await socket.subscribe("1", INBOX_EVENTS)
        while local_broker().subscriber_count(inbox_channel(agency.tenant_id)) < 1:
            await socket.send({"type": "ping"})
            assert await socket.receive() == {"type": "pong"}
        async with httpx.AsyncClient(base_url=base_url) as http:
            started = time.perf_counter()
            response = await http.post(
                agency.telegram_url, content=telegram_bodies(1)[0], headers=headers
            )
            message = await socket.receive()
            elapsed = time.perf_counter() - started

    assert response.status_code == 200
    event = message["payload"]["data"]["inboxEvents"]
    assert event["kind"] == "opened"
    assert event["brandId"] == to_global_id("Brand", agency.brand_id)
    assert elapsed <= 1.0
    assert isinstance(embedded.queue, InProcessJobQueue)
    await embedded.queue.drain()
    assert local_broker().subscriber_count(inbox_channel(agency.tenant_id)) == 0
