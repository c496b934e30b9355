"""Replies through the GraphQL endpoint: an agency with two brands on Facebook pages,
members of every role, customer threads, another agency, and a job queue of its own."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix

from api.graphql.ids import to_global_id
from api.services import Services, build_services
from domain.approvals.rules import VersionState
from domain.authz.policy import Role, scopes_for_role
from domain.channels.models import ChannelKind
from domain.channels.service import create_channel
from domain.conversations.models import Conversation, ConversationKind, ConversationStatus
from domain.customers.models import Customer
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.mentions.models import Mention, MentionDirection
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_member, make_tenant
from workers.queue import ArqJobQueue

#: The demo brand whose built-in tone guidelines (Polish, formal) the check applies.
TONED_BRAND = "wierzba"
OTHER_BRAND = "globex"


@dataclass(frozen=True)
class Thread:
    conversation_id: uuid.UUID
    mention_id: uuid.UUID
    customer_id: uuid.UUID


@dataclass
class World:
    services: Services
    redis: ArqRedis
    queue_name: str
    tenant_id: uuid.UUID
    brand_ids: dict[str, uuid.UUID]
    channel_ids: dict[str, uuid.UUID]
    users: dict[Role, uuid.UUID]
    other_tenant_id: uuid.UUID
    other_owner: uuid.UUID
    other_brand_id: uuid.UUID
    other_channel_id: uuid.UUID

    def token(self, role: Role) -> str:
        return self.services.tokens.issue(
            subject=str(self.users[role]),
            tenant_id=self.tenant_id,
            scopes=frozenset(scopes_for_role(role)),
            ttl_seconds=300,
        )

    def other_token(self) -> str:
        return self.services.tokens.issue(
            subject=str(self.other_owner),
            tenant_id=self.other_tenant_id,
            scopes=frozenset(scopes_for_role(Role.OWNER)),
            ttl_seconds=300,
        )

    def unit_of_work(self, tenant_id: uuid.UUID | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.services.database, actor=TEST_ACTOR, scope=TenantScope(tenant_id or self.tenant_id)
        )

    async def queued_job_ids(self) -> list[str]:
        """Job ids waiting in this test's queue, in order."""
        return [raw.decode() for raw in await self.redis.zrange(self.queue_name, 0, -1)]

    async def approved_qna_version(self, brand: str = TONED_BRAND) -> uuid.UUID:
        """A Q&A entry of the brand with one approved version; returns the version id."""
        async with self.unit_of_work() as uow:
            entry = QnaEntry(
                brand_id=self.brand_ids[brand],
                external_key=f"q-{uuid.uuid4().hex[:8]}",
                language="pl",
                status=VersionState.APPROVED,
                latest_version=1,
                approved_version=1,
            )
            uow.session.add(entry)
            await uow.flush()
            version = QnaVersion(
                entry_id=entry.id,
                number=1,
                question_variants=["Gdzie jest moja paczka?"],
                answer="Sprawdzamy to dla Pana/Pani.",
                state=VersionState.APPROVED,
                created_by="tests",
            )
            uow.session.add(version)
            await uow.commit()
            return version.id

    async def thread(
        self,
        *,
        brand: str = TONED_BRAND,
        text: str = "Gdzie jest moja paczka? Czekam od tygodnia.",
        language: str = "pl",
        labels: dict[str, Any] | None = None,
        is_vip: bool = False,
        other_tenant: bool = False,
    ) -> Thread:
        """A customer's public comment thread on the brand's page."""
        tenant_id = self.other_tenant_id if other_tenant else self.tenant_id
        brand_id = self.other_brand_id if other_tenant else self.brand_ids[brand]
        channel_id = self.other_channel_id if other_tenant else self.channel_ids[brand]
        now = utcnow()
        number = uuid.uuid4().hex[:12]
        async with self.unit_of_work(tenant_id) as uow:
            customer = Customer(id=uuid.uuid4(), display_name="customer", is_vip=is_vip)
            uow.session.add(customer)
            await uow.flush()
            conversation = Conversation(
                id=uuid.uuid4(),
                brand_id=brand_id,
                channel_id=channel_id,
                customer_id=customer.id,
                kind=ConversationKind.PUBLIC_THREAD,
                thread_key=f"post_{number}",
                status=ConversationStatus.NEW,
                opened_at=now,
                last_message_at=now,
                message_count=1,
            )
            uow.session.add(conversation)
            await uow.flush()
            mention = Mention(
                id=uuid.uuid4(),
                brand_id=brand_id,
                channel_id=channel_id,
                conversation_id=conversation.id,
                customer_id=customer.id,
                external_id=f"post_{number}_comment",
                platform="facebook_page",
                kind="comment",
                direction=MentionDirection.INBOUND,
                root_external_id=f"post_{number}",
                author_platform_id=f"customer-{number}",
                text=text,
                posted_at=now,
                received_at=now,
                language=language,
                labels=labels or {"category": "complaint", "priority": "hot"},
                extra={},
            )
            uow.session.add(mention)
            await uow.commit()
        return Thread(conversation.id, mention.id, customer.id)


async def _page(database: Database, tenant_id: uuid.UUID, brand_id: uuid.UUID, page: str) -> Any:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        channel = await create_channel(
            uow,
            None,
            brand_id=brand_id,
            kind=ChannelKind.FACEBOOK_PAGE,
            name=f"page {page}",
            external_account_id=page,
            dm_enabled=True,
            secrets={"page_access_token": f"token-{page}"},
        )
        await uow.commit()
    return channel


@dataclass(frozen=True)
class QueueProbe:
    """A job queue of this test's own on the shared Redis, and a connection to inspect it."""

    redis: ArqRedis
    name: str


@pytest.fixture
async def queue_probe(redis_url: str) -> AsyncIterator[QueueProbe]:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    queue = QueueProbe(redis=redis, name=f"parley:test-replies:{uuid.uuid4().hex}")
    yield queue
    for raw in await redis.zrange(queue.name, 0, -1):
        await redis.delete(job_key_prefix + raw.decode())
    await redis.delete(queue.name)
    await redis.aclose()


@pytest.fixture
async def services(
    pg_database: Database, services_settings: Settings, redis_url: str, queue_probe: QueueProbe
) -> AsyncIterator[Services]:
    """The API's services, enqueueing into this test's own queue."""
    built = build_services(services_settings, queue=None)
    built.queue = ArqJobQueue(
        await create_pool(RedisSettings.from_dsn(redis_url)), queue_name=queue_probe.name
    )
    yield built
    await built.aclose()


@pytest.fixture
async def world(services: Services, queue_probe: QueueProbe) -> World:
    database = services.database
    tenant_id = await make_tenant(database, "agency")
    toned = await make_brand(database, tenant_id, TONED_BRAND)
    other = await make_brand(database, tenant_id, OTHER_BRAND)
    users = {
        role: await make_member(
            database,
            tenant_id,
            f"{role.value}@agency.example",
            role,
            (TONED_BRAND,) if role in {Role.CLIENT_APPROVER, Role.CLIENT_VIEWER} else (),
        )
        for role in Role
    }
    other_tenant_id = await make_tenant(database, "other-agency")
    foreign_brand = await make_brand(database, other_tenant_id, TONED_BRAND)
    foreign_channel = await _page(database, other_tenant_id, foreign_brand.id, "foreign-page")
    return World(
        services=services,
        redis=queue_probe.redis,
        queue_name=queue_probe.name,
        tenant_id=tenant_id,
        brand_ids={TONED_BRAND: toned.id, OTHER_BRAND: other.id},
        channel_ids={
            TONED_BRAND: (await _page(database, tenant_id, toned.id, "wierzba-page")).id,
            OTHER_BRAND: (await _page(database, tenant_id, other.id, "globex-page")).id,
        },
        users=users,
        other_tenant_id=other_tenant_id,
        other_owner=await make_member(database, other_tenant_id, "owner@other.example", Role.OWNER),
        other_brand_id=foreign_brand.id,
        other_channel_id=foreign_channel.id,
    )


async def ask(
    client: httpx.AsyncClient, token: str | None, query: str, **variables: Any
) -> dict[str, Any]:
    """POST a GraphQL document; anonymous callers must get 401 and nothing else."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    if token is None:
        assert response.status_code == 401, response.text
        return {}
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def gid(type_name: str, object_id: uuid.UUID) -> str:
    return str(to_global_id(type_name, object_id))
