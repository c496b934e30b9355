"""The frontend contract's agent operations run as written, within the limits."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from domain.authz.policy import Role
from domain.mentions.models import Mention
from tests.api.inbox.conftest import World, gid

pytestmark = pytest.mark.postgres

OPERATIONS = Path(__file__).resolve().parents[3] / "frontend_contract" / "operations"


async def run(
    client: httpx.AsyncClient, token: str, document: str, name: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={
            "query": (OPERATIONS / document).read_text("utf-8"),
            "operationName": name,
            "variables": variables,
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


async def test_the_agent_operations(client: httpx.AsyncClient, world: World) -> None:
    customers = [await world.customer(f"Customer {index}") for index in range(3)]
    conversations = [
        await world.conversation(customer_id=customer, priority="hot", texts=("a", "b"))
        for customer in customers
    ]
    async with world.unit_of_work() as uow:
        mention_id = (
            await uow.session.execute(
                select(Mention.id).where(Mention.conversation_id == conversations[0]).limit(1)
            )
        ).scalar_one()
    token = world.token(Role.AGENT)
    conversation_id = gid("Conversation", conversations[0])
    inbox = await run(client, token, "AgentInbox.graphql", "AgentInbox", {})
    assert len(inbox["data"]["inbox"]["edges"]) == 3
    view = await run(
        client, token, "ConversationView.graphql", "ConversationView", {"id": conversation_id}
    )
    assert len(view["data"]["conversation"]["mentions"]["edges"]) == 2
    await run(
        client,
        token,
        "AgentInbox.graphql",
        "ConversationAssign",
        {
            "input": {
                "conversationId": conversation_id,
                "assigneeId": gid("User", world.users[Role.AGENT]),
            }
        },
    )
    await run(
        client,
        token,
        "AgentInbox.graphql",
        "ConversationSetStatus",
        {"input": {"conversationId": conversation_id, "status": "OPEN"}},
    )
    await run(
        client,
        token,
        "ConversationView.graphql",
        "ConversationAddNote",
        {"input": {"conversationId": conversation_id, "body": "called back"}},
    )
    await run(
        client,
        token,
        "ConversationView.graphql",
        "ConversationMarkHandledBy",
        {"input": {"conversationId": conversation_id, "handledBy": "HUMAN"}},
    )
    corrected = await run(
        client,
        token,
        "TriageCorrection.graphql",
        "TriageCorrect",
        {"input": {"mentionId": gid("Mention", mention_id), "priority": "COLD"}},
    )
    assert corrected["data"]["triageCorrect"]["userErrors"] == []
    listed = await run(client, token, "CustomerProfile.graphql", "CustomerList", {})
    assert len(listed["data"]["customers"]["nodes"]) == 3
    profile = await run(
        client,
        token,
        "CustomerProfile.graphql",
        "CustomerProfile",
        {"id": gid("Customer", customers[0])},
    )
    assert profile["data"]["customer"]["conversations"]["nodes"][0]["id"] == conversation_id
    await run(
        client,
        token,
        "CustomerProfile.graphql",
        "CustomerUpdate",
        {"input": {"customerId": gid("Customer", customers[0]), "isVip": True}},
    )
    merged = await run(
        client,
        token,
        "CustomerProfile.graphql",
        "CustomerMerge",
        {
            "input": {
                "sourceCustomerId": gid("Customer", customers[1]),
                "targetCustomerId": gid("Customer", customers[0]),
            }
        },
    )
    assert merged["data"]["customerMerge"]["userErrors"] == []
