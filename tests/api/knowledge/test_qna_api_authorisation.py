"""Who may read, edit, submit and decide Q&A: anonymous callers, another agency, each role.

Refused mutations answer with a user error and change nothing; refused queries
answer NOT_FOUND/FORBIDDEN or leave out what the caller may not see.
"""

import uuid
from typing import Any

import httpx
import pytest

from domain.authz.policy import Role
from tests.api.knowledge.conftest import (
    CREATE_ENTRY,
    DECIDE,
    GRANTED,
    OTHER,
    SUBMIT_VERSION,
    World,
    ask,
    create_entry,
    decide,
    error_codes,
    gid,
    raw_id,
    submit,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]

LIST = "query { qnaEntries { nodes { externalKey brand { slug } } } }"
ENTRY = "query($id: ID!) { qnaEntry(id: $id) { externalKey } }"
NODE = """
query($id: ID!) {
  node(id: $id) {
    id
    ... on QnaVersion { number }
    ... on QnaEntry { externalKey }
    ... on ApprovalRequest { status }
  }
}
"""
UPDATE = """
mutation($input: QnaEntryUpdateInput!) {
  qnaEntryUpdate(input: $input) { version { id } userErrors { field code } }
}
"""
RETIRE = """
mutation($input: QnaEntryRetireInput!) {
  qnaEntryRetire(input: $input) { entry { retiredAt } userErrors { field code } }
}
"""
QUEUE = """
query($filter: ApprovalQueueFilter) {
  approvalQueue(filter: $filter) { nodes { summary brand { slug } } }
}
"""
SUGGEST = """
query($id: ID!) { qnaSuggest(conversationId: $id) { noGoodMatch suggestions { score } } }
"""

ANY_ID = gid("QnaEntry", uuid.uuid4())
#: Every operation of the area with variables that parse; anonymous callers get 401 for each.
OPERATIONS: list[tuple[str, dict[str, Any]]] = [
    (LIST, {}),
    (ENTRY, {"id": ANY_ID}),
    (QUEUE, {}),
    (SUGGEST, {"id": gid("Conversation", uuid.uuid4())}),
    (
        "query($b: ID!) { toneGuidelines(brandId: $b) { number } }",
        {"b": gid("Brand", uuid.uuid4())},
    ),
    (
        "query($i: ToneCheckInput!) { toneCheck(input: $i) { language } }",
        {"i": {"brandId": gid("Brand", uuid.uuid4()), "text": "Dzień dobry"}},
    ),
    (
        CREATE_ENTRY,
        {
            "input": {
                "brandId": gid("Brand", uuid.uuid4()),
                "externalKey": "k",
                "language": "pl",
                "questionVariants": ["q"],
                "answer": "a",
            }
        },
    ),
    (UPDATE, {"input": {"entryId": ANY_ID, "questionVariants": ["q"], "answer": "a"}}),
    (SUBMIT_VERSION, {"input": {"versionId": gid("QnaVersion", uuid.uuid4())}}),
    (RETIRE, {"input": {"entryId": ANY_ID}}),
    (
        "mutation($i: ToneGuidelineUpdateInput!) { toneGuidelineUpdate(input: $i) "
        "{ userErrors { code } } }",
        {"i": {"brandId": gid("Brand", uuid.uuid4()), "language": "pl"}},
    ),
    (
        "mutation($i: ToneGuidelineSubmitInput!) { toneGuidelineSubmit(input: $i) "
        "{ userErrors { code } } }",
        {"i": {"versionId": gid("ToneGuidelineVersion", uuid.uuid4())}},
    ),
    (
        DECIDE,
        {"input": {"approvalId": gid("ApprovalRequest", uuid.uuid4()), "decision": "APPROVED"}},
    ),
]


@pytest.mark.parametrize(("document", "variables"), OPERATIONS)
async def test_anonymous_callers_get_401(
    client: httpx.AsyncClient, document: str, variables: dict[str, Any]
) -> None:
    await ask(client, None, document, **variables)


async def test_entries_are_listed_for_the_brands_the_caller_may_read(
    client: httpx.AsyncClient, world: World
) -> None:
    await create_entry(client, world, key="qna-granted")
    await create_entry(client, world, key="qna-other", brand=OTHER)
    both = [
        {"externalKey": "qna-granted", "brand": {"slug": GRANTED}},
        {"externalKey": "qna-other", "brand": {"slug": OTHER}},
    ]
    expected = {
        Role.OWNER: both,
        Role.ADMIN: both,
        Role.AGENT: both,
        Role.ANALYST: both,
        Role.CLIENT_APPROVER: both[:1],
        Role.CLIENT_VIEWER: [],
    }
    for role, entries in expected.items():
        body = await ask(client, world.token(role), LIST)
        assert body["data"]["qnaEntries"]["nodes"] == entries, role
    assert (await ask(client, world.other_token(), LIST))["data"]["qnaEntries"]["nodes"] == []


async def test_an_entry_of_a_brand_not_granted_or_another_agency_is_not_found(
    client: httpx.AsyncClient, world: World
) -> None:
    granted = await create_entry(client, world, key="qna-granted")
    other = await create_entry(client, world, key="qna-other", brand=OTHER)
    approver = world.token(Role.CLIENT_APPROVER)
    assert (await ask(client, approver, ENTRY, id=granted["entry"]["id"]))["data"]["qnaEntry"] == {
        "externalKey": "qna-granted"
    }
    for token, entry_id in (
        (approver, other["entry"]["id"]),
        (world.token(Role.CLIENT_VIEWER), granted["entry"]["id"]),
        (world.other_token(), granted["entry"]["id"]),
    ):
        body = await ask(client, token, ENTRY, id=entry_id)
        assert body["data"] is None
        assert error_codes(body) == ["NOT_FOUND"]
    for node_id in (granted["entry"]["id"], granted["version"]["id"]):
        body = await ask(client, world.other_token(), NODE, id=node_id)
        assert body["data"] == {"node": None}
    body = await ask(client, approver, NODE, id=other["version"]["id"])
    assert body["data"] == {"node": None}


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.ANALYST, "FORBIDDEN"),
        (Role.CLIENT_APPROVER, "FORBIDDEN"),
        (Role.CLIENT_VIEWER, "FORBIDDEN"),
        (None, "NOT_FOUND"),
    ],
)
async def test_only_editors_create_update_submit_or_retire(
    client: httpx.AsyncClient, world: World, role: Role | None, code: str
) -> None:
    """`None` is the owner of another agency, naming this agency's objects."""
    created = await create_entry(client, world, key="qna-granted")
    entry_id = created["entry"]["id"]
    token = world.other_token() if role is None else world.token(role)
    before = await world.versions_of(raw_id(entry_id))

    made = await ask(
        client,
        token,
        CREATE_ENTRY,
        input={
            "brandId": gid("Brand", world.brand_ids[GRANTED]),
            "externalKey": "qna-new",
            "language": "pl",
            "questionVariants": ["Pytanie?"],
            "answer": "Odpowiedź.",
        },
    )
    refused = made["data"]["qnaEntryCreate"]
    assert refused["entry"] is None
    assert refused["version"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("brandId", code)]
    edited = await ask(
        client,
        token,
        UPDATE,
        input={"entryId": entry_id, "questionVariants": ["Inne?"], "answer": "Inna."},
    )
    assert edited["data"]["qnaEntryUpdate"] == {
        "version": None,
        "userErrors": [{"field": "entryId", "code": code}],
    }
    submitted = await ask(
        client, token, SUBMIT_VERSION, input={"versionId": created["version"]["id"]}
    )
    assert submitted["data"]["qnaVersionSubmit"]["approvalRequest"] is None
    assert [e["code"] for e in submitted["data"]["qnaVersionSubmit"]["userErrors"]] == [code]
    retired = await ask(client, token, RETIRE, input={"entryId": entry_id})
    assert retired["data"]["qnaEntryRetire"] == {
        "entry": None,
        "userErrors": [{"field": "entryId", "code": code}],
    }
    assert await world.entry_count() == 1
    assert await world.versions_of(raw_id(entry_id)) == before == [(1, "draft")]
    listed = await ask(client, world.token(Role.AGENT), ENTRY, id=entry_id)
    assert listed["data"]["qnaEntry"] == {"externalKey": "qna-granted"}


async def test_agents_and_analysts_never_decide_and_approvers_only_their_brands(
    client: httpx.AsyncClient, world: World
) -> None:
    granted = await create_entry(client, world, key="qna-granted")
    other = await create_entry(client, world, key="qna-other", brand=OTHER)
    granted_request = (await submit(client, world, granted["version"]["id"]))["approvalRequest"]
    other_request = (await submit(client, world, other["version"]["id"]))["approvalRequest"]

    refusals = [
        (world.token(Role.AGENT), granted_request["id"], "FORBIDDEN"),
        (world.token(Role.ANALYST), granted_request["id"], "FORBIDDEN"),
        (world.token(Role.CLIENT_VIEWER), granted_request["id"], "FORBIDDEN"),
        (world.token(Role.CLIENT_APPROVER), other_request["id"], "NOT_FOUND"),
        (world.other_token(), granted_request["id"], "NOT_FOUND"),
        (world.token(Role.CLIENT_APPROVER), gid("QnaEntry", uuid.uuid4()), "NOT_FOUND"),
    ]
    for token, approval_id, code in refusals:
        body = await decide(client, token, approval_id)
        payload = body["data"]["approvalDecide"]
        assert payload["approvalRequest"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("approvalId", code)]
    assert await world.versions_of(raw_id(granted["entry"]["id"])) == [(1, "pending_approval")]
    assert await world.versions_of(raw_id(other["entry"]["id"])) == [(1, "pending_approval")]
    resubmitted = await ask(
        client,
        world.token(Role.AGENT),
        SUBMIT_VERSION,
        input={"versionId": granted["version"]["id"]},
    )
    assert [
        (e["field"], e["code"]) for e in resubmitted["data"]["qnaVersionSubmit"]["userErrors"]
    ] == [("versionId", "INVALID_TRANSITION")]

    # The queue: each decider's brands only; nobody else's.
    queues = {
        Role.OWNER: ["qna-granted", "qna-other"],
        Role.ADMIN: ["qna-granted", "qna-other"],
        Role.CLIENT_APPROVER: ["qna-granted"],
        Role.AGENT: [],
        Role.ANALYST: [],
        Role.CLIENT_VIEWER: [],
    }
    for role, keys in queues.items():
        nodes = (await ask(client, world.token(role), QUEUE))["data"]["approvalQueue"]["nodes"]
        assert [node["summary"].split(" ")[0] for node in nodes] == keys, role
    assert (await ask(client, world.other_token(), QUEUE))["data"]["approvalQueue"]["nodes"] == []
    narrowed = await ask(
        client,
        world.token(Role.ADMIN),
        QUEUE,
        filter={"brandIds": [gid("Brand", world.brand_ids[OTHER])]},
    )
    assert [n["brand"]["slug"] for n in narrowed["data"]["approvalQueue"]["nodes"]] == [OTHER]

    # An admin may send the other brand's version back; a decided request stays decided.
    sent_back = await decide(
        client, world.token(Role.ADMIN), other_request["id"], "CHANGES_REQUESTED", "Krócej."
    )
    assert sent_back["data"]["approvalDecide"]["approvalRequest"]["status"] == "CHANGES_REQUESTED"
    assert await world.versions_of(raw_id(other["entry"]["id"])) == [(1, "changes_requested")]
    twice = await decide(client, world.token(Role.OWNER), other_request["id"], "APPROVED")
    assert [e["code"] for e in twice["data"]["approvalDecide"]["userErrors"]] == ["ALREADY_DECIDED"]
    assert await world.versions_of(raw_id(other["entry"]["id"])) == [(1, "changes_requested")]

    # Sent back, the version can be submitted again: a new request.
    again = await submit(client, world, other["version"]["id"])
    assert again["approvalRequest"]["id"] != other_request["id"]


async def test_suggestions_need_the_inbox_and_the_brand(
    client: httpx.AsyncClient, world: World
) -> None:
    mine = gid("Conversation", await world.thread("Jak zgłosić szkodę?"))
    theirs = gid("Conversation", await world.thread("Jak zgłosić szkodę?", other_tenant=True))
    other_brand = gid("Conversation", await world.thread("Jak zgłosić szkodę?", brand=OTHER))
    for token, conversation, code in (
        (world.token(Role.CLIENT_APPROVER), mine, "FORBIDDEN"),
        (world.token(Role.CLIENT_VIEWER), mine, "FORBIDDEN"),
        (world.token(Role.CLIENT_APPROVER), other_brand, "NOT_FOUND"),
        (world.other_token(), mine, "NOT_FOUND"),
        (world.token(Role.AGENT), theirs, "NOT_FOUND"),
    ):
        body = await ask(client, token, SUGGEST, id=conversation)
        assert body["data"] is None
        assert error_codes(body) == [code]
    for role in (Role.AGENT, Role.ANALYST, Role.ADMIN):
        body = await ask(client, world.token(role), SUGGEST, id=mine)
        assert body["data"]["qnaSuggest"] == {"noGoodMatch": True, "suggestions": []}
