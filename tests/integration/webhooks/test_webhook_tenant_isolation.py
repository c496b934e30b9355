"""A tenant's apps and channels route only into that tenant, and its events stay its own."""

import uuid

import httpx
import pytest
from sqlalchemy import text

from api.services import Services
from domain.db.uow import UnitOfWork
from domain.ingestion.models import AppPlatform, InboundEventStatus
from domain.ingestion.repository import InboundEventRepository
from domain.ingestion.service import create_platform_app, list_failed_inbound_events
from domain.shared.errors import ConflictError
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.webhooks.webhook_scenario import (
    FACEBOOK_PAGES,
    META_APP_ID,
    TELEGRAM_BOT,
    Agency,
    build_agency,
    deliver,
    load_channel,
    meta_signature,
    stored_events,
)
from tests.unit.channels.webhook_fixture_manifests import fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

RIVAL_META_SECRET = "0b7e22c4a9d15f3e86a1c4b2d9e07f55"


@pytest.fixture
async def rival(services: Services, agency: Agency) -> Agency:
    """A second agency with its own apps and secrets, managing only the Italian Page."""
    return await build_agency(
        services.database,
        "rival",
        meta_app_id="610000000000001",
        x_app_id="61000002",
        facebook_pages=(FACEBOOK_PAGES[1],),
        meta_secret=RIVAL_META_SECRET,
        telegram_secret="rival_tg_secret_token",
    )


async def visible_row_count(services: Services, tenant_id: uuid.UUID) -> int:
    """Rows of `inbound_events` PostgreSQL itself shows the tenant (raw SQL: RLS only)."""
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(text("SELECT count(*) FROM inbound_events"))
        return int(result.scalar_one())


async def test_one_tenants_app_and_channels_cannot_route_into_another(
    client: httpx.AsyncClient, agency: Agency, rival: Agency, services: Services
) -> None:
    polish_comment = fixture("facebook", "02_")
    telegram = fixture("telegram", "01_")

    refused = [
        # Signed with the first agency's app secret: not the rival app's secret.
        await deliver(client, rival, polish_comment),
        # Signed right for the rival app, but the Page is only the first agency's.
        await client.post(
            rival.meta_url,
            content=polish_comment.body,
            headers={"X-Hub-Signature-256": meta_signature(polish_comment.body, RIVAL_META_SECRET)},
        ),
        # The first agency's Telegram secret token does not open the rival's URL.
        await deliver(client, rival, telegram),
    ]
    accepted = [
        await deliver(client, agency, polish_comment),
        await deliver(client, agency, telegram),
    ]

    assert [response.status_code for response in refused] == [403, 403, 403]
    assert [response.status_code for response in accepted] == [200, 200]
    mine = await stored_events(services.database, agency.tenant_id)
    assert sorted(event.source for event in mine) == ["meta", "telegram"]
    assert await stored_events(services.database, rival.tenant_id) == []
    assert await visible_row_count(services, agency.tenant_id) == 2
    assert await visible_row_count(services, rival.tenant_id) == 0

    rival_scope = TenantScope(rival.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=rival_scope) as uow:
        by_id = await InboundEventRepository(uow).get_many([event.id for event in mine])
        failed = await list_failed_inbound_events(uow)
        of_other_channel = await list_failed_inbound_events(
            uow, channel_id=agency.channel(TELEGRAM_BOT)
        )
    assert (by_id, failed, of_other_channel) == ([], [], [])


async def test_a_shared_page_routes_to_the_tenant_whose_app_delivers(
    client: httpx.AsyncClient, agency: Agency, rival: Agency, services: Services
) -> None:
    italian_comment = b'{"object":"page","entry":[{"id":"108834562209917","time":1741947302,'
    italian_comment += b'"changes":[{"field":"feed","value":{"item":"comment","verb":"add",'
    italian_comment += (
        b'"comment_id":"122117300845601938_663201987412056","created_time":1741947302,'
    )
    italian_comment += b'"post_id":"108834562209917_122117300845601938",'
    italian_comment += b'"parent_id":"108834562209917_122117300845601938",'
    italian_comment += b'"from":{"id":"5511","name":"Giulia"},"message":"Ciao"}}]}]}'

    to_rival = await client.post(
        rival.meta_url,
        content=italian_comment,
        headers={"X-Hub-Signature-256": meta_signature(italian_comment, RIVAL_META_SECRET)},
    )
    to_agency = await client.post(
        agency.meta_url,
        content=italian_comment,
        headers={"X-Hub-Signature-256": meta_signature(italian_comment)},
    )

    assert (to_rival.status_code, to_agency.status_code) == (200, 200)
    (rival_event,) = await stored_events(services.database, rival.tenant_id)
    (agency_event,) = await stored_events(services.database, agency.tenant_id)
    assert (rival_event.app_id, agency_event.app_id) == (rival.meta_app_id, agency.meta_app_id)
    assert rival_event.id != agency_event.id
    assert (rival_event.status, agency_event.status) == (InboundEventStatus.PENDING,) * 2
    assert rival_event.dedupe_key == agency_event.dedupe_key


async def test_an_app_id_has_one_url_and_so_one_tenant(
    agency: Agency, rival: Agency, services: Services
) -> None:
    scope = TenantScope(rival.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        with pytest.raises(ConflictError, match="webhook URL of meta app '902118344576631'"):
            await create_platform_app(
                uow,
                platform=AppPlatform.META,
                app_id=META_APP_ID,
                app_secret="anything",
                verify_token="anything",
            )
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        result = await uow.session.execute(text("SELECT count(*) FROM platform_apps"))
        assert result.scalar_one() == 2


async def test_a_batch_naming_another_tenants_page_too_is_kept_by_the_delivering_app(
    client: httpx.AsyncClient, agency: Agency, rival: Agency, services: Services
) -> None:
    batch = fixture("facebook", "05_").body  # the Polish and the Italian Page
    polish, italian = FACEBOOK_PAGES

    response = await client.post(
        rival.meta_url,
        content=batch,
        headers={"X-Hub-Signature-256": meta_signature(batch, RIVAL_META_SECRET)},
    )

    assert response.status_code == 200
    (event,) = await stored_events(services.database, rival.tenant_id)
    assert (event.body, event.app_id) == (batch, rival.meta_app_id)
    assert await stored_events(services.database, agency.tenant_id) == []
    rival_italian = await load_channel(services.database, rival.tenant_id, rival.channel(italian))
    agency_polish = await load_channel(services.database, agency.tenant_id, agency.channel(polish))
    assert rival_italian.last_event_at == event.received_at
    assert agency_polish.last_event_at is None
