"""A tenant shaped like the webhook fixtures' "Solvia", and helpers to run the ingestion job.

Raw events are stored directly as `InboundEvent` rows (the receivers are tested
elsewhere); the job is called exactly as arq calls it.
"""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.channels.models import ChannelKind
from domain.channels.service import create_channel
from domain.conversations.models import Conversation, ConversationEvent
from domain.customers.models import Customer, CustomerIdentity
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEvent
from domain.mentions.models import Mention
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_tenant
from tests.unit.channels.webhook_fixture_manifests import body
from workers.jobs.ingestion import process_inbound_event

#: When the test events arrive: after every fixture's own timestamps (March 2025).
RECEIVED_AT = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)

#: Meta and X deliver to an app-level URL; Telegram and VK to a URL per channel.
SOURCES = {"facebook": "meta", "instagram": "meta", "x": "x", "telegram": "telegram", "vk": "vk"}


@dataclass(frozen=True)
class Solvia:
    """The fixture tenant: two brands and one channel per fixture account."""

    tenant_id: uuid.UUID
    polska: uuid.UUID
    italia: uuid.UUID
    channels: dict[str, uuid.UUID]

    def channel(self, name: str) -> uuid.UUID:
        return self.channels[name]


#: (name, brand, kind, external account id) of the fixture accounts.
CHANNELS = (
    ("fb_polska", "polska", ChannelKind.FACEBOOK_PAGE, "104729384756120"),
    ("fb_italia", "italia", ChannelKind.FACEBOOK_PAGE, "108834562209917"),
    ("ig_official", "polska", ChannelKind.INSTAGRAM, "17841405822304914"),
    ("ig_italia", "italia", ChannelKind.INSTAGRAM, "17841463520098123"),
    ("x", "polska", ChannelKind.X, "1453096712384562177"),
    ("telegram", "polska", ChannelKind.TELEGRAM, "solvia_support_bot"),
    ("vk", "polska", ChannelKind.VK, "227771234"),
    ("import", "polska", ChannelKind.IMPORT, None),
)


async def make_solvia(database: Database, slug: str = "solvia") -> Solvia:
    tenant_id = await make_tenant(database, slug)
    brands = {
        "polska": (await make_brand(database, tenant_id, "polska")).id,
        "italia": (await make_brand(database, tenant_id, "italia")).id,
    }
    channels: dict[str, uuid.UUID] = {}
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        for name, brand, kind, account in CHANNELS:
            channel = await create_channel(
                uow,
                None,
                brand_id=brands[brand],
                kind=kind,
                name=name,
                external_account_id=account,
            )
            channels[name] = channel.id
        await uow.commit()
    return Solvia(tenant_id, brands["polska"], brands["italia"], channels)


@pytest.fixture
async def solvia(pg_database: Database) -> Solvia:
    return await make_solvia(pg_database)


@pytest.fixture(params=["postgresql", "sqlite"])
def any_database(request: pytest.FixtureRequest) -> Database:
    """The real PostgreSQL, then the embedded default's SQLite: the same flow on both."""
    name = "pg_database" if request.param == "postgresql" else "sqlite_database"
    database: Database = request.getfixturevalue(name)
    return database


@pytest.fixture
async def solvia_anywhere(any_database: Database) -> Solvia:
    return await make_solvia(any_database)


def channel_for(solvia: Solvia, platform: str) -> uuid.UUID | None:
    """The channel a per-channel source's URL belongs to (None for app-level sources)."""
    return {"telegram": solvia.channel("telegram"), "vk": solvia.channel("vk")}.get(platform)


async def store_event(
    database: Database,
    tenant_id: uuid.UUID,
    *,
    source: str,
    payload: bytes,
    channel_id: uuid.UUID | None = None,
    received_at: datetime = RECEIVED_AT,
    dedupe_key: str | None = None,
) -> uuid.UUID:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        event = InboundEvent(
            source=source,
            dedupe_key=dedupe_key or uuid.uuid4().hex,
            channel_id=channel_id,
            body=payload,
            headers={},
            received_at=received_at,
        )
        uow.session.add(event)
        await uow.commit()
    return event.id


async def run_job(database: Database, tenant_id: uuid.UUID, event_id: uuid.UUID) -> Any:
    """The job as arq calls it."""
    return await process_inbound_event(
        {"database": database, "job_try": 1}, tenant_id=str(tenant_id), event_id=str(event_id)
    )


async def deliver(
    database: Database,
    solvia: Solvia,
    platform: str,
    *file_prefixes: str,
    received_at: datetime = RECEIVED_AT,
) -> list[Any]:
    """Store the fixtures as events (in order, a second apart) and process each."""
    outcomes = []
    for index, prefix in enumerate(file_prefixes):
        event_id = await store_event(
            database,
            solvia.tenant_id,
            source=SOURCES[platform],
            payload=body(platform, prefix),
            channel_id=channel_for(solvia, platform),
            received_at=received_at + timedelta(seconds=index),
        )
        outcomes.append(await run_job(database, solvia.tenant_id, event_id))
    return outcomes


async def mentions_of(database: Database, tenant_id: uuid.UUID) -> list[Mention]:
    """Every mention of the tenant, by channel then external id."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(Mention).order_by(Mention.channel_id, Mention.external_id)
        )
        return list(result.scalars())


async def mention(database: Database, tenant_id: uuid.UUID, external_id: str) -> Mention:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(Mention).where(Mention.external_id == external_id)
        )
        return result.scalar_one()


async def conversations_of(database: Database, tenant_id: uuid.UUID) -> list[Conversation]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(Conversation).order_by(Conversation.opened_at, Conversation.thread_key)
        )
        return list(result.scalars())


async def events_of(
    database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID
) -> list[tuple[str, dict[str, Any]]]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(ConversationEvent)
            .where(ConversationEvent.conversation_id == conversation_id)
            .order_by(ConversationEvent.created_at)
        )
        return [(event.kind, event.data) for event in result.scalars()]


async def customers_of(database: Database, tenant_id: uuid.UUID) -> list[Customer]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(select(Customer).order_by(Customer.display_name))
        return list(result.scalars())


async def identities_of(database: Database, tenant_id: uuid.UUID) -> list[CustomerIdentity]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(CustomerIdentity).order_by(
                CustomerIdentity.platform, CustomerIdentity.platform_user_id
            )
        )
        return list(result.scalars())


async def outbox_of(database: Database, tenant_id: uuid.UUID, topic: str) -> list[dict[str, Any]]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.topic == topic)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
        return [message.payload for message in result.scalars()]


async def count(database: Database, tenant_id: uuid.UUID, model: Any) -> int:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        return int(
            (await uow.session.execute(select(func.count()).select_from(model))).scalar_one()
        )


async def inbound_event(
    database: Database, tenant_id: uuid.UUID, event_id: uuid.UUID
) -> InboundEvent:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        found = await uow.session.get(InboundEvent, event_id)
        assert found is not None
        return found


def texts(items: Sequence[Mention]) -> list[str]:
    return [item.text for item in items]


def facebook_comment(
    *,
    comment_id: str,
    created: datetime,
    author_id: str = "8412093375521064",
    author_name: str = "Katarzyna Wiśniewska",
    message: str = "Gdzie jest moja paczka?",
    verb: str = "add",
    page_id: str = "104729384756120",
    post_id: str = "104729384756120_122158734409283716",
) -> bytes:
    """A Page feed webhook body with one comment event (the shape of fixture 02)."""
    value: dict[str, Any] = {
        "from": {"id": author_id, "name": author_name},
        "message": message,
        "post_id": post_id,
        "comment_id": comment_id,
        "created_time": int(created.timestamp()),
        "item": "comment",
        "parent_id": post_id,
        "verb": verb,
    }
    document = {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": int(created.timestamp()),
                "changes": [{"field": "feed", "value": value}],
            }
        ],
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
