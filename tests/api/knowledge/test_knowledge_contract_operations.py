"""The frontend contract's Q&A, tone and approval operations run as registered, and the
lists load their relations in batches: statements do not grow with the page."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from domain.authz.policy import Role
from tests.api.knowledge.conftest import (
    GRANTED,
    World,
    create_entry,
    gid,
    submit,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]

OPERATIONS = Path(__file__).resolve().parents[3] / "frontend_contract" / "operations"


async def run(
    client: httpx.AsyncClient, token: str, file: str, operation: str, **variables: Any
) -> dict[str, Any]:
    """Run one named operation of a contract file; it must answer without errors."""
    response = await client.post(
        "/graphql",
        json={
            "query": (OPERATIONS / file).read_text("utf-8"),
            "operationName": operation,
            "variables": variables,
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_the_contract_operations_run(client: httpx.AsyncClient, world: World) -> None:
    agent = world.token(Role.AGENT)
    approver = world.token(Role.CLIENT_APPROVER)
    brand = gid("Brand", world.brand_ids[GRANTED])

    created = await run(
        client,
        agent,
        "QnaEditor.graphql",
        "QnaEntryCreate",
        input={
            "brandId": brand,
            "externalKey": "qna-kontrakt",
            "language": "pl",
            "questionVariants": ["Jak zgłosić szkodę?"],
            "answer": "Szkodę zgłosi Pan w aplikacji.",
        },
    )
    entry_id = created["qnaEntryCreate"]["entry"]["id"]
    updated = await run(
        client,
        agent,
        "QnaEditor.graphql",
        "QnaEntryUpdate",
        input={
            "entryId": entry_id,
            "questionVariants": ["Jak zgłosić szkodę?"],
            "answer": "Szkodę zgłosi Pan w aplikacji lub telefonicznie.",
        },
    )
    version_id = updated["qnaEntryUpdate"]["version"]["id"]
    listed = await run(client, approver, "QnaEditor.graphql", "QnaEntries", first=10)
    assert [n["externalKey"] for n in listed["qnaEntries"]["nodes"]] == ["qna-kontrakt"]
    entry = await run(client, approver, "QnaEditor.graphql", "QnaEntry", id=entry_id, first=5)
    assert [v["number"] for v in entry["qnaEntry"]["versions"]["nodes"]] == [1, 2]
    diff = await run(client, approver, "QnaEditor.graphql", "QnaVersionDiff", id=version_id)
    assert diff["node"]["diff"].startswith("--- qna-kontrakt v1\n+++ qna-kontrakt v2")
    submitted = await run(
        client, agent, "QnaEditor.graphql", "QnaVersionSubmit", input={"versionId": version_id}
    )
    approval_id = submitted["qnaVersionSubmit"]["approvalRequest"]["id"]

    queue = await run(client, approver, "ApprovalQueue.graphql", "ApprovalQueue", first=10)
    assert [n["id"] for n in queue["approvalQueue"]["nodes"]] == [approval_id]
    request = await run(
        client, approver, "ApprovalQueue.graphql", "ApprovalRequest", id=approval_id
    )
    assert request["node"]["qnaVersion"]["number"] == 2
    decided = await run(
        client,
        approver,
        "ApprovalQueue.graphql",
        "ApprovalDecide",
        input={"approvalId": approval_id, "decision": "APPROVED", "comment": "OK"},
    )
    assert decided["approvalDecide"]["approvalRequest"]["status"] == "APPROVED"

    await world.deliver_index()
    conversation = gid("Conversation", await world.thread("Jak mogę zgłosić szkodę?"))
    suggested = await run(
        client, agent, "QnaSuggest.graphql", "QnaSuggest", conversationId=conversation
    )
    assert [s["version"]["id"] for s in suggested["qnaSuggest"]["suggestions"]] == [version_id]

    proposed = await run(
        client,
        agent,
        "ToneCheck.graphql",
        "ToneGuidelineUpdate",
        input={"brandId": brand, "language": "pl", "maxReplyChars": 500},
    )
    tone_id = proposed["toneGuidelineUpdate"]["toneGuidelineVersion"]["id"]
    await run(
        client, agent, "ToneCheck.graphql", "ToneGuidelineSubmit", input={"versionId": tone_id}
    )
    guidelines = await run(client, approver, "ToneCheck.graphql", "ToneGuidelines", brandId=brand)
    assert [v["state"] for v in guidelines["toneGuidelines"]] == ["PENDING_APPROVAL"]
    checked = await run(
        client,
        agent,
        "ToneCheck.graphql",
        "ToneCheck",
        input={"brandId": brand, "language": "pl", "text": "Napisz do nas."},
    )
    assert checked["toneCheck"]["findings"] != []
    retired = await run(
        client, agent, "QnaEditor.graphql", "QnaEntryRetire", input={"entryId": entry_id}
    )
    assert retired["qnaEntryRetire"]["entry"]["retiredAt"] is not None


ENTRIES = """
query($first: Int) {
  qnaEntries(first: $first) {
    nodes {
      brand { slug }
      currentVersion { number createdBy { email } }
      approvedVersion { number }
      versions(first: 5) { nodes { number diff } }
    }
  }
}
"""
QUEUE = """
query($first: Int) {
  approvalQueue(first: $first) {
    nodes {
      brand { slug }
      requestedBy { email }
      qnaVersion { number entry { externalKey } }
      decisions { decidedBy { email } }
    }
  }
}
"""


@contextmanager
def counted_statements(world: World) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = world.services.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def statements_for(
    client: httpx.AsyncClient, world: World, token: str, query: str, first: int
) -> int:
    with counted_statements(world) as statements:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": {"first": first}},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return len(statements)


async def test_lists_cost_the_same_number_of_statements_for_any_page_size(
    client: httpx.AsyncClient, world: World
) -> None:
    for number in range(4):
        created = await create_entry(client, world, key=f"qna-{number}")
        await submit(client, world, created["version"]["id"])
    approver = world.token(Role.CLIENT_APPROVER)
    for query in (ENTRIES, QUEUE):
        small = await statements_for(client, world, approver, query, 1)
        large = await statements_for(client, world, approver, query, 4)
        assert small == large, query
