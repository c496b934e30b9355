"""Q&A, approvals and the tone check on the embedded default: SQLite and its FTS5 index."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.conversations.models import Conversation, ConversationKind, ConversationStatus
from domain.customers.models import Customer
from domain.db.uow import UnitOfWork
from domain.knowledge.service import deliver_qna_index
from domain.mentions.models import Mention, MentionDirection
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.api.knowledge.conftest import CREATE_ENTRY, DECIDE, SUBMIT_VERSION, gid
from tests.embedded import embedded_services
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_member, make_tenant

LIST = """
query($filter: QnaEntryFilter) {
  qnaEntries(filter: $filter) { nodes { externalKey status approvedVersion { number } } }
}
"""
SUGGEST = """
query($id: ID!) {
  qnaSuggest(conversationId: $id) {
    noGoodMatch suggestions { version { number state } matchedVariant }
  }
}
"""
AUDIT = """
query($id: ID!) {
  node(id: $id) { ... on ApprovalRequest { status decisions { decision decidedByRole } } }
}
"""
CHECK = """
query($input: ToneCheckInput!) {
  toneCheck(input: $input) { guidelineSource findings { kind } }
}
"""


@pytest.fixture
async def embedded(tmp_path: Path, encryption_key: str) -> AsyncIterator[Services]:
    async with embedded_services(tmp_path, encryption_key) as services:
        yield services


async def _thread(services: Services, tenant_id: uuid.UUID, brand_id: uuid.UUID) -> uuid.UUID:
    channel = await make_channel(services.database, tenant_id, brand_id, external_account_id="p")
    now = utcnow()
    scope = TenantScope(tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        customer = Customer(id=uuid.uuid4(), display_name="customer", is_vip=False)
        uow.session.add(customer)
        await uow.flush()
        conversation = Conversation(
            id=uuid.uuid4(),
            brand_id=brand_id,
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
                brand_id=brand_id,
                channel_id=channel.id,
                conversation_id=conversation.id,
                customer_id=customer.id,
                external_id="post_1_comment",
                platform="facebook_page",
                kind="comment",
                direction=MentionDirection.INBOUND,
                root_external_id="post_1",
                author_platform_id="customer-1",
                text="Jak zgłosić szkodę komunikacyjną?",
                posted_at=now,
                received_at=now,
                language="pl",
                labels={"category": "question"},
                extra={},
            )
        )
        await uow.commit()
    return conversation.id


async def test_the_knowledge_api_on_the_embedded_default(embedded: Services) -> None:
    database = embedded.database
    tenant_id = await make_tenant(database, "agency")
    brand = await make_brand(database, tenant_id, "wierzba")
    users = {
        role: await make_member(database, tenant_id, f"{role.value}@agency.example", role, slugs)
        for role, slugs in ((Role.AGENT, ()), (Role.CLIENT_APPROVER, ("wierzba",)))
    }
    conversation = gid("Conversation", await _thread(embedded, tenant_id, brand.id))

    def token(role: Role) -> str:
        return embedded.tokens.issue(
            subject=str(users[role]),
            tenant_id=tenant_id,
            scopes=frozenset(scopes_for_role(role)),
            ttl_seconds=300,
        )

    app = create_app(embedded.settings, services=embedded)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:

        async def ask(role: Role, query: str, **variables: Any) -> dict[str, Any]:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token(role)}"},
            )
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body
            data: dict[str, Any] = body["data"]
            return data

        created = await ask(
            Role.AGENT,
            CREATE_ENTRY,
            input={
                "brandId": gid("Brand", brand.id),
                "externalKey": "qna-szkoda",
                "language": "pl",
                "questionVariants": ["Jak zgłosić szkodę komunikacyjną?"],
                "answer": "Szkodę zgłosi Pan w aplikacji Wierzba.",
            },
        )
        version_id = created["qnaEntryCreate"]["version"]["id"]
        found = await ask(Role.AGENT, LIST, filter={"text": "APLIKACJI", "status": "DRAFT"})
        assert found["qnaEntries"]["nodes"] == [
            {"externalKey": "qna-szkoda", "status": "DRAFT", "approvedVersion": None}
        ]
        submitted = await ask(Role.AGENT, SUBMIT_VERSION, input={"versionId": version_id})
        approval_id = submitted["qnaVersionSubmit"]["approvalRequest"]["id"]
        decided = await ask(
            Role.CLIENT_APPROVER,
            DECIDE,
            input={"approvalId": approval_id, "decision": "APPROVED"},
        )
        assert decided["approvalDecide"]["approvalRequest"]["status"] == "APPROVED"

        async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
            await deliver_qna_index(uow, search=embedded.search, now=utcnow())
        suggested = await ask(Role.AGENT, SUGGEST, id=conversation)
        assert suggested["qnaSuggest"] == {
            "noGoodMatch": False,
            "suggestions": [
                {
                    "version": {"number": 1, "state": "APPROVED"},
                    "matchedVariant": "Jak zgłosić szkodę komunikacyjną?",
                }
            ],
        }
        audit = await ask(Role.CLIENT_APPROVER, AUDIT, id=approval_id)
        assert audit["node"] == {
            "status": "APPROVED",
            "decisions": [{"decision": "APPROVED", "decidedByRole": "client_approver"}],
        }
        checked = await ask(
            Role.AGENT,
            CHECK,
            input={"brandId": gid("Brand", brand.id), "language": "pl", "text": "Napisz do nas."},
        )
        assert checked["toneCheck"]["guidelineSource"] == "built_in_demo"
        assert "WRONG_ADDRESS_FORM" in {f["kind"] for f in checked["toneCheck"]["findings"]}
