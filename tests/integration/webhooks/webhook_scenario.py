"""The fictional agency of the webhook fixtures, set up through the ingestion service.

One tenant with one brand whose channels carry the fixtures' account ids, a Meta
app and an X app with the manifests' test secrets, and per-channel URLs for
Telegram, VK and a generic webhook.
"""

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from arq.connections import ArqRedis
from sqlalchemy import select

from domain.channels.models import Channel, ChannelKind
from domain.channels.repository import ChannelRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.models import AppPlatform, InboundEvent
from domain.ingestion.service import (
    PROCESS_INBOUND_EVENT_JOB,
    WebhookSource,
    create_platform_app,
    processing_group,
    register_channel,
    webhook_path,
)
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_tenant
from tests.unit.channels.webhook_fixture_manifests import Fixture, manifest

META_SECRET = str(manifest("facebook")["test_secret"])
META_VERIFY_TOKEN = str(manifest("facebook")["handshake"]["verify_token"])
X_SECRET = str(manifest("x")["test_secret"])
TELEGRAM_SECRET = str(manifest("telegram")["test_secret"])
VK_SECRET = str(manifest("vk")["test_secret"])
VK_CONFIRMATION = str(manifest("vk")["handshake"]["expected_response"]["body"])
GENERIC_SECRET = "solvia-crm-signing-secret-0042"

META_APP_ID = "902118344576631"
X_APP_ID = "27811934"

FACEBOOK_PAGES = ("104729384756120", "108834562209917")
INSTAGRAM_ACCOUNTS = ("17841405822304914", "17841463520098123")
X_ACCOUNT = "1453096712384562177"
TELEGRAM_BOT = "7312458890"
VK_GROUP = "227771234"


@dataclass(frozen=True)
class Agency:
    """Ids of one tenant's webhook set-up."""

    tenant_id: uuid.UUID
    brand_id: uuid.UUID
    meta_app_id: uuid.UUID
    x_app_id: uuid.UUID
    channels: dict[str, uuid.UUID]  # by external account id
    meta_app_key: str = META_APP_ID
    x_app_key: str = X_APP_ID

    def channel(self, external_id: str) -> uuid.UUID:
        return self.channels[external_id]

    @property
    def telegram_url(self) -> str:
        return webhook_path(WebhookSource.TELEGRAM, str(self.channel(TELEGRAM_BOT)))

    @property
    def vk_url(self) -> str:
        return webhook_path(WebhookSource.VK, str(self.channel(VK_GROUP)))

    @property
    def generic_url(self) -> str:
        return webhook_path(WebhookSource.GENERIC, str(self.channel("crm-feed")))

    @property
    def meta_url(self) -> str:
        return webhook_path(WebhookSource.META, self.meta_app_key)

    def url_for(self, platform: str) -> str:
        """The URL a fixture of `platform` is delivered to."""
        if platform in ("facebook", "instagram"):
            return self.meta_url
        if platform == "x":
            return webhook_path(WebhookSource.X, self.x_app_key)
        if platform == "telegram":
            return self.telegram_url
        return self.vk_url


async def build_agency(
    database: Database,
    slug: str = "solvia",
    *,
    meta_app_id: str = META_APP_ID,
    x_app_id: str = X_APP_ID,
    facebook_pages: tuple[str, ...] = FACEBOOK_PAGES,
    meta_secret: str = META_SECRET,
    telegram_secret: str = TELEGRAM_SECRET,
) -> Agency:
    """A tenant, a brand, the apps and one channel per fixture account."""
    tenant_id = await make_tenant(database, slug)
    brand = await make_brand(database, tenant_id, slug)
    channels: dict[str, uuid.UUID] = {}
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        meta_app = await create_platform_app(
            uow,
            platform=AppPlatform.META,
            app_id=meta_app_id,
            app_secret=meta_secret,
            verify_token=META_VERIFY_TOKEN,
        )
        x_app = await create_platform_app(
            uow, platform=AppPlatform.X, app_id=x_app_id, app_secret=X_SECRET
        )
        wanted: list[tuple[ChannelKind, str, dict[str, str]]] = [
            *(
                (ChannelKind.FACEBOOK_PAGE, page, {"app_id": meta_app_id})
                for page in facebook_pages
            ),
            *(
                (ChannelKind.INSTAGRAM, account, {"app_id": meta_app_id})
                for account in INSTAGRAM_ACCOUNTS
            ),
            (ChannelKind.X, X_ACCOUNT, {"app_id": x_app_id}),
            (ChannelKind.TELEGRAM, TELEGRAM_BOT, {"secret": telegram_secret}),
            (
                ChannelKind.VK,
                VK_GROUP,
                {"secret": VK_SECRET, "confirmation_code": VK_CONFIRMATION},
            ),
            (ChannelKind.GENERIC_WEBHOOK, "crm-feed", {"secret": GENERIC_SECRET}),
        ]
        for kind, external_id, options in wanted:
            registered = await register_channel(
                uow, brand_id=brand.id, kind=kind, external_account_id=external_id, **options
            )
            channels[external_id] = registered.channel.id
        await uow.commit()
    return Agency(
        tenant_id=tenant_id,
        brand_id=brand.id,
        meta_app_id=meta_app.id,
        x_app_id=x_app.id,
        channels=channels,
        meta_app_key=meta_app_id,
        x_app_key=x_app_id,
    )


async def stored_events(database: Database, tenant_id: uuid.UUID) -> list[InboundEvent]:
    """Every inbound event the tenant's scope can see, oldest first."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(InboundEvent).order_by(InboundEvent.received_at, InboundEvent.id)
        )
        return list(result.scalars())


async def load_channel(database: Database, tenant_id: uuid.UUID, channel_id: uuid.UUID) -> Channel:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        return await ChannelRepository(uow).get(channel_id)


async def queued_job_ids(redis: ArqRedis, queue_name: str) -> list[str]:
    """The ids of the jobs waiting in an arq queue."""
    members = await redis.zrange(queue_name, 0, -1)
    return sorted(member.decode() for member in members)


async def queued_processing_runs(
    redis: ArqRedis, queue_name: str, tenant_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The keyword arguments of the tenant's processing runs waiting in an arq queue
    (the receivers enqueue catch-up runs of the tenant's job group)."""
    group = processing_group(tenant_id)
    return [
        job.kwargs
        for job in await redis.queued_jobs(queue_name=queue_name)
        if job.function == PROCESS_INBOUND_EVENT_JOB and str(job.job_id).startswith(f"{group}:")
    ]


async def deliver(client: httpx.AsyncClient, agency: Agency, fixture: Fixture) -> httpx.Response:
    """POST a fixture's exact bytes with its manifest headers to its URL."""
    return await client.post(
        agency.url_for(fixture.platform), content=fixture.body, headers=fixture.headers
    )


def meta_signature(body: bytes, secret: str = META_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def expected_dedupe_key(keys: list[str]) -> str:
    """The stored dedupe key of a body whose platform keys are `keys` (from the manifest)."""
    joined = "\n".join(sorted(set(keys))).encode()
    return "keys:" + hashlib.sha256(joined).hexdigest()
