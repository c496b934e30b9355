"""Conversation work through the API: changes, events, inbox events, and refusals."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from domain.authz.policy import Role
from domain.conversations.models import Conversation, ConversationEvent, ConversationNote
from domain.conversations.service import INBOX_EVENT_TOPIC
from domain.db.outbox import OutboxMessage
from tests.api.inbox.conftest import World, ask, gid

pytestmark = pytest.mark.postgres

ASSIGN = """
mutation($input: ConversationAssignInput!) {
  conversationAssign(input: $input) {
    conversation { id assignee { email } }
    userErrors { field message code }
  }
}
"""
SET_STATUS = """
mutation($input: ConversationSetStatusInput!) {
  conversationSetStatus(input: $input) {
    conversation { status resolvedAt }
    userErrors { field message code }
  }
}
"""
SNOOZE = """
mutation($input: ConversationSnoozeInput!) {
  conversationSnooze(input: $input) {
    conversation { snoozedUntil }
    userErrors { field message code }
  }
}
"""
ADD_NOTE = """
mutation($input: ConversationAddNoteInput!) {
  conversationAddNote(input: $input) {
    note { body author { kind } }
    conversation { notes { body } }
    userErrors { field message code }
  }
}
"""
HANDLED_BY = """
mutation($input: ConversationMarkHandledByInput!) {
  conversationMarkHandledBy(input: $input) {
    conversation { handledBy }
    userErrors { field message code }
  }
}
"""


async def state(world: World, conversation_id: uuid.UUID) -> tuple[Conversation, list[str], int]:
    """The conversation, its event kinds, and its inbox events."""
    async with world.unit_of_work() as uow:
        conversation = await uow.session.get(Conversation, conversation_id)
        assert conversation is not None
        events = list(
            (
                await uow.session.execute(
                    select(ConversationEvent.kind)
                    .where(ConversationEvent.conversation_id == conversation_id)
                    .order_by(ConversationEvent.created_at)
                )
            ).scalars()
        )
        outbox = [
            message
            for message in (
                await uow.session.execute(
                    select(OutboxMessage).where(OutboxMessage.topic == INBOX_EVENT_TOPIC)
                )
            ).scalars()
            if message.payload.get("conversation_id") == str(conversation_id)
        ]
    return conversation, events, len(outbox)


async def run(
    client: httpx.AsyncClient, token: str | None, query: str, **fields: Any
) -> httpx.Response:
    return await ask(client, token, query, {"input": fields})


async def test_assign_and_unassign(client: httpx.AsyncClient, world: World) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(customer_id=customer)
    token = world.token(Role.AGENT)
    body = (
        await run(
            client,
            token,
            ASSIGN,
            conversationId=gid("Conversation", conversation),
            assigneeId=gid("User", world.users[Role.AGENT]),
        )
    ).json()
    assert body["data"]["conversationAssign"] == {
        "conversation": {
            "id": gid("Conversation", conversation),
            "assignee": {"email": "agent@agency.example"},
        },
        "userErrors": [],
    }
    stored, events, published = await state(world, conversation)
    assert stored.assignee_id == world.users[Role.AGENT]
    assert events == ["assigned"]
    assert published == 1
    body = (
        await run(
            client, token, ASSIGN, conversationId=gid("Conversation", conversation), assigneeId=None
        )
    ).json()
    assert body["data"]["conversationAssign"]["conversation"]["assignee"] is None
    stored, events, published = await state(world, conversation)
    assert stored.assignee_id is None
    assert events == ["assigned", "unassigned"]
    assert published == 2


@pytest.mark.parametrize("role", [Role.ANALYST, Role.CLIENT_APPROVER, Role.CLIENT_VIEWER])
async def test_assignees_must_be_able_to_work_the_inbox(
    client: httpx.AsyncClient, world: World, role: Role
) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(customer_id=customer)
    body = (
        await run(
            client,
            world.token(Role.AGENT),
            ASSIGN,
            conversationId=gid("Conversation", conversation),
            assigneeId=gid("User", world.users[role]),
        )
    ).json()
    assert body["data"]["conversationAssign"] == {
        "conversation": None,
        "userErrors": [
            {
                "field": "assigneeId",
                "message": "the assignee must be an active member who may work this inbox",
                "code": "INVALID",
            }
        ],
    }
    stored, events, published = await state(world, conversation)
    assert (stored.assignee_id, events, published) == (None, [], 0)


async def test_a_member_of_another_tenant_is_no_assignee(
    client: httpx.AsyncClient, world: World
) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(customer_id=customer)
    body = (
        await run(
            client,
            world.token(Role.AGENT),
            ASSIGN,
            conversationId=gid("Conversation", conversation),
            assigneeId=gid("User", world.other_owner),
        )
    ).json()
    assert body["data"]["conversationAssign"]["userErrors"][0]["code"] == "INVALID"


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        (ASSIGN, {"assigneeId": None}),
        (SET_STATUS, {"status": "OPEN"}),
        (SNOOZE, {"until": "2099-01-01T00:00:00+00:00"}),
        (ADD_NOTE, {"body": "call back"}),
        (HANDLED_BY, {"handledBy": "BOT"}),
    ],
)
async def test_refusals_change_nothing(
    client: httpx.AsyncClient, world: World, query: str, fields: dict[str, Any]
) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(
        customer_id=customer, assignee_id=world.users[Role.AGENT]
    )
    conversation_id = gid("Conversation", conversation)
    anonymous = await run(client, None, query, conversationId=conversation_id, **fields)
    assert anonymous.status_code == 401
    cases = {
        "other tenant": (world.other_token(), "NOT_FOUND"),
        "client viewer": (world.token(Role.CLIENT_VIEWER), "FORBIDDEN"),
        "analyst": (world.token(Role.ANALYST), "FORBIDDEN"),
        "read-only token": (world.token(Role.AGENT, scopes=frozenset({"inbox:read"})), "FORBIDDEN"),
    }
    for token, code in cases.values():
        body = (await run(client, token, query, conversationId=conversation_id, **fields)).json()
        payload = next(iter(body["data"].values()))
        assert [error["code"] for error in payload["userErrors"]] == [code]
    stored, events, published = await state(world, conversation)
    assert stored.assignee_id == world.users[Role.AGENT]
    assert (stored.status, stored.snoozed_until, stored.handled_by) == ("new", None, None)
    assert (events, published) == ([], 0)
    async with world.unit_of_work() as uow:
        notes = (await uow.session.execute(select(ConversationNote))).scalars().all()
    assert notes == []


async def test_status_changes_follow_the_rules(client: httpx.AsyncClient, world: World) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(customer_id=customer)
    conversation_id = gid("Conversation", conversation)
    token = world.token(Role.AGENT)

    async def move(status: str) -> dict[str, Any]:
        body = (
            await run(client, token, SET_STATUS, conversationId=conversation_id, status=status)
        ).json()
        payload: dict[str, Any] = body["data"]["conversationSetStatus"]
        return payload

    resolved = await move("RESOLVED")
    assert resolved["conversation"]["status"] == "RESOLVED"
    assert resolved["conversation"]["resolvedAt"] is not None
    refused = await move("PENDING_CUSTOMER")
    assert refused == {
        "conversation": None,
        "userErrors": [
            {
                "field": "status",
                "message": "a resolved conversation cannot become pending_customer",
                "code": "INVALID",
            }
        ],
    }
    reopened = await move("OPEN")
    assert reopened["conversation"] == {"status": "OPEN", "resolvedAt": None}
    refused_new = await move("NEW")
    assert refused_new["userErrors"][0]["code"] == "INVALID"
    stored, events, published = await state(world, conversation)
    assert stored.resolved_at is None
    assert events == ["status_changed", "status_changed"]
    assert published == 2


async def test_snooze_hides_from_the_inbox_until_then(
    client: httpx.AsyncClient, world: World
) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(customer_id=customer)
    conversation_id = gid("Conversation", conversation)
    token = world.token(Role.AGENT)
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    body = (
        await run(client, token, SNOOZE, conversationId=conversation_id, until=until.isoformat())
    ).json()
    assert body["data"]["conversationSnooze"] == {
        "conversation": {"snoozedUntil": until.isoformat()},
        "userErrors": [],
    }
    inbox = (await ask(client, token, "{ inbox { nodes { id } } }")).json()
    assert inbox["data"]["inbox"]["nodes"] == []
    past = (
        await run(
            client, token, SNOOZE, conversationId=conversation_id, until="2020-01-01T00:00:00+00:00"
        )
    ).json()
    assert past["data"]["conversationSnooze"]["userErrors"] == [
        {"field": "until", "message": "the snooze time must be in the future", "code": "INVALID"}
    ]
    woken = (await run(client, token, SNOOZE, conversationId=conversation_id, until=None)).json()
    assert woken["data"]["conversationSnooze"]["conversation"] == {"snoozedUntil": None}
    inbox = (await ask(client, token, "{ inbox { nodes { id } } }")).json()
    assert inbox["data"]["inbox"]["nodes"] == [{"id": conversation_id}]
    _, events, published = await state(world, conversation)
    assert (events, published) == (["snoozed", "unsnoozed"], 2)


async def test_notes(client: httpx.AsyncClient, world: World) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(customer_id=customer)
    conversation_id = gid("Conversation", conversation)
    token = world.token(Role.AGENT)
    body = (
        await run(client, token, ADD_NOTE, conversationId=conversation_id, body="  call back  ")
    ).json()
    assert body["data"]["conversationAddNote"] == {
        "note": {"body": "call back", "author": {"kind": "user"}},
        "conversation": {"notes": [{"body": "call back"}]},
        "userErrors": [],
    }
    empty = (await run(client, token, ADD_NOTE, conversationId=conversation_id, body="   ")).json()
    assert empty["data"]["conversationAddNote"]["userErrors"] == [
        {"field": "body", "message": "a note needs 1 to 10,000 characters", "code": "INVALID"}
    ]
    _, events, published = await state(world, conversation)
    assert (events, published) == (["note_added"], 1)


async def test_handled_by(client: httpx.AsyncClient, world: World) -> None:
    customer = await world.customer("Ann Lee")
    conversation = await world.conversation(customer_id=customer)
    conversation_id = gid("Conversation", conversation)
    token = world.token(Role.AGENT)
    for value in ("BOT", "BOT", "HUMAN"):
        body = (
            await run(client, token, HANDLED_BY, conversationId=conversation_id, handledBy=value)
        ).json()
        assert body["data"]["conversationMarkHandledBy"]["conversation"] == {"handledBy": value}
    stored, events, published = await state(world, conversation)
    assert stored.handled_by == "human"
    # Marking what already is records nothing.
    assert (events, published) == (["handled_by_set", "handled_by_set"], 2)
