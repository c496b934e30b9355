"""Receivers reuse a URL's channel and secrets for a few seconds, then read them again."""

import httpx
import pytest
from starlette.applications import Starlette

from api.services import Services
from api.webhooks.endpoint_cache import TTL_SECONDS, TimedCache
from domain.channels.repository import ChannelRepository
from domain.channels.service import set_channel_secrets
from domain.db.uow import UnitOfWork
from domain.ingestion.service import SecretField
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.webhooks.webhook_scenario import (
    TELEGRAM_BOT,
    TELEGRAM_SECRET,
    Agency,
    stored_events,
)
from tests.unit.channels.webhook_fixture_manifests import fixture

pytestmark = pytest.mark.postgres

ROTATED_SECRET = "rotated-telegram-secret-0002"


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


async def rotate_telegram_secret(services: Services, agency: Agency) -> None:
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        channel = await ChannelRepository(uow).get(agency.channel(TELEGRAM_BOT))
        set_channel_secrets(uow, channel, {SecretField.TELEGRAM: ROTATED_SECRET})
        await uow.commit()


async def test_a_rotated_secret_applies_once_the_remembered_target_expires(
    app: Starlette, services: Services, agency: Agency
) -> None:
    clock = FakeClock()
    app.state.webhook_endpoint_cache = TimedCache(clock=clock)
    app.state.webhook_target_cache = TimedCache(clock=clock)
    update = fixture("telegram", "01_").body

    async def post(secret: str) -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
            response = await http.post(
                agency.telegram_url,
                content=update,
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": secret,
                },
            )
        return response.status_code

    assert await post(TELEGRAM_SECRET) == 200
    await rotate_telegram_secret(services, agency)
    within_ttl = [await post(TELEGRAM_SECRET), await post(ROTATED_SECRET)]
    clock.now += TTL_SECONDS
    after_ttl = [await post(TELEGRAM_SECRET), await post(ROTATED_SECRET)]

    assert within_ttl == [200, 403]
    assert after_ttl == [403, 200]
    assert len(await stored_events(services.database, agency.tenant_id)) == 1


async def test_a_url_registered_after_a_miss_works_at_once(
    app: Starlette, services: Services, agency: Agency
) -> None:
    app.state.webhook_endpoint_cache = TimedCache(clock=FakeClock())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        unknown = await http.post("/webhooks/telegram/not-a-channel", content=b"{}")
        known = await http.post(
            agency.telegram_url,
            content=fixture("telegram", "01_").body,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        )

    assert (unknown.status_code, known.status_code) == (404, 200)
    assert len(app.state.webhook_endpoint_cache) == 1
