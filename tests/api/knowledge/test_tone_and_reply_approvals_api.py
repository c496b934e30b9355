"""Tone guidelines through the API (propose, submit, approve, check) and a reply signed off
with `approvalDecide`."""

import uuid

import httpx
import pytest

from domain.authz.policy import Role
from tests.api.knowledge.conftest import (
    GRANTED,
    OTHER,
    World,
    ask,
    decide,
    error_codes,
    gid,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]

GUIDELINES = """
query($brandId: ID!, $language: String) {
  toneGuidelines(brandId: $brandId, language: $language) {
    id language number state formOfAddress bannedPhrases { phrase condition note }
    redirectRule maxReplyChars channelLengthLimits { channelKind maxChars }
    emojiPolicy { allowed maxPerReply allowedContexts forbiddenContexts }
    signature { format example appendedBySystem }
    complaintRequiredPhrases createdBy { email }
  }
}
"""
UPDATE = """
mutation($input: ToneGuidelineUpdateInput!) {
  toneGuidelineUpdate(input: $input) {
    toneGuidelineVersion { id number state formOfAddress maxReplyChars }
    userErrors { field code }
  }
}
"""
SUBMIT = """
mutation($input: ToneGuidelineSubmitInput!) {
  toneGuidelineSubmit(input: $input) {
    toneGuidelineVersion { id state }
    approvalRequest { id status subjectKind toneGuidelineVersion { number } }
    userErrors { field code }
  }
}
"""
CHECK = """
query($input: ToneCheckInput!) {
  toneCheck(input: $input) {
    language guidelineSource guidelineVersion { number state }
    findings { kind severity start end message }
  }
}
"""

#: Informal address and an empty redirect, for a brand that addresses customers formally.
INFORMAL = "Przepraszamy za niedogodności, napisz do nas w wiadomości prywatnej."
#: The brand's voice, with substance and a next step.
FIXED = (
    "Dzień dobry, bardzo nam przykro, że zamówienie PL-2025-118734 wciąż nie dotarło."
    " Sprawdzamy jego status u przewoźnika i odpiszemy tutaj do jutra do 12:00."
)


def _spans(findings: list[dict[str, object]]) -> list[tuple[object, str]]:
    return [
        (finding["kind"], INFORMAL[int(str(finding["start"])) : int(str(finding["end"]))])
        for finding in findings
    ]


def _update_input(world: World, **fields: object) -> dict[str, object]:
    return {"brandId": gid("Brand", world.brand_ids[GRANTED]), "language": "pl", **fields}


async def test_guidelines_are_proposed_approved_and_then_enforced(
    client: httpx.AsyncClient, world: World
) -> None:
    agent = world.token(Role.AGENT)
    check_input = {"brandId": gid("Brand", world.brand_ids[GRANTED]), "language": "pl"}
    before = await ask(client, agent, CHECK, input={**check_input, "text": INFORMAL})
    result = before["data"]["toneCheck"]
    assert result["guidelineSource"] == "built_in_demo"
    assert result["guidelineVersion"] is None
    assert _spans(result["findings"]) == [
        ("BANNED_PHRASE", "Przepraszamy za niedogodności"),
        ("BANNED_PHRASE", "napisz do nas w wiadomości prywatnej"),
        ("WRONG_ADDRESS_FORM", "napisz"),
    ]
    assert {finding["severity"] for finding in result["findings"]} == {"ERROR"}

    proposed = await ask(
        client,
        agent,
        UPDATE,
        input=_update_input(
            world,
            maxReplyChars=400,
            channelLengthLimits=[{"channelKind": "x", "maxChars": 200}],
            bannedPhrases=["Przepraszamy za niedogodności"],
        ),
    )
    version = proposed["data"]["toneGuidelineUpdate"]
    assert version["userErrors"] == []
    assert version["toneGuidelineVersion"]["number"] == 1
    assert version["toneGuidelineVersion"]["state"] == "DRAFT"
    # The demo brand's form of address carries over: only the fields given change.
    assert version["toneGuidelineVersion"]["formOfAddress"] == "FORMAL"
    assert version["toneGuidelineVersion"]["maxReplyChars"] == 400
    version_id = version["toneGuidelineVersion"]["id"]

    listed = await ask(
        client,
        world.token(Role.CLIENT_APPROVER),
        GUIDELINES,
        brandId=gid("Brand", world.brand_ids[GRANTED]),
        language="pl",
    )
    [shown] = listed["data"]["toneGuidelines"]
    assert shown["id"] == version_id
    assert shown["bannedPhrases"] == [
        {"phrase": "Przepraszamy za niedogodności", "condition": "ALWAYS", "note": ""}
    ]
    assert shown["channelLengthLimits"] == [{"channelKind": "x", "maxChars": 200}]
    assert shown["createdBy"] == {"email": "agent@agency.example"}

    # A draft is not enforced.
    draft_check = await ask(client, agent, CHECK, input={**check_input, "text": FIXED})
    assert draft_check["data"]["toneCheck"]["guidelineSource"] == "built_in_demo"

    submitted = (await ask(client, agent, SUBMIT, input={"versionId": version_id}))["data"][
        "toneGuidelineSubmit"
    ]
    assert submitted["userErrors"] == []
    assert submitted["toneGuidelineVersion"]["state"] == "PENDING_APPROVAL"
    assert submitted["approvalRequest"]["subjectKind"] == "TONE_VERSION"
    assert submitted["approvalRequest"]["toneGuidelineVersion"] == {"number": 1}
    refused = await decide(client, agent, submitted["approvalRequest"]["id"])
    assert [e["code"] for e in refused["data"]["approvalDecide"]["userErrors"]] == ["FORBIDDEN"]
    decided = await decide(
        client, world.token(Role.CLIENT_APPROVER), submitted["approvalRequest"]["id"]
    )
    assert decided["data"]["approvalDecide"]["approvalRequest"]["status"] == "APPROVED"

    after = await ask(client, agent, CHECK, input={**check_input, "text": INFORMAL})
    enforced = after["data"]["toneCheck"]
    assert enforced["guidelineSource"] == "approved_version"
    assert enforced["guidelineVersion"] == {"number": 1, "state": "APPROVED"}
    # The approved version's own list of banned phrases replaced the built-in one.
    assert _spans(enforced["findings"]) == [
        ("BANNED_PHRASE", "Przepraszamy za niedogodności"),
        ("WRONG_ADDRESS_FORM", "napisz"),
    ]
    clean = await ask(client, agent, CHECK, input={**check_input, "text": FIXED})
    assert clean["data"]["toneCheck"]["findings"] == []


@pytest.mark.parametrize(
    ("role", "read_code", "write_code"),
    [
        (Role.ANALYST, None, "FORBIDDEN"),
        (Role.CLIENT_APPROVER, None, "FORBIDDEN"),
        (Role.CLIENT_VIEWER, "FORBIDDEN", "FORBIDDEN"),
        (None, "NOT_FOUND", "NOT_FOUND"),
    ],
)
async def test_tone_permissions(
    client: httpx.AsyncClient,
    world: World,
    role: Role | None,
    read_code: str | None,
    write_code: str,
) -> None:
    """`None` is the owner of another agency, naming this agency's brand."""
    drafted = await ask(client, world.token(Role.AGENT), UPDATE, input=_update_input(world))
    version_id = drafted["data"]["toneGuidelineUpdate"]["toneGuidelineVersion"]["id"]
    token = world.other_token() if role is None else world.token(role)
    brand = gid("Brand", world.brand_ids[GRANTED])

    listed = await ask(client, token, GUIDELINES, brandId=brand)
    checked = await ask(client, token, CHECK, input={"brandId": brand, "text": FIXED})
    if read_code is None:
        assert [v["id"] for v in listed["data"]["toneGuidelines"]] == [version_id]
        assert checked["data"]["toneCheck"]["language"] == "en"
    else:
        assert error_codes(listed) == [read_code]
        assert error_codes(checked) == [read_code]

    updated = await ask(client, token, UPDATE, input=_update_input(world, maxReplyChars=10))
    assert updated["data"]["toneGuidelineUpdate"] == {
        "toneGuidelineVersion": None,
        "userErrors": [{"field": "brandId", "code": write_code}],
    }
    submitted = await ask(client, token, SUBMIT, input={"versionId": version_id})
    assert submitted["data"]["toneGuidelineSubmit"]["approvalRequest"] is None
    assert [e["code"] for e in submitted["data"]["toneGuidelineSubmit"]["userErrors"]] == [
        write_code
    ]
    # Nothing changed: one draft version, still a draft.
    still = await ask(client, world.token(Role.AGENT), GUIDELINES, brandId=brand)
    assert [(v["number"], v["state"]) for v in still["data"]["toneGuidelines"]] == [(1, "DRAFT")]


async def test_another_brand_is_invisible_to_its_non_granted_approver(
    client: httpx.AsyncClient, world: World
) -> None:
    body = await ask(
        client,
        world.token(Role.CLIENT_APPROVER),
        GUIDELINES,
        brandId=gid("Brand", world.brand_ids[OTHER]),
    )
    assert error_codes(body) == ["NOT_FOUND"]
    unknown = await ask(
        client, world.token(Role.AGENT), GUIDELINES, brandId=gid("Brand", uuid.uuid4())
    )
    assert error_codes(unknown) == ["NOT_FOUND"]


DRAFT_REPLY = """
mutation($input: ReplyDraftCreateInput!) {
  replyDraftCreate(input: $input) { reply { id status } userErrors { code } }
}
"""
SUBMIT_REPLY = """
mutation($input: ReplySubmitInput!) {
  replySubmit(input: $input) { reply { id status approvalRequired } userErrors { code } }
}
"""
REPLY_QUEUE = """
query {
  approvalQueue {
    nodes { id subjectKind subjectId summary reply { id status } qnaVersion { id } }
  }
}
"""
REPLY_NODE = "query($id: ID!) { node(id: $id) { ... on Reply { status } } }"


async def test_a_reply_awaiting_sign_off_is_approved_through_approval_decide(
    client: httpx.AsyncClient, world: World
) -> None:
    conversation = await world.thread("Gdzie jest moja paczka?", is_vip=True)
    agent = world.token(Role.AGENT)
    approver = world.token(Role.CLIENT_APPROVER)
    drafted = await ask(
        client,
        agent,
        DRAFT_REPLY,
        input={"conversationId": gid("Conversation", conversation), "text": FIXED},
    )
    reply_id = drafted["data"]["replyDraftCreate"]["reply"]["id"]
    submitted = await ask(client, agent, SUBMIT_REPLY, input={"replyId": reply_id})
    assert submitted["data"]["replySubmit"]["reply"]["status"] == "PENDING_APPROVAL"

    [queued] = (await ask(client, approver, REPLY_QUEUE))["data"]["approvalQueue"]["nodes"]
    assert queued["subjectKind"] == "REPLY"
    assert queued["subjectId"] == reply_id
    assert "vip_customer" in queued["summary"]
    # Client approvers do not read the inbox: the reply itself stays hidden from them.
    assert queued["reply"] is None
    assert queued["qnaVersion"] is None
    admin_view = (await ask(client, world.token(Role.ADMIN), REPLY_QUEUE))["data"]
    assert admin_view["approvalQueue"]["nodes"][0]["reply"] == {
        "id": reply_id,
        "status": "PENDING_APPROVAL",
    }

    decided = await decide(client, approver, queued["id"], "APPROVED")
    assert decided["data"]["approvalDecide"]["userErrors"] == []
    assert decided["data"]["approvalDecide"]["approvalRequest"]["status"] == "APPROVED"
    reply = await ask(client, agent, REPLY_NODE, id=reply_id)
    assert reply["data"]["node"] == {"status": "APPROVED"}
