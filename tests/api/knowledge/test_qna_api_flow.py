"""The Q&A life cycle through the API: draft, submit, the approver's decision, suggestion,
edit with a diff, the audit trail, retirement."""

import httpx
import pytest

from domain.authz.policy import Role
from domain.knowledge.rules import QNA_INDEX, QnaSearchEntry, qna_search_document
from domain.knowledge.suggest import suggest_answers
from tests.api.knowledge.conftest import (
    CREATE_ENTRY,
    GRANTED,
    World,
    ask,
    create_entry,
    decide,
    gid,
    raw_id,
    submit,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]

SUGGEST = """
query($conversationId: ID!, $first: Int) {
  qnaSuggest(conversationId: $conversationId, first: $first) {
    noGoodMatch
    language
    suggestions {
      entry { id externalKey }
      version { id number state answer }
      score matchedVariant matchedVariantHighlight fitsWell isStale language isFallbackLanguage
    }
  }
}
"""
ENTRY = """
query($id: ID!) {
  qnaEntry(id: $id) {
    id externalKey status stale product tags
    brand { slug }
    currentVersion { number state }
    approvedVersion { number state answer }
    versions(first: 1) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { number state createdBy { email } diff }
    }
  }
}
"""
VERSIONS_AFTER = """
query($id: ID!, $after: String) {
  qnaEntry(id: $id) {
    versions(first: 5, after: $after) {
      pageInfo { hasNextPage }
      nodes { number state diff }
    }
  }
}
"""
QUEUE = """
query($filter: ApprovalQueueFilter) {
  approvalQueue(filter: $filter) {
    nodes {
      id status subjectKind summary
      brand { slug }
      requestedBy { email }
      qnaVersion { number state entry { externalKey } }
      toneGuidelineVersion { id }
      reply { id }
    }
  }
}
"""
AUDIT = """
query($id: ID!) {
  node(id: $id) {
    ... on ApprovalRequest {
      status comment
      decidedBy { email }
      decisions {
        decision subjectKind subjectLabel subjectId decidedByRole comment
        decidedBy { email }
      }
    }
  }
}
"""
UPDATE = """
mutation($input: QnaEntryUpdateInput!) {
  qnaEntryUpdate(input: $input) {
    entry { status currentVersion { number } approvedVersion { number } }
    version { id number state }
    userErrors { field message code }
  }
}
"""
RETIRE = """
mutation($input: QnaEntryRetireInput!) {
  qnaEntryRetire(input: $input) {
    entry { id retiredAt }
    userErrors { field message code }
  }
}
"""
LIST = """
query($filter: QnaEntryFilter, $first: Int, $after: String) {
  qnaEntries(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { externalKey status stale }
  }
}
"""

QUESTION = "Dzień dobry, jak mogę zgłosić szkodę komunikacyjną po stłuczce?"


async def test_an_entry_is_suggested_only_once_a_client_approved_it(
    client: httpx.AsyncClient, world: World
) -> None:
    agent = world.token(Role.AGENT)
    approver = world.token(Role.CLIENT_APPROVER)
    created = await create_entry(client, world, key="qna-szkoda-001")
    assert created["entry"]["status"] == "DRAFT"
    assert created["version"]["number"] == 1
    entry_id = created["entry"]["id"]
    conversation = gid("Conversation", await world.thread(QUESTION))

    # A draft, even delivered to the index, is never suggested.
    await world.deliver_index()
    draft_suggest = await ask(client, agent, SUGGEST, conversationId=conversation)
    assert draft_suggest["data"]["qnaSuggest"] == {
        "noGoodMatch": True,
        "language": "pl",
        "suggestions": [],
    }

    submitted = await submit(client, world, created["version"]["id"])
    assert submitted["version"]["state"] == "PENDING_APPROVAL"
    assert submitted["approvalRequest"]["status"] == "PENDING"
    assert submitted["approvalRequest"]["subjectKind"] == "QNA_VERSION"
    approval_id = submitted["approvalRequest"]["id"]

    queue = await ask(client, approver, QUEUE)
    [queued] = queue["data"]["approvalQueue"]["nodes"]
    assert queued["id"] == approval_id
    assert queued["brand"] == {"slug": GRANTED}
    assert queued["requestedBy"] == {"email": "agent@agency.example"}
    assert queued["qnaVersion"] == {
        "number": 1,
        "state": "PENDING_APPROVAL",
        "entry": {"externalKey": "qna-szkoda-001"},
    }
    assert queued["toneGuidelineVersion"] is None
    assert queued["reply"] is None
    await world.deliver_index()
    pending_suggest = await ask(client, agent, SUGGEST, conversationId=conversation)
    assert pending_suggest["data"]["qnaSuggest"]["suggestions"] == []

    decided = await decide(client, approver, approval_id, "APPROVED", "Zgoda.")
    payload = decided["data"]["approvalDecide"]
    assert payload["userErrors"] == []
    assert payload["approvalRequest"]["status"] == "APPROVED"
    assert payload["approvalRequest"]["comment"] == "Zgoda."
    assert payload["approvalRequest"]["decidedBy"] == {"email": "client_approver@agency.example"}
    assert (await ask(client, approver, QUEUE))["data"]["approvalQueue"]["nodes"] == []

    await world.deliver_index()
    suggested = (await ask(client, agent, SUGGEST, conversationId=conversation))["data"]
    result = suggested["qnaSuggest"]
    assert result["noGoodMatch"] is False
    [suggestion] = result["suggestions"]
    assert suggestion["entry"] == {"id": entry_id, "externalKey": "qna-szkoda-001"}
    assert suggestion["version"]["number"] == 1
    assert suggestion["version"]["state"] == "APPROVED"
    assert suggestion["matchedVariant"] == "Jak zgłosić szkodę komunikacyjną?"
    assert suggestion["matchedVariantHighlight"] == (
        "Jak <em>zgłosić</em> <em>szkodę</em> <em>komunikacyjną</em>?"
    )
    assert suggestion["fitsWell"] is True
    assert suggestion["isStale"] is False
    assert suggestion["language"] == "pl"
    assert suggestion["isFallbackLanguage"] is False
    assert suggestion["score"] > 0

    # The audit trail names the decision, the exact version and the approver.
    audit = (await ask(client, approver, AUDIT, id=approval_id))["data"]["node"]
    assert audit["status"] == "APPROVED"
    assert audit["decisions"] == [
        {
            "decision": "APPROVED",
            "subjectKind": "QNA_VERSION",
            "subjectLabel": "qna-szkoda-001 v1: Jak zgłosić szkodę komunikacyjną?",
            "subjectId": created["version"]["id"],
            "decidedByRole": "client_approver",
            "comment": "Zgoda.",
            "decidedBy": {"email": "client_approver@agency.example"},
        }
    ]
    # Agents see the request's outcome but not the audit trail (they may neither decide nor audit).
    agent_view = (await ask(client, agent, AUDIT, id=approval_id))["data"]["node"]
    assert agent_view["status"] == "APPROVED"
    assert agent_view["decisions"] == []

    # An edit is a new draft; the approved version stays the suggested one.
    edited = await ask(
        client,
        agent,
        UPDATE,
        input={
            "entryId": entry_id,
            "questionVariants": ["Jak zgłosić szkodę komunikacyjną?", "Gdzie zgłosić stłuczkę?"],
            "answer": "Szkodę zgłosi Pan w aplikacji Wierzba; potrzebny będzie numer polisy.",
        },
    )
    update = edited["data"]["qnaEntryUpdate"]
    assert update["userErrors"] == []
    assert update["version"]["number"] == 2
    assert update["version"]["state"] == "DRAFT"
    assert update["entry"] == {
        "status": "DRAFT",
        "currentVersion": {"number": 2},
        "approvedVersion": {"number": 1},
    }
    again = (await ask(client, agent, SUGGEST, conversationId=conversation))["data"]
    assert [s["version"]["number"] for s in again["qnaSuggest"]["suggestions"]] == [1]

    entry = (await ask(client, approver, ENTRY, id=entry_id))["data"]["qnaEntry"]
    assert entry["brand"] == {"slug": GRANTED}
    assert entry["status"] == "DRAFT"
    assert entry["stale"] is False
    assert entry["product"] == "OC"
    assert entry["tags"] == ["szkody"]
    assert entry["currentVersion"] == {"number": 2, "state": "DRAFT"}
    assert entry["approvedVersion"]["number"] == 1
    versions = entry["versions"]
    assert versions["totalCount"] == 2
    assert versions["pageInfo"]["hasNextPage"] is True
    assert versions["nodes"] == [
        {
            "number": 1,
            "state": "APPROVED",
            "createdBy": {"email": "agent@agency.example"},
            "diff": None,
        }
    ]
    rest = await ask(
        client, agent, VERSIONS_AFTER, id=entry_id, after=versions["pageInfo"]["endCursor"]
    )
    [second] = rest["data"]["qnaEntry"]["versions"]["nodes"]
    assert second["number"] == 2
    assert second["diff"].splitlines() == [
        "--- qna-szkoda-001 v1",
        "+++ qna-szkoda-001 v2",
        "@@ -1,4 +1,5 @@",
        " Q: Jak zgłosić szkodę komunikacyjną?",
        "-A: Szkodę zgłosi Pan w aplikacji lub pod numerem infolinii; potrzebny będzie numer "
        "polisy.",
        "+Q: Gdzie zgłosić stłuczkę?",
        "+A: Szkodę zgłosi Pan w aplikacji Wierzba; potrzebny będzie numer polisy.",
        " Product: OC",
        " Tags: szkody",
    ]

    # Retired: gone from suggestions at once (the database check), and from the index.
    retired = await ask(client, agent, RETIRE, input={"entryId": entry_id})
    assert retired["data"]["qnaEntryRetire"]["userErrors"] == []
    assert retired["data"]["qnaEntryRetire"]["entry"]["retiredAt"] is not None
    gone = (await ask(client, agent, SUGGEST, conversationId=conversation))["data"]
    assert gone["qnaSuggest"] == {"noGoodMatch": True, "language": "pl", "suggestions": []}
    assert raw_id(entry_id)


async def test_entries_list_filters_and_pages(client: httpx.AsyncClient, world: World) -> None:
    for key in ("qna-a", "qna-b", "qna-c"):
        await create_entry(client, world, key=key)
    await create_entry(
        client,
        world,
        key="qna-raty",
        variants=("Czy mogę zapłacić składkę w ratach?",),
        answer="Tak, składkę można rozłożyć na cztery raty.",
    )
    analyst = world.token(Role.ANALYST)
    first = (await ask(client, analyst, LIST, first=2))["data"]["qnaEntries"]
    assert [node["externalKey"] for node in first["nodes"]] == ["qna-a", "qna-b"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await ask(client, analyst, LIST, first=5, after=first["pageInfo"]["endCursor"]))[
        "data"
    ]["qnaEntries"]
    assert [node["externalKey"] for node in rest["nodes"]] == ["qna-c", "qna-raty"]
    assert rest["pageInfo"]["hasNextPage"] is False
    by_text = await ask(client, analyst, LIST, filter={"text": "RATACH"})
    assert [n["externalKey"] for n in by_text["data"]["qnaEntries"]["nodes"]] == ["qna-raty"]
    by_status = await ask(client, analyst, LIST, filter={"status": "APPROVED"})
    assert by_status["data"]["qnaEntries"]["nodes"] == []
    stale = await ask(client, analyst, LIST, filter={"stale": True, "language": "pl"})
    assert stale["data"]["qnaEntries"]["nodes"] == []
    by_brand = await ask(
        client, analyst, LIST, filter={"brandId": gid("Brand", world.brand_ids["globex"])}
    )
    assert by_brand["data"]["qnaEntries"]["nodes"] == []


async def test_invalid_or_duplicate_entries_are_user_errors(
    client: httpx.AsyncClient, world: World
) -> None:
    await create_entry(client, world, key="qna-taken")
    agent = world.token(Role.AGENT)
    brand = gid("Brand", world.brand_ids[GRANTED])
    valid: dict[str, object] = {
        "brandId": brand,
        "externalKey": "qna-new",
        "language": "pl",
        "questionVariants": ["Pytanie?"],
        "answer": "Odpowiedź.",
    }
    cases: list[tuple[dict[str, object], tuple[str, str]]] = [
        ({"externalKey": "qna-taken"}, ("brandId", "CONFLICT")),
        ({"externalKey": "k" * 121}, ("externalKey", "INVALID")),
        ({"language": "de"}, ("language", "INVALID")),
        ({"questionVariants": [" "]}, ("questionVariants", "INVALID")),
        ({"answer": ""}, ("answer", "INVALID")),
        ({"product": "p" * 201}, ("product", "INVALID")),
        ({"brandId": "not-an-id"}, ("brandId", "NOT_FOUND")),
    ]
    for change, expected in cases:
        body = await ask(client, agent, CREATE_ENTRY, input={**valid, **change})
        payload = body["data"]["qnaEntryCreate"]
        assert payload["entry"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [expected], change
    assert await world.entry_count() == 1


async def test_a_pending_version_is_not_suggested_even_if_the_index_says_approved(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await create_entry(client, world, key="qna-pending")
    await submit(client, world, created["version"]["id"])
    # A wrong writer (or a lagging index) puts the pending version in as if approved.
    document = qna_search_document(
        QnaSearchEntry(
            entry_id=str(raw_id(created["entry"]["id"])),
            tenant_id=world.tenant_id,
            brand_id=world.brand_ids[GRANTED],
            language="pl",
            question_variants=tuple(created["version"]["questionVariants"]),
            answer=created["version"]["answer"],
            version=1,
        )
    )
    assert await world.services.search.index_documents(QNA_INDEX, [document]) == 1
    await world.services.search.refresh(QNA_INDEX)
    raw_hits = await suggest_answers(
        world.services.search,
        tenant_id=world.tenant_id,
        brand_id=world.brand_ids[GRANTED],
        language="pl",
        fallback_language="en",
        text=QUESTION,
    )
    assert [hit.entry_id for hit in raw_hits] == [str(raw_id(created["entry"]["id"]))]
    conversation = gid("Conversation", await world.thread(QUESTION))
    body = await ask(client, world.token(Role.AGENT), SUGGEST, conversationId=conversation)
    assert body["data"]["qnaSuggest"] == {"noGoodMatch": True, "language": "pl", "suggestions": []}
