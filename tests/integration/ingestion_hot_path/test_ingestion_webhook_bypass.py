"""Webhook requests skip CORS and bearer authentication; the rest of the app keeps them."""

import httpx
import pytest
from starlette.applications import Starlette

from api.services import Services
from tests.integration.webhooks.webhook_scenario import (
    TELEGRAM_BOT,
    TELEGRAM_SECRET,
    Agency,
    load_channel,
    stored_events,
)
from tests.unit.channels.webhook_fixture_manifests import fixture

pytestmark = pytest.mark.postgres

BROKEN_BEARER = {"Authorization": "Bearer not-a-token"}


def client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://parley.test")


async def test_a_webhook_is_stored_whatever_its_authorization_header_says(
    app: Starlette, services: Services, agency: Agency
) -> None:
    async with client(app) as http:
        response = await http.post(
            agency.telegram_url,
            content=fixture("telegram", "01_").body,
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
                "Origin": "https://inbox.example",
                **BROKEN_BEARER,
            },
        )

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    events = await stored_events(services.database, agency.tenant_id)
    assert len(events) == 1
    channel = await load_channel(services.database, agency.tenant_id, agency.channel(TELEGRAM_BOT))
    assert channel.last_event_at == events[0].received_at


async def test_a_duplicate_delivery_touches_no_channel(
    app: Starlette, services: Services, agency: Agency
) -> None:
    update = fixture("telegram", "01_").body
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    async with client(app) as http:
        first = await http.post(agency.telegram_url, content=update, headers=headers)
        marked = await load_channel(
            services.database, agency.tenant_id, agency.channel(TELEGRAM_BOT)
        )
        again = await http.post(agency.telegram_url, content=update, headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert len(await stored_events(services.database, agency.tenant_id)) == 1
    channel = await load_channel(services.database, agency.tenant_id, agency.channel(TELEGRAM_BOT))
    assert channel.last_event_at == marked.last_event_at


async def test_an_unknown_webhook_path_or_method_still_answers_404_or_405(app: Starlette) -> None:
    async with client(app) as http:
        unknown = await http.post("/webhooks/nowhere/at-all", content=b"{}")
        wrong_method = await http.put("/webhooks/telegram/some-channel", content=b"{}")

    assert unknown.status_code == 404
    assert wrong_method.status_code == 405


async def test_other_paths_still_refuse_a_broken_bearer_token(app: Starlette) -> None:
    async with client(app) as http:
        response = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers=BROKEN_BEARER
        )

    assert response.status_code == 401
