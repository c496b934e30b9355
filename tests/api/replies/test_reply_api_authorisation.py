"""Who may do what with replies through the GraphQL endpoint: anonymous callers, another
agency, client approvers and viewers, analysts (read, never write or send), agents.

Every refused call leaves everything as it was: no reply, no change, no job, no
delivery row, no twin conversation.
"""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from domain.authz.policy import Role
from domain.conversations.models import Conversation
from domain.db.outbox import OutboxMessage
from domain.replies.models import ConversationTwin, Reply
from tests.api.replies.conftest import World, ask, gid

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TEXT = (
    "Dzień dobry, bardzo nam przykro, że zamówienie PL-2025-118734 wciąż nie dotarło."
    " Sprawdzamy jego status u przewoźnika i odpiszemy tutaj do jutra do 12:00."
)

#: Callers refused every write, with the code they get: another agency's owner does not
#: even find the objects; client roles and analysts find them but may not write.
REFUSED_WRITERS = (
    ("other tenant", None, "NOT_FOUND"),
    ("client approver", Role.CLIENT_APPROVER, "FORBIDDEN"),
    ("client viewer", Role.CLIENT_VIEWER, "FORBIDDEN"),
    ("analyst", Role.ANALYST, "FORBIDDEN"),
)


def mutation(name: str, input_type: str, selection: str) -> str:
    return f"""
mutation($input: {input_type}!) {{
  {name}(input: $input) {{ {selection} userErrors {{ field code }} }}
}}
"""


CREATE = mutation("replyDraftCreate", "ReplyDraftCreateInput", "reply { id status }")
UPDATE = mutation("replyDraftUpdate", "ReplyDraftUpdateInput", "reply { id text }")
SUBMIT = mutation("replySubmit", "ReplySubmitInput", "reply { id status }")
SEND = mutation("replySend", "ReplySendInput", "reply { id status }")
CANCEL = mutation("replyCancel", "ReplyCancelInput", "reply { id status }")
MOVE = mutation(
    "conversationMoveToPrivate",
    "ConversationMoveToPrivateInput",
    "publicReply { id } privateReply { id } twinConversationId",
)
REACT = mutation("mentionReact", "MentionReactInput", "reply { id status }")
REPLIES = """
query($conversationId: ID!) {
  conversationReplies(conversationId: $conversationId) { nodes { id status } }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Reply { status } } }"


def token_of(world: World, role: Role | None) -> str:
    return world.other_token() if role is None else world.token(role)


async def snapshot(world: World) -> dict[str, Any]:
    """Everything a reply mutation could change, in both agencies."""
    state: dict[str, Any] = {"jobs": await world.queued_job_ids()}
    for tenant_id in (world.tenant_id, world.other_tenant_id):
        async with world.unit_of_work(tenant_id) as uow:
            replies = (await uow.session.execute(select(Reply).order_by(Reply.id))).scalars()
            state[f"replies:{tenant_id}"] = [
                (reply.id, reply.status, reply.text, reply.delivery_attempts) for reply in replies
            ]
            state[f"outbox:{tenant_id}"] = await uow.session.scalar(
                select(func.count()).select_from(OutboxMessage)
            )
            state[f"twins:{tenant_id}"] = await uow.session.scalar(
                select(func.count()).select_from(ConversationTwin)
            )
            state[f"conversations:{tenant_id}"] = await uow.session.scalar(
                select(func.count()).select_from(Conversation)
            )
    return state


async def agent_draft(client: httpx.AsyncClient, world: World, conversation_id: uuid.UUID) -> str:
    body = await ask(
        client,
        world.token(Role.AGENT),
        CREATE,
        input={"conversationId": gid("Conversation", conversation_id), "text": TEXT},
    )
    payload = body["data"]["replyDraftCreate"]
    assert payload["userErrors"] == []
    reply_id: str = payload["reply"]["id"]
    return reply_id


async def assert_refused(
    client: httpx.AsyncClient,
    world: World,
    document: str,
    field_name: str,
    variables: dict[str, Any],
    *,
    result_keys: tuple[str, ...] = ("reply",),
    refused: tuple[tuple[str, Role | None, str], ...] = REFUSED_WRITERS,
) -> None:
    """Anonymous gets 401; each refused caller a user error; nothing changes at all."""
    before = await snapshot(world)
    assert await ask(client, None, document, **variables) == {}
    for label, role, code in refused:
        body = await ask(client, token_of(world, role), document, **variables)
        payload = body["data"][field_name]
        assert [error["code"] for error in payload["userErrors"]] == [code], label
        assert all(payload[key] is None for key in result_keys), label
    assert await snapshot(world) == before


async def test_reply_draft_create(client: httpx.AsyncClient, world: World) -> None:
    thread = await world.thread()
    foreign = await world.thread(other_tenant=True)
    variables = {
        "input": {"conversationId": gid("Conversation", thread.conversation_id), "text": TEXT}
    }

    await assert_refused(client, world, CREATE, "replyDraftCreate", variables)
    # The agent does not find the other agency's conversation either.
    await assert_refused(
        client,
        world,
        CREATE,
        "replyDraftCreate",
        {"input": {"conversationId": gid("Conversation", foreign.conversation_id), "text": TEXT}},
        refused=(("agent, other tenant's conversation", Role.AGENT, "NOT_FOUND"),),
    )

    body = await ask(client, world.token(Role.AGENT), CREATE, **variables)
    assert body["data"]["replyDraftCreate"]["reply"]["status"] == "DRAFT"


async def test_reply_draft_update(client: httpx.AsyncClient, world: World) -> None:
    thread = await world.thread()
    reply_id = await agent_draft(client, world, thread.conversation_id)
    variables = {"input": {"replyId": reply_id, "text": f"{TEXT} Pozdrawiamy."}}

    await assert_refused(client, world, UPDATE, "replyDraftUpdate", variables)

    body = await ask(client, world.token(Role.AGENT), UPDATE, **variables)
    assert body["data"]["replyDraftUpdate"] == {
        "reply": {"id": reply_id, "text": f"{TEXT} Pozdrawiamy."},
        "userErrors": [],
    }


async def test_reply_submit(client: httpx.AsyncClient, world: World) -> None:
    thread = await world.thread()
    reply_id = await agent_draft(client, world, thread.conversation_id)
    variables = {"input": {"replyId": reply_id}}

    await assert_refused(client, world, SUBMIT, "replySubmit", variables)

    body = await ask(client, world.token(Role.AGENT), SUBMIT, **variables)
    assert body["data"]["replySubmit"]["reply"] == {"id": reply_id, "status": "APPROVED"}


async def test_reply_send_only_by_those_holding_reply_send(
    client: httpx.AsyncClient, world: World
) -> None:
    thread = await world.thread()
    reply_id = await agent_draft(client, world, thread.conversation_id)
    variables = {"input": {"replyId": reply_id}}

    # Client approvers approve, never send; analysts read, never send.
    await assert_refused(client, world, SEND, "replySend", variables)
    assert await world.queued_job_ids() == []

    body = await ask(client, world.token(Role.AGENT), SEND, **variables)
    assert body["data"]["replySend"] == {
        "reply": {"id": reply_id, "status": "QUEUED"},
        "userErrors": [],
    }
    assert len(await world.queued_job_ids()) == 1


async def test_reply_cancel(client: httpx.AsyncClient, world: World) -> None:
    thread = await world.thread()
    reply_id = await agent_draft(client, world, thread.conversation_id)
    variables = {"input": {"replyId": reply_id}}

    await assert_refused(client, world, CANCEL, "replyCancel", variables)

    body = await ask(client, world.token(Role.AGENT), CANCEL, **variables)
    assert body["data"]["replyCancel"]["reply"] == {"id": reply_id, "status": "CANCELLED"}


async def test_conversation_move_to_private(client: httpx.AsyncClient, world: World) -> None:
    thread = await world.thread()
    variables = {
        "input": {
            "conversationId": gid("Conversation", thread.conversation_id),
            "publicText": TEXT,
            "privateText": TEXT,
        }
    }

    await assert_refused(
        client,
        world,
        MOVE,
        "conversationMoveToPrivate",
        variables,
        result_keys=("publicReply", "privateReply", "twinConversationId"),
    )

    body = await ask(client, world.token(Role.AGENT), MOVE, **variables)
    moved = body["data"]["conversationMoveToPrivate"]
    assert moved["userErrors"] == []
    assert moved["twinConversationId"] is not None


async def test_mention_react(client: httpx.AsyncClient, world: World) -> None:
    thread = await world.thread(text="Dziękuję, wszystko dotarło!")
    variables = {"input": {"mentionId": gid("Mention", thread.mention_id)}}

    await assert_refused(client, world, REACT, "mentionReact", variables)
    assert await world.queued_job_ids() == []

    body = await ask(client, world.token(Role.AGENT), REACT, **variables)
    assert body["data"]["mentionReact"]["reply"]["status"] == "QUEUED"
    assert len(await world.queued_job_ids()) == 1


async def test_conversation_replies_and_reply_nodes(
    client: httpx.AsyncClient, world: World
) -> None:
    thread = await world.thread()
    reply_id = await agent_draft(client, world, thread.conversation_id)
    conversation = gid("Conversation", thread.conversation_id)
    expected = {"nodes": [{"id": reply_id, "status": "DRAFT"}]}

    assert await ask(client, None, REPLIES, conversationId=conversation) == {}
    assert await ask(client, None, NODE, id=reply_id) == {}
    for role, code in (
        (None, "NOT_FOUND"),
        (Role.CLIENT_APPROVER, "FORBIDDEN"),
        (Role.CLIENT_VIEWER, "FORBIDDEN"),
    ):
        body = await ask(client, token_of(world, role), REPLIES, conversationId=conversation)
        assert body["data"] is None
        assert [error["extensions"]["code"] for error in body["errors"]] == [code]
        node = await ask(client, token_of(world, role), NODE, id=reply_id)
        assert node["data"] == {"node": None}
    for role in (Role.ANALYST, Role.AGENT, Role.ADMIN, Role.OWNER):
        body = await ask(client, world.token(role), REPLIES, conversationId=conversation)
        assert body["data"] == {"conversationReplies": expected}, role
        node = await ask(client, world.token(role), NODE, id=reply_id)
        assert node["data"] == {"node": {"id": reply_id, "status": "DRAFT"}}, role
