"""Every agent operation refuses anonymous callers with 401, before touching anything."""

import httpx
import pytest

pytestmark = pytest.mark.postgres

NOBODY = "Q29udmVyc2F0aW9uOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"

OPERATIONS = [
    "{ inbox { nodes { id } } }",
    f'{{ conversation(id: "{NOBODY}") {{ id }} }}',
    "{ customers { nodes { id } } }",
    f'{{ customer(id: "{NOBODY}") {{ id }} }}',
    '{ searchMentions(query: "refund") { edges { cursor } } }',
    f'{{ node(id: "{NOBODY}") {{ id }} }}',
    f'{{ nodes(ids: ["{NOBODY}"]) {{ id }} }}',
    f'mutation {{ conversationAssign(input: {{conversationId: "{NOBODY}", assigneeId: null}}) '
    "{ userErrors { code } } }",
    f'mutation {{ conversationSetStatus(input: {{conversationId: "{NOBODY}", status: OPEN}}) '
    "{ userErrors { code } } }",
    f'mutation {{ conversationSnooze(input: {{conversationId: "{NOBODY}", until: null}}) '
    "{ userErrors { code } } }",
    f'mutation {{ conversationAddNote(input: {{conversationId: "{NOBODY}", body: "x"}}) '
    "{ userErrors { code } } }",
    f'mutation {{ conversationMarkHandledBy(input: {{conversationId: "{NOBODY}", '
    "handledBy: BOT}) { userErrors { code } } }",
    f'mutation {{ customerUpdate(input: {{customerId: "{NOBODY}", isVip: true}}) '
    "{ userErrors { code } } }",
    f'mutation {{ customerMerge(input: {{sourceCustomerId: "{NOBODY}", '
    f'targetCustomerId: "{NOBODY}"}}) {{ userErrors {{ code }} }} }}',
    f'mutation {{ triageCorrect(input: {{mentionId: "{NOBODY}", priority: HOT}}) '
    "{ userErrors { code } } }",
]


@pytest.mark.parametrize("query", OPERATIONS)
async def test_anonymous_callers_get_401(client: httpx.AsyncClient, query: str) -> None:
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
