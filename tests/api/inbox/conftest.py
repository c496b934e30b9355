"""A tenant with two brands, members of every role, customers, conversations and mentions,
plus another tenant, written through the real database."""

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.graphql.ids import to_global_id
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.conversations.models import Conversation, ConversationKind, ConversationStatus
from domain.customers.models import Customer, CustomerIdentity
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention, MentionDirection, TriageStatus
from domain.shared.tenancy import TenantScope
from tests.embedded import embedded_services
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_member, make_tenant

BASE_TIME = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@dataclass
class World:
    services: Services
    tenant_id: uuid.UUID
    brand_ids: dict[str, uuid.UUID]
    channel_ids: dict[str, uuid.UUID]
    users: dict[Role, uuid.UUID]
    other_tenant_id: uuid.UUID
    other_owner: uuid.UUID
    other_brand_id: uuid.UUID
    other_channel_id: uuid.UUID
    counter: list[int] = field(default_factory=lambda: [0])

    def token(self, role: Role, *, scopes: frozenset[str] | None = None) -> str:
        return self.services.tokens.issue(
            subject=str(self.users[role]),
            tenant_id=self.tenant_id,
            scopes=scopes if scopes is not None else frozenset(scopes_for_role(role)),
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
            self.services.database,
            actor=TEST_ACTOR,
            scope=TenantScope(tenant_id or self.tenant_id),
        )

    async def customer(
        self,
        name: str,
        *,
        tenant_id: uuid.UUID | None = None,
        handle: str | None = None,
        platform: str = "facebook",
    ) -> uuid.UUID:
        customer_id = uuid.uuid4()
        async with self.unit_of_work(tenant_id) as uow:
            uow.session.add(
                Customer(
                    id=customer_id,
                    created_at=BASE_TIME + timedelta(seconds=self._next()),
                    display_name=name,
                    is_vip=False,
                    crm_id=None,
                    notes="",
                )
            )
            await uow.flush()
            uow.session.add(
                CustomerIdentity(
                    id=uuid.uuid4(),
                    created_at=BASE_TIME,
                    customer_id=customer_id,
                    platform=platform,
                    platform_user_id=f"pu-{customer_id.hex[:12]}",
                    handle=handle or name.lower().replace(" ", "_"),
                    display_name=name,
                )
            )
            await uow.commit()
        return customer_id

    def _next(self) -> int:
        self.counter[0] += 1
        return self.counter[0]

    async def conversation(
        self,
        *,
        brand: str = "acme",
        customer_id: uuid.UUID,
        priority: str | None = None,
        sla_due_at: datetime | None = None,
        opened_at: datetime | None = None,
        status: ConversationStatus = ConversationStatus.NEW,
        texts: Sequence[str] = ("hello",),
        language: str = "en",
        labels: dict[str, Any] | None = None,
        snoozed_until: datetime | None = None,
        assignee_id: uuid.UUID | None = None,
        tenant_id: uuid.UUID | None = None,
        brand_id: uuid.UUID | None = None,
        channel_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """A conversation with one inbound mention per text, a minute apart."""
        number = self._next()
        opened = opened_at or BASE_TIME + timedelta(minutes=number)
        conversation_id = uuid.uuid4()
        brand_id = brand_id or self.brand_ids[brand]
        channel_id = channel_id or self.channel_ids[brand]
        async with self.unit_of_work(tenant_id) as uow:
            uow.session.add(
                Conversation(
                    id=conversation_id,
                    created_at=opened,
                    brand_id=brand_id,
                    channel_id=channel_id,
                    customer_id=customer_id,
                    kind=ConversationKind.PUBLIC_THREAD,
                    thread_key=f"thread-{number}",
                    status=status,
                    priority=priority,
                    opened_at=opened,
                    last_message_at=opened + timedelta(minutes=len(texts) - 1),
                    last_customer_message_at=opened,
                    resolved_at=None,
                    message_count=len(texts),
                    sla_due_at=sla_due_at,
                    snoozed_until=snoozed_until,
                    assignee_id=assignee_id,
                )
            )
            await uow.flush()
            for index, text in enumerate(texts):
                posted = opened + timedelta(minutes=index)
                uow.session.add(
                    Mention(
                        id=uuid.uuid4(),
                        created_at=posted,
                        brand_id=brand_id,
                        channel_id=channel_id,
                        conversation_id=conversation_id,
                        customer_id=customer_id,
                        external_id=f"m-{number}-{index}",
                        platform="facebook",
                        kind="comment",
                        direction=MentionDirection.INBOUND,
                        author_platform_id="author-1",
                        author_handle="author",
                        author_name="An Author",
                        text=text,
                        permalink=f"https://facebook.example/m-{number}-{index}",
                        posted_at=posted,
                        received_at=posted,
                        triage_status=TriageStatus.DONE if priority else TriageStatus.PENDING,
                        language=language,
                        labels={"priority": priority, **(labels or {})} if priority else {},
                        reasons=["because"] if priority else [],
                    )
                )
            await uow.commit()
        return conversation_id


async def build_world(services: Services) -> World:
    database: Database = services.database
    tenant_id = await make_tenant(database, "agency")
    acme = await make_brand(database, tenant_id, "acme")
    globex = await make_brand(database, tenant_id, "globex")
    acme_channel = await make_channel(database, tenant_id, acme.id, external_account_id="acme-1")
    globex_channel = await make_channel(
        database, tenant_id, globex.id, external_account_id="globex-1"
    )
    users = {
        role: await make_member(
            database,
            tenant_id,
            f"{role.value}@agency.example",
            role,
            ("acme",) if role in {Role.CLIENT_APPROVER, Role.CLIENT_VIEWER} else (),
        )
        for role in Role
    }
    other_tenant_id = await make_tenant(database, "other-agency")
    other_brand = await make_brand(database, other_tenant_id, "acme")
    other_channel = await make_channel(
        database, other_tenant_id, other_brand.id, external_account_id="other-1"
    )
    other_owner = await make_member(database, other_tenant_id, "owner@other.example", Role.OWNER)
    return World(
        services=services,
        tenant_id=tenant_id,
        brand_ids={"acme": acme.id, "globex": globex.id},
        channel_ids={"acme": acme_channel.id, "globex": globex_channel.id},
        users=users,
        other_tenant_id=other_tenant_id,
        other_owner=other_owner,
        other_brand_id=other_brand.id,
        other_channel_id=other_channel.id,
    )


@pytest.fixture
async def world(services: Services) -> World:
    return await build_world(services)


async def ask(
    client: httpx.AsyncClient,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


def gid(type_name: str, object_id: uuid.UUID) -> str:
    return str(to_global_id(type_name, object_id))


@pytest.fixture
async def embedded(tmp_path: Path, encryption_key: str) -> AsyncIterator[Services]:
    async with embedded_services(tmp_path, encryption_key) as services:
        yield services
