"""Replies on the embedded default: SQLite, the in-process job runner, the same API.

The page has no access token, so the delivery job fails for good before any
request leaves the process, and the agent sees why.
"""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.graphql.ids import to_global_id
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.channels.models import ChannelKind
from domain.channels.service import create_channel
from domain.conversations.models import Conversation, ConversationKind, ConversationStatus
from domain.customers.models import Customer
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention, MentionDirection
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.embedded import embedded_services
from tests.factories import TEST_ACTOR, make_brand, make_member, make_tenant
from workers.queue import InProcessJobQueue

REPLY = "id status text attempts lastError"
CREATE = f"""
mutation($input: ReplyDraftCreateInput!) {{
  replyDraftCreate(input: $input) {{ reply {{ {REPLY} }} userErrors {{ code }} }}
}}
"""
SEND = f"""
mutation($input: ReplySendInput!) {{
  replySend(input: $input) {{ reply {{ {REPLY} }} userErrors {{ code }} }}
}}
"""
REPLIES = f"""
query($id: ID!, $after: String) {{
  conversationReplies(conversationId: $id, first: 1, after: $after) {{
    nodes {{ {REPLY} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
TEXT = "Thank you for your patience: the parcel left our warehouse today, tracking follows."


@pytest.fixture
async def embedded(tmp_path: Path, encryption_key: str) -> AsyncIterator[Services]:
    async with embedded_services(tmp_path, encryption_key, in_process_jobs=True) as services:
        yield services


async def a_thread(services: Services) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """(tenant, agent, conversation): a customer's comment on a page without a token."""
    database = services.database
    tenant_id = await make_tenant(database, "agency")
    brand = await make_brand(database, tenant_id, "acme")
    agent = await make_member(database, tenant_id, "agent@agency.example", Role.AGENT)
    now = utcnow()
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        channel = await create_channel(
            uow,
            None,
            brand_id=brand.id,
            kind=ChannelKind.FACEBOOK_PAGE,
            name="page",
            external_account_id="page-1",
        )
        customer = Customer(id=uuid.uuid4(), display_name="customer", is_vip=False)
        uow.session.add(customer)
        await uow.flush()
        conversation = Conversation(
            id=uuid.uuid4(),
            brand_id=brand.id,
            channel_id=channel.id,
            customer_id=customer.id,
            kind=ConversationKind.PUBLIC_THREAD,
            thread_key="post_1",
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
                brand_id=brand.id,
                channel_id=channel.id,
                conversation_id=conversation.id,
                customer_id=customer.id,
                external_id="post_1_comment",
                platform="facebook_page",
                kind="comment",
                direction=MentionDirection.INBOUND,
                root_external_id="post_1",
                author_platform_id="customer-1",
                text="Where is my parcel?",
                posted_at=now,
                received_at=now,
                language="en",
                labels={},
                extra={},
            )
        )
        await uow.commit()
    return tenant_id, agent, conversation.id


async def test_draft_page_and_send_on_sqlite(embedded: Services) -> None:
    assert embedded.database.dialect == "sqlite"
    tenant_id, agent, conversation_id = await a_thread(embedded)
    token = embedded.tokens.issue(
        subject=str(agent),
        tenant_id=tenant_id,
        scopes=frozenset(scopes_for_role(Role.AGENT)),
        ttl_seconds=300,
    )
    conversation = str(to_global_id("Conversation", conversation_id))
    app = create_app(embedded.settings, services=embedded)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}

    async def ask(query: str, **variables: Any) -> dict[str, Any]:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    async with httpx.AsyncClient(transport=transport, base_url="http://demo.test") as client:
        created = [
            (await ask(CREATE, input={"conversationId": conversation, "text": f"{TEXT} {n}"}))[
                "replyDraftCreate"
            ]["reply"]
            for n in range(2)
        ]
        first = (await ask(REPLIES, id=conversation))["conversationReplies"]
        second = (await ask(REPLIES, id=conversation, after=first["pageInfo"]["endCursor"]))[
            "conversationReplies"
        ]
        sent = (await ask(SEND, input={"replyId": created[0]["id"]}))["replySend"]
        assert isinstance(embedded.queue, InProcessJobQueue)
        await embedded.queue.drain()
        after = (await ask(REPLIES, id=conversation))["conversationReplies"]

    assert [node["id"] for node in first["nodes"] + second["nodes"]] == [
        reply["id"] for reply in created
    ]
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"]) == (True, False)
    assert sent == {
        "reply": {
            "id": created[0]["id"],
            "status": "QUEUED",
            "text": f"{TEXT} 0",
            "attempts": 0,
            "lastError": None,
        },
        "userErrors": [],
    }
    assert after["nodes"] == [
        {
            "id": created[0]["id"],
            "status": "FAILED",
            "text": f"{TEXT} 0",
            "attempts": 1,
            "lastError": "the channel has no page_access_token secret",
        }
    ]
