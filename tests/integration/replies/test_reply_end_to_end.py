"""A webhook complaint becomes a triaged conversation with a running SLA clock; the agent
gets the client-approved answer as a suggestion, fixes the draft after the tone check, and
the reply reaches the (local) Graph API exactly as documented, in time."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.approvals.service import decide_approval
from domain.authz.policy import ALL_SCOPES, Grantee, Role
from domain.brands.repository import BrandRepository
from domain.channels.repository import ChannelRepository
from domain.channels.service import set_channel_secrets
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.processing import TriageService
from domain.knowledge.service import (
    create_qna_entry,
    deliver_qna_index,
    submit_qna_version,
    suggest_for_conversation,
)
from domain.mentions.models import Mention
from domain.replies import service
from domain.replies.errors import ToneFindingsError
from domain.replies.models import ReplyStatus
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor, TenantScope
from domain.sla.models import ClockKind
from domain.sla.service import clocks_of_conversation, ensure_default_policy
from domain.tenants import service as tenants_service
from domain.triage.ingestion import PipelineTriage, shared_triager
from tests.factories import TEST_ACTOR
from tests.integration.knowledge.conftest import QnaBackend, opensearch_qna
from tests.integration.processing.conftest import SOURCES, make_solvia, store_event
from tests.integration.replies.conftest import AGENT, PlatformServer
from tests.unit.channels.webhook_fixture_manifests import body
from workers.jobs.ingestion import TRIAGE_CTX_KEY, process_inbound_event
from workers.jobs.replies import send_reply

pytestmark = [pytest.mark.postgres, pytest.mark.opensearch]

__all__ = ["opensearch_qna"]  # the fixture, imported for this module's tests

ALL_SCOPES_SET = frozenset(ALL_SCOPES)
CATALOGUE = Path(__file__).resolve().parents[2] / "fixtures" / "brands.json"
COMMENT = "122158734409283716_1187723409865521"


@pytest.fixture(scope="session")
def triage() -> TriageService:
    return PipelineTriage(shared_triager())


def just_posted() -> bytes:
    """The fixture complaint, written a minute ago (its clock starts when it was posted)."""
    document = json.loads(body("facebook", "02"))
    now = int(utcnow().timestamp())
    document["entry"][0]["time"] = now - 60
    document["entry"][0]["changes"][0]["value"]["created_time"] = now - 60
    return json.dumps(document).encode()


def wierzba_tone() -> dict[str, object]:
    brands = json.loads(CATALOGUE.read_text(encoding="utf-8"))["tenant"]["brands"]
    tone: dict[str, object] = next(b for b in brands if b["slug"] == "wierzba")["tone_guidelines"]
    return tone


async def test_webhook_complaint_to_a_delivered_reply(
    pg_database: Database,
    services_settings: Settings,
    platform_server: PlatformServer,
    triage: TriageService,
    opensearch_qna: QnaBackend,
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 200, {"id": "122158734409283716_1190000"})
    solvia = await make_solvia(pg_database)
    scope = TenantScope(solvia.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        channel = await ChannelRepository(uow).get(solvia.channel("fb_polska"))
        set_channel_secrets(uow, channel, {"page_access_token": "solvia-page-token"})
        brand = await BrandRepository(uow).get(solvia.polska)
        brand.settings = {**brand.settings, "tone_guidelines": wierzba_tone()}
        brand.primary_language = "pl"
        policy = await ensure_default_policy(uow, brand_id=solvia.polska)
        policy.around_the_clock = True
        member = await tenants_service.add_member(
            uow, email="marta@northwind.example", role=Role.AGENT, display_name="Marta Nowak"
        )
        approver = await tenants_service.add_member(
            uow,
            email="jan@solvia.example",
            role=Role.CLIENT_APPROVER,
            brand_slugs=[brand.slug],
            display_name="Jan Kowalski",
        )
        await uow.commit()

    # The agency writes the answer; the client signs it off; it reaches the index.
    async with UnitOfWork(pg_database, actor=Actor.user(member.user_id), scope=scope) as uow:
        answer = await create_qna_entry(
            uow,
            grantee=AGENT,
            brand_id=solvia.polska,
            external_key="qna-solvia-delivery",
            language="pl",
            question_variants=[
                "Jak długo czeka się na dostawę zamówienia?",
                "Zamówienie jeszcze nie dotarło, co robić?",
            ],
            answer="Zamówienia dostarczamy w 10 dni roboczych; status sprawdzimy u przewoźnika.",
        )
        approval = await submit_qna_version(uow, grantee=AGENT, version_id=answer.id)
        await uow.commit()
    client = Grantee(
        role=Role.CLIENT_APPROVER, brand_ids=frozenset({solvia.polska}), scopes=ALL_SCOPES_SET
    )
    async with UnitOfWork(pg_database, actor=Actor.user(approver.user_id), scope=scope) as uow:
        await decide_approval(
            uow, grantee=client, approval_id=approval.id, decision="approved", comment=None
        )
        await uow.commit()
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        indexed = await deliver_qna_index(uow, search=opensearch_qna.search, now=utcnow())
    assert indexed.indexed == 1
    await opensearch_qna.refresh()

    # The webhook delivery (stored raw by the receiver) is processed and triaged.
    event_id = await store_event(
        pg_database, solvia.tenant_id, source=SOURCES["facebook"], payload=just_posted()
    )
    await process_inbound_event(
        {"database": pg_database, "job_try": 1, TRIAGE_CTX_KEY: triage},
        tenant_id=str(solvia.tenant_id),
        event_id=str(event_id),
    )
    arrived_at = utcnow()
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        mention = (
            await uow.session.execute(select(Mention).where(Mention.external_id == COMMENT))
        ).scalar_one()
        assert mention.conversation_id is not None
        assert (mention.language, mention.labels["category"], mention.labels["priority"]) == (
            "pl",
            "complaint",
            "hot",
        )
        # Processing started the first-response clock with the message.
        started = await clocks_of_conversation(uow, AGENT, conversation_id=mention.conversation_id)
        assert ClockKind.FIRST_RESPONSE in {clock.kind for clock in started}
        suggested = await suggest_for_conversation(
            uow,
            search=opensearch_qna.search,
            grantee=AGENT,
            conversation_id=mention.conversation_id,
        )
    assert arrived_at >= mention.received_at
    conversation_id = mention.conversation_id
    assert suggested.language == "pl"
    assert [item.version.id for item in suggested.suggestions][:1] == [answer.id]

    async with UnitOfWork(pg_database, actor=Actor.user(member.user_id), scope=scope) as uow:
        draft = await service.create_draft(
            uow,
            grantee=AGENT,
            conversation_id=conversation_id,
            text="Przepraszamy za niedogodności, napisz do nas w wiadomości prywatnej.",
            qna_version_ids=[answer.id],
        )
        codes = {finding["code"] for finding in draft.tone_findings}
        assert {"banned_phrase", "wrong_address_form"} <= codes
        with pytest.raises(ToneFindingsError):
            await service.submit_reply(uow, grantee=AGENT, reply_id=draft.id)
        fixed = await service.update_draft(
            uow,
            grantee=AGENT,
            reply_id=draft.id,
            text=(
                "Dzień dobry, bardzo nam przykro, że zamówienie PL-2025-118734 wciąż nie dotarło."
                " Sprawdzamy jego status u przewoźnika i odpiszemy tutaj do jutra do 12:00."
            ),
        )
        assert [f["code"] for f in fixed.tone_findings if f["severity"] == "error"] == []
        queued = await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        assert queued.status is ReplyStatus.QUEUED
        await uow.commit()

    result = await send_reply(
        {"database": pg_database, "settings": platform_server.settings(services_settings)},
        tenant_id=str(solvia.tenant_id),
        reply_id=str(draft.id),
    )

    assert result == {"status": "sent", "attempts": 1}
    (request,) = platform_server.requests
    assert (request.method, request.path) == ("POST", f"/v21.0/{COMMENT}/comments")
    assert request.headers["authorization"] == "Bearer solvia-page-token"
    assert request.json() == {
        "message": (
            "Dzień dobry, bardzo nam przykro, że zamówienie PL-2025-118734 wciąż nie dotarło."
            " Sprawdzamy jego status u przewoźnika i odpiszemy tutaj do jutra do 12:00."
            "\n– Marta, Zespół Wierzba"
        )
    }
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        sent = await service.get_reply(uow, grantee=AGENT, reply_id=draft.id)
        clocks = await clocks_of_conversation(uow, AGENT, conversation_id=conversation_id)
    assert (sent.status, sent.platform_message_id) == (
        ReplyStatus.SENT,
        "122158734409283716_1190000",
    )
    assert sent.qna_version_ids == [str(answer.id)]
    (first,) = [clock for clock in clocks if clock.kind is ClockKind.FIRST_RESPONSE]
    assert first.stopped_at == sent.sent_at
    assert sent.sent_at is not None
    assert sent.sent_at <= first.due_at
