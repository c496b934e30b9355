"""Q&A, tone and approvals through the GraphQL endpoint: an agency with two brands,
members of every role (client roles granted one brand), a customer thread, and
another agency with a brand of the same name."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.graphql.ids import from_global_id, to_global_id
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.conversations.models import Conversation, ConversationKind, ConversationStatus
from domain.customers.models import Customer
from domain.db.uow import UnitOfWork
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.knowledge.service import deliver_qna_index
from domain.mentions.models import Mention, MentionDirection
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_member, make_tenant

#: The brand client roles are granted; its built-in tone guidelines are Polish and formal.
GRANTED = "wierzba"
OTHER = "globex"

CREATE_ENTRY = """
mutation($input: QnaEntryCreateInput!) {
  qnaEntryCreate(input: $input) {
    entry { id externalKey language status stale }
    version { id number state questionVariants answer }
    userErrors { field message code }
  }
}
"""
SUBMIT_VERSION = """
mutation($input: QnaVersionSubmitInput!) {
  qnaVersionSubmit(input: $input) {
    version { id state }
    approvalRequest { id status subjectKind summary }
    userErrors { field message code }
  }
}
"""
DECIDE = """
mutation($input: ApprovalDecideInput!) {
  approvalDecide(input: $input) {
    approvalRequest { id status comment decidedAt decidedBy { email } }
    userErrors { field message code }
  }
}
"""


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

    async def thread(
        self,
        text: str,
        *,
        language: str = "pl",
        brand: str = GRANTED,
        other_tenant: bool = False,
        is_vip: bool = False,
    ) -> uuid.UUID:
        """A public thread with one customer comment; returns the conversation's id."""
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
            uow.session.add(
                Mention(
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
                    labels={"category": "question"},
                    extra={},
                )
            )
            await uow.commit()
        return conversation.id

    async def deliver_index(self) -> None:
        """What the worker's cron does: write approved versions to the suggestion index."""
        async with self.unit_of_work() as uow:
            await deliver_qna_index(uow, search=self.services.search, now=utcnow())
        await self.services.search.refresh("qna")

    async def entry_count(self) -> int:
        async with self.unit_of_work() as uow:
            return int(
                (await uow.session.execute(select(func.count()).select_from(QnaEntry))).scalar_one()
            )

    async def versions_of(self, entry_id: uuid.UUID) -> list[tuple[int, str]]:
        async with self.unit_of_work() as uow:
            result = await uow.session.execute(
                select(QnaVersion.number, QnaVersion.state)
                .where(QnaVersion.entry_id == entry_id)
                .order_by(QnaVersion.number)
            )
            return [(number, str(state)) for number, state in result.all()]


@pytest.fixture
async def world(services: Services) -> World:
    database = services.database
    await services.search.ensure_ready()
    tenant_id = await make_tenant(database, "agency")
    granted = await make_brand(database, tenant_id, GRANTED)
    other = await make_brand(database, tenant_id, OTHER)
    users = {
        role: await make_member(
            database,
            tenant_id,
            f"{role.value}@agency.example",
            role,
            (GRANTED,) if role in {Role.CLIENT_APPROVER, Role.CLIENT_VIEWER} else (),
        )
        for role in Role
    }
    other_tenant_id = await make_tenant(database, "other-agency")
    foreign_brand = await make_brand(database, other_tenant_id, GRANTED)
    foreign_channel = await make_channel(
        database, other_tenant_id, foreign_brand.id, external_account_id="foreign-page"
    )
    return World(
        services=services,
        tenant_id=tenant_id,
        brand_ids={GRANTED: granted.id, OTHER: other.id},
        channel_ids={
            GRANTED: (
                await make_channel(database, tenant_id, granted.id, external_account_id="w-page")
            ).id,
            OTHER: (
                await make_channel(database, tenant_id, other.id, external_account_id="g-page")
            ).id,
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


def raw_id(global_id: str) -> uuid.UUID:
    return from_global_id(global_id)[1]


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def create_entry(
    client: httpx.AsyncClient,
    world: World,
    *,
    key: str,
    brand: str = GRANTED,
    variants: tuple[str, ...] = ("Jak zgłosić szkodę komunikacyjną?",),
    answer: str = "Szkodę zgłosi Pan w aplikacji lub pod numerem infolinii; "
    "potrzebny będzie numer polisy.",
    role: Role = Role.AGENT,
) -> dict[str, Any]:
    body = await ask(
        client,
        world.token(role),
        CREATE_ENTRY,
        input={
            "brandId": gid("Brand", world.brand_ids[brand]),
            "externalKey": key,
            "language": "pl",
            "questionVariants": list(variants),
            "answer": answer,
            "product": "OC",
            "tags": ["szkody"],
        },
    )
    payload: dict[str, Any] = body["data"]["qnaEntryCreate"]
    assert payload["userErrors"] == [], payload
    return payload


async def submit(client: httpx.AsyncClient, world: World, version_id: str) -> dict[str, Any]:
    body = await ask(
        client, world.token(Role.AGENT), SUBMIT_VERSION, input={"versionId": version_id}
    )
    payload: dict[str, Any] = body["data"]["qnaVersionSubmit"]
    assert payload["userErrors"] == [], payload
    return payload


async def decide(
    client: httpx.AsyncClient,
    token: str | None,
    approval_id: str,
    decision: str = "APPROVED",
    comment: str | None = None,
) -> dict[str, Any]:
    return await ask(
        client,
        token,
        DECIDE,
        input={"approvalId": approval_id, "decision": decision, "comment": comment},
    )
