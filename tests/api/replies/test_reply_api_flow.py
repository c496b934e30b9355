"""Replies through the GraphQL endpoint as an agent: drafts with tone findings, submission,
approval for VIP customers, sending (one job per reply), move to private, reactions,
the conversation's replies and `node(id:)`."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from api.graphql.ids import from_global_id
from domain.approvals.models import ApprovalRequest
from domain.approvals.service import decide_approval
from domain.authz.policy import Grantee, Role, scopes_for_role
from domain.conversations.models import Conversation, ConversationKind
from domain.db.outbox import OutboxMessage
from domain.replies.models import ConversationTwin, Reply, ReplyStatus
from domain.replies.service import DELIVERY_TOPIC
from tests.api.replies.conftest import World, ask, gid

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REPLY_FIELDS = """
  id conversationId kind status text reaction inReplyToMentionId
  toneFindings { kind message start end severity }
  approvalRequired approvalReasons qnaVersionIds toneVersionId
  platformMessageId attempts lastError submittedAt queuedAt sentAt createdAt
  author { email } twinConversationId conversation { id }
"""
CREATE = f"""
mutation($input: ReplyDraftCreateInput!) {{
  replyDraftCreate(input: $input) {{
    reply {{ {REPLY_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""
UPDATE = """
mutation($input: ReplyDraftUpdateInput!) {
  replyDraftUpdate(input: $input) {
    reply { id status text qnaVersionIds toneFindings { kind severity } }
    userErrors { field message code }
  }
}
"""
SUBMIT = """
mutation($input: ReplySubmitInput!) {
  replySubmit(input: $input) {
    reply { id status approvalRequired approvalReasons submittedAt }
    toneFindings { kind severity }
    userErrors { field message code }
  }
}
"""
SEND = """
mutation($input: ReplySendInput!) {
  replySend(input: $input) {
    reply { id status approvalRequired approvalReasons queuedAt }
    toneFindings { kind severity }
    userErrors { field message code }
  }
}
"""
CANCEL = """
mutation($input: ReplyCancelInput!) {
  replyCancel(input: $input) { reply { id status } userErrors { field message code } }
}
"""
MOVE = """
mutation($input: ConversationMoveToPrivateInput!) {
  conversationMoveToPrivate(input: $input) {
    publicReply { id kind status text twinConversationId conversationId }
    privateReply { id kind status text twinConversationId conversationId inReplyToMentionId }
    twinConversationId
    twinConversation { id kind }
    userErrors { field message code }
  }
}
"""
REACT = """
mutation($input: MentionReactInput!) {
  mentionReact(input: $input) {
    reply { id kind status reaction text inReplyToMentionId }
    userErrors { field message code }
  }
}
"""
REPLIES = """
query($conversationId: ID!, $first: Int, $after: String) {
  conversationReplies(conversationId: $conversationId, first: $first, after: $after) {
    nodes { id text status }
    edges { cursor }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    totalCount
  }
}
"""
LAST_REPLIES = """
query($conversationId: ID!, $last: Int) {
  conversationReplies(conversationId: $conversationId, last: $last) {
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage }
  }
}
"""
NODE = """
query($id: ID!) { node(id: $id) { id ... on Reply { status text conversationId } } }
"""

#: Informal address, a banned phrase and an empty redirect for a brand that addresses
#: customers formally.
INFORMAL = "Przepraszamy za niedogodności, napisz do nas w wiadomości prywatnej."
#: The same answer in the brand's voice, with substance and a next step.
FIXED = (
    "Dzień dobry, bardzo nam przykro, że zamówienie PL-2025-118734 wciąż nie dotarło."
    " Sprawdzamy jego status u przewoźnika i odpiszemy tutaj do jutra do 12:00."
)


async def draft(client: httpx.AsyncClient, world: World, token: str, **fields: Any) -> Any:
    body = await ask(client, token, CREATE, input=fields)
    payload = body["data"]["replyDraftCreate"]
    assert payload["userErrors"] == []
    return payload["reply"]


async def stored(world: World, reply_global_id: str) -> Reply:
    async with world.unit_of_work() as uow:
        reply = await uow.session.get(Reply, from_global_id(reply_global_id)[1])
        assert reply is not None
        return reply


async def delivery_rows(world: World) -> list[str]:
    async with world.unit_of_work() as uow:
        result = await uow.session.execute(
            select(OutboxMessage.payload).where(OutboxMessage.topic == DELIVERY_TOPIC)
        )
        return [payload["reply_id"] for payload in result.scalars()]


async def test_a_draft_with_tone_findings_cannot_be_submitted_until_fixed(
    client: httpx.AsyncClient, world: World
) -> None:
    thread = await world.thread()
    agent = world.token(Role.AGENT)
    version = await world.approved_qna_version()

    reply = await draft(
        client,
        world,
        agent,
        conversationId=gid("Conversation", thread.conversation_id),
        text=INFORMAL,
        qnaVersionIds=[gid("QnaVersion", version)],
    )

    kinds = {(finding["kind"], finding["severity"]) for finding in reply["toneFindings"]}
    assert {("BANNED_PHRASE", "ERROR"), ("WRONG_ADDRESS_FORM", "ERROR")} <= kinds
    for finding in reply["toneFindings"]:
        assert 0 <= finding["start"] < finding["end"] <= len(INFORMAL)
        assert finding["message"]
    assert {key: reply[key] for key in reply if key != "toneFindings"} == {
        "id": reply["id"],
        "conversationId": gid("Conversation", thread.conversation_id),
        "kind": "PUBLIC_REPLY",
        "status": "DRAFT",
        "text": INFORMAL,
        "reaction": None,
        "inReplyToMentionId": gid("Mention", thread.mention_id),
        "approvalRequired": False,
        "approvalReasons": [],
        "qnaVersionIds": [gid("QnaVersion", version)],
        "toneVersionId": None,
        "platformMessageId": None,
        "attempts": 0,
        "lastError": None,
        "submittedAt": None,
        "queuedAt": None,
        "sentAt": None,
        "createdAt": reply["createdAt"],
        "author": {"email": "agent@agency.example"},
        "twinConversationId": None,
        "conversation": {"id": gid("Conversation", thread.conversation_id)},
    }

    refused = (await ask(client, agent, SUBMIT, input={"replyId": reply["id"]}))["data"]
    assert refused["replySubmit"]["reply"] is None
    assert refused["replySubmit"]["userErrors"] == [
        {
            "field": "text",
            "message": refused["replySubmit"]["userErrors"][0]["message"],
            "code": "TONE_FINDINGS",
        }
    ]
    blocking = {(f["kind"], f["severity"]) for f in refused["replySubmit"]["toneFindings"]}
    assert {("BANNED_PHRASE", "ERROR"), ("WRONG_ADDRESS_FORM", "ERROR")} <= blocking
    assert {severity for _, severity in blocking} == {"ERROR"}
    assert (await stored(world, reply["id"])).status is ReplyStatus.DRAFT

    # replySend submits a draft first: the same findings stop it, and nothing is queued.
    refused_send = (await ask(client, agent, SEND, input={"replyId": reply["id"]}))["data"]
    assert [e["code"] for e in refused_send["replySend"]["userErrors"]] == ["TONE_FINDINGS"]
    assert refused_send["replySend"]["toneFindings"] != []
    assert await world.queued_job_ids() == []

    fixed = (await ask(client, agent, UPDATE, input={"replyId": reply["id"], "text": FIXED}))[
        "data"
    ]["replyDraftUpdate"]
    assert fixed["userErrors"] == []
    assert [f for f in fixed["reply"]["toneFindings"] if f["severity"] == "ERROR"] == []
    assert fixed["reply"]["qnaVersionIds"] == [gid("QnaVersion", version)]

    submitted = (await ask(client, agent, SUBMIT, input={"replyId": reply["id"]}))["data"]
    assert submitted["replySubmit"]["userErrors"] == []
    assert submitted["replySubmit"]["toneFindings"] == []
    assert submitted["replySubmit"]["reply"]["status"] == "APPROVED"
    assert submitted["replySubmit"]["reply"]["approvalRequired"] is False
    assert submitted["replySubmit"]["reply"]["submittedAt"] is not None

    # An approved reply is no draft any more.
    late = await ask(client, agent, UPDATE, input={"replyId": reply["id"], "text": "Nowy"})
    assert late["data"]["replyDraftUpdate"]["userErrors"][0]["code"] == "INVALID_STATUS"


async def test_send_queues_the_delivery_job_once(client: httpx.AsyncClient, world: World) -> None:
    thread = await world.thread()
    agent = world.token(Role.AGENT)
    reply = await draft(
        client, world, agent, conversationId=gid("Conversation", thread.conversation_id), text=FIXED
    )
    reply_id = from_global_id(reply["id"])[1]

    sent = (await ask(client, agent, SEND, input={"replyId": reply["id"]}))["data"]["replySend"]

    assert sent["userErrors"] == []
    assert sent["toneFindings"] == []
    assert sent["reply"]["status"] == "QUEUED"
    assert sent["reply"]["queuedAt"] is not None
    assert await world.queued_job_ids() == [f"reply:{reply_id}"]
    assert await delivery_rows(world) == [str(reply_id)]

    again = (await ask(client, agent, SEND, input={"replyId": reply["id"]}))["data"]["replySend"]
    assert again["reply"] is None
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_STATUS"]
    assert await world.queued_job_ids() == [f"reply:{reply_id}"]
    assert await delivery_rows(world) == [str(reply_id)]


async def test_a_vip_customer_needs_the_clients_approval(
    client: httpx.AsyncClient, world: World
) -> None:
    thread = await world.thread(is_vip=True)
    agent = world.token(Role.AGENT)
    reply = await draft(
        client, world, agent, conversationId=gid("Conversation", thread.conversation_id), text=FIXED
    )
    reply_id = from_global_id(reply["id"])[1]

    sent = (await ask(client, agent, SEND, input={"replyId": reply["id"]}))["data"]["replySend"]

    assert sent["reply"]["status"] == "PENDING_APPROVAL"
    assert sent["reply"]["approvalRequired"] is True
    assert sent["reply"]["approvalReasons"] == ["vip_customer"]
    assert sent["userErrors"] == [
        {
            "field": "replyId",
            "message": (
                "submitted; the reply awaits the client's approval and can be sent once approved"
            ),
            "code": "APPROVAL_REQUIRED",
        }
    ]
    assert await world.queued_job_ids() == []
    assert await delivery_rows(world) == []
    async with world.unit_of_work() as uow:
        requests = list(
            (
                await uow.session.execute(
                    select(ApprovalRequest).where(ApprovalRequest.subject_id == reply_id)
                )
            ).scalars()
        )
    assert [(r.subject_kind.value, r.status.value, r.brand_id) for r in requests] == [
        ("reply", "pending", world.brand_ids["wierzba"])
    ]
    assert "vip_customer" in requests[0].summary
    assert FIXED not in requests[0].summary

    # Sending again before the client decided is refused the same way, still without a job.
    again = (await ask(client, agent, SEND, input={"replyId": reply["id"]}))["data"]["replySend"]
    assert again["reply"] is None
    assert [e["code"] for e in again["userErrors"]] == ["APPROVAL_REQUIRED"]
    assert await world.queued_job_ids() == []

    # Once the brand's client approver signs it off, the agent sends it.
    approver = Grantee(
        role=Role.CLIENT_APPROVER,
        brand_ids=frozenset({world.brand_ids["wierzba"]}),
        scopes=frozenset(scopes_for_role(Role.CLIENT_APPROVER)),
    )
    async with world.unit_of_work() as uow:
        await decide_approval(
            uow, grantee=approver, approval_id=requests[0].id, decision="approved", comment=None
        )
        await uow.commit()
    approved = (await ask(client, agent, SEND, input={"replyId": reply["id"]}))["data"]
    assert approved["replySend"]["userErrors"] == []
    assert approved["replySend"]["reply"]["status"] == "QUEUED"
    assert await world.queued_job_ids() == [f"reply:{reply_id}"]


async def test_a_reply_awaiting_approval_can_be_withdrawn(
    client: httpx.AsyncClient, world: World
) -> None:
    thread = await world.thread(is_vip=True)
    agent = world.token(Role.AGENT)
    reply = await draft(
        client, world, agent, conversationId=gid("Conversation", thread.conversation_id), text=FIXED
    )
    submitted = (await ask(client, agent, SUBMIT, input={"replyId": reply["id"]}))["data"]
    assert submitted["replySubmit"]["reply"]["status"] == "PENDING_APPROVAL"
    assert submitted["replySubmit"]["userErrors"] == []

    cancelled = (await ask(client, agent, CANCEL, input={"replyId": reply["id"]}))["data"]
    assert cancelled["replyCancel"] == {
        "reply": {"id": reply["id"], "status": "CANCELLED"},
        "userErrors": [],
    }
    # Withdrawing twice changes nothing more; a withdrawn reply cannot be sent.
    twice = (await ask(client, agent, CANCEL, input={"replyId": reply["id"]}))["data"]
    assert twice["replyCancel"] == cancelled["replyCancel"]
    send = (await ask(client, agent, SEND, input={"replyId": reply["id"]}))["data"]["replySend"]
    assert [e["code"] for e in send["userErrors"]] == ["INVALID_STATUS"]
    assert await world.queued_job_ids() == []


async def test_move_to_private_drafts_both_messages_and_links_the_twins(
    client: httpx.AsyncClient, world: World
) -> None:
    thread = await world.thread()
    agent = world.token(Role.AGENT)
    public_text = (
        "Dzień dobry, przykro nam. Aby sprawdzić zamówienie, potrzebujemy jego numeru:"
        " wysłaliśmy Panu wiadomość prywatną, odpowiemy w ciągu godziny."
    )
    private_text = "Dzień dobry, prosimy o numer zamówienia, a sprawdzimy je od razu."

    body = await ask(
        client,
        agent,
        MOVE,
        input={
            "conversationId": gid("Conversation", thread.conversation_id),
            "publicText": public_text,
            "privateText": private_text,
        },
    )

    moved = body["data"]["conversationMoveToPrivate"]
    assert moved["userErrors"] == []
    twin_id = moved["twinConversationId"]
    assert moved["twinConversation"] == {"id": twin_id, "kind": "DIRECT"}
    assert moved["publicReply"] == {
        "id": moved["publicReply"]["id"],
        "kind": "PUBLIC_REPLY",
        "status": "DRAFT",
        "text": public_text,
        "twinConversationId": twin_id,
        "conversationId": gid("Conversation", thread.conversation_id),
    }
    assert moved["privateReply"] == {
        "id": moved["privateReply"]["id"],
        "kind": "PRIVATE_MESSAGE",
        "status": "DRAFT",
        "text": private_text,
        "twinConversationId": gid("Conversation", thread.conversation_id),
        "conversationId": twin_id,
        "inReplyToMentionId": gid("Mention", thread.mention_id),
    }
    twin = from_global_id(twin_id)[1]
    async with world.unit_of_work() as uow:
        links = {
            (link.conversation_id, link.twin_conversation_id)
            for link in (await uow.session.execute(select(ConversationTwin))).scalars()
        }
        private = await uow.session.get(Conversation, twin)
    assert links == {(thread.conversation_id, twin), (twin, thread.conversation_id)}
    assert private is not None
    assert (private.kind, private.customer_id) == (ConversationKind.DIRECT, thread.customer_id)
    assert await world.queued_job_ids() == []


async def test_react_queues_a_reaction(client: httpx.AsyncClient, world: World) -> None:
    thread = await world.thread(text="Dziękuję, wszystko dotarło!")
    agent = world.token(Role.AGENT)

    body = await ask(
        client,
        agent,
        REACT,
        input={"mentionId": gid("Mention", thread.mention_id), "reaction": "HEART"},
    )

    reacted = body["data"]["mentionReact"]
    assert reacted["userErrors"] == []
    assert {key: value for key, value in reacted["reply"].items() if key != "id"} == {
        "kind": "REACTION",
        "status": "QUEUED",
        "reaction": "HEART",
        "text": "",
        "inReplyToMentionId": gid("Mention", thread.mention_id),
    }
    reply_id = from_global_id(reacted["reply"]["id"])[1]
    assert await world.queued_job_ids() == [f"reply:{reply_id}"]


async def test_conversation_replies_are_paged_oldest_first_and_reachable_as_nodes(
    client: httpx.AsyncClient, world: World
) -> None:
    thread = await world.thread()
    other = await world.thread()
    agent = world.token(Role.AGENT)
    conversation = gid("Conversation", thread.conversation_id)
    ids = [
        (await draft(client, world, agent, conversationId=conversation, text=f"{FIXED} ({n})"))[
            "id"
        ]
        for n in range(3)
    ]
    await draft(
        client, world, agent, conversationId=gid("Conversation", other.conversation_id), text=FIXED
    )

    first = (await ask(client, agent, REPLIES, conversationId=conversation, first=2))["data"]
    page = first["conversationReplies"]
    assert [node["id"] for node in page["nodes"]] == ids[:2]
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["pageInfo"]["hasPreviousPage"] is False
    assert page["totalCount"] is None
    rest = (
        await ask(
            client,
            agent,
            REPLIES,
            conversationId=conversation,
            first=2,
            after=page["pageInfo"]["endCursor"],
        )
    )["data"]["conversationReplies"]
    assert [node["id"] for node in rest["nodes"]] == ids[2:]
    assert rest["pageInfo"]["hasNextPage"] is False

    newest = (await ask(client, agent, LAST_REPLIES, conversationId=conversation, last=2))["data"][
        "conversationReplies"
    ]
    assert [node["id"] for node in newest["nodes"]] == ids[1:]
    assert newest["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}

    node = (await ask(client, agent, NODE, id=ids[0]))["data"]["node"]
    assert node == {
        "id": ids[0],
        "status": "DRAFT",
        "text": f"{FIXED} (0)",
        "conversationId": conversation,
    }


async def test_draft_input_mistakes_name_their_field(
    client: httpx.AsyncClient, world: World
) -> None:
    thread = await world.thread()
    other = await world.thread()
    agent = world.token(Role.AGENT)
    conversation = gid("Conversation", thread.conversation_id)
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"kind": "REACTION"}, {"field": "kind", "code": "INVALID"}),
        ({"text": "   "}, {"field": "text", "code": "INVALID"}),
        ({"qnaVersionIds": ["not-an-id"]}, {"field": "qnaVersionIds", "code": "NOT_FOUND"}),
        # A well-formed id that names no approved version of this brand.
        (
            {"qnaVersionIds": [gid("QnaVersion", uuid.uuid4())]},
            {"field": "qnaVersionIds", "code": "INVALID"},
        ),
        (
            {"inReplyToMentionId": gid("Mention", other.mention_id)},
            {"field": "inReplyToMentionId", "code": "INVALID"},
        ),
        (
            {"conversationId": gid("Mention", thread.mention_id)},
            {"field": "conversationId", "code": "NOT_FOUND"},
        ),
    ]
    for change, expected in cases:
        fields = {"conversationId": conversation, "text": FIXED, **change}
        payload = (await ask(client, agent, CREATE, input=fields))["data"]["replyDraftCreate"]
        assert payload["reply"] is None
        assert [{"field": e["field"], "code": e["code"]} for e in payload["userErrors"]] == [
            expected
        ], change
    async with world.unit_of_work() as uow:
        assert list((await uow.session.execute(select(Reply.id))).scalars()) == []

    private = await draft(
        client, world, agent, conversationId=conversation, text=FIXED, kind="PRIVATE_MESSAGE"
    )
    assert private["kind"] == "PRIVATE_MESSAGE"


@contextmanager
def counting_statements(world: World) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = world.services.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


PAGE_WITH_RELATIONS = """
query($conversationId: ID!, $first: Int) {
  conversationReplies(conversationId: $conversationId, first: $first) {
    nodes { id author { email } conversation { id status } toneFindings { kind } }
  }
}
"""


async def test_statements_per_replies_page_do_not_grow_with_page_size(
    client: httpx.AsyncClient, world: World
) -> None:
    thread = await world.thread()
    conversation = gid("Conversation", thread.conversation_id)
    for n in range(12):
        author = world.token((Role.AGENT, Role.ADMIN)[n % 2])
        await draft(client, world, author, conversationId=conversation, text=f"{FIXED} {n}")
    agent = world.token(Role.AGENT)
    await ask(client, agent, PAGE_WITH_RELATIONS, conversationId=conversation, first=1)
    counts = {}
    for size in (2, 12):
        with counting_statements(world) as statements:
            body = await ask(
                client, agent, PAGE_WITH_RELATIONS, conversationId=conversation, first=size
            )
        nodes = body["data"]["conversationReplies"]["nodes"]
        assert {node["author"]["email"] for node in nodes} == {
            "agent@agency.example",
            "admin@agency.example",
        }
        counts[size] = len(statements)
    # One batch per relation (author, conversation) whatever the page size: 13 today.
    assert counts[2] == counts[12], counts
