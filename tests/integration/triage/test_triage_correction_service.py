"""`correct_triage` on PostgreSQL: authorisation, tenancy, what it writes, and learning."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.authz.policy import Role
from domain.brands.models import EscalationRoute
from domain.conversations.models import Conversation
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.errors import NotFoundError, PermissionDeniedError, ValidationError
from domain.shared.tenancy import Actor, TenantScope
from domain.triage.errors import InvalidTriageLabel
from domain.triage.feedback import FieldChange
from domain.triage.ingestion import PipelineTriage
from domain.triage.service import TRIAGE_CORRECTED_EVENT, correct_triage, list_triage_feedback
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import (
    RECEIVED_AT,
    Solvia,
    events_of,
    make_solvia,
    outbox_of,
)
from tests.integration.triage.conftest import (
    feedback_of,
    grantee,
    ingest_comment,
    mention_by_external_id,
)

#: The agent who corrects (a user: reasons say "an agent", never who).
AGENT_ACTOR = Actor.user(uuid.UUID("7a9e4f0c-52a1-4d0e-9a57-3f1b2c4d5e6f"))
LAWN = "Your delivery guy parked on my lawn again"
LAWN_AGAIN = "Your delivery guy parked on my lawn again!!"
MODEL_LABELS = {
    "priority": "cold",
    "category": "general_mention",
    "sentiment": "neutral",
    "escalate_to": None,
    "language": None,
    "needs_private": False,
}


async def lawn_comment(database: Database, solvia: Solvia, triage: PipelineTriage) -> None:
    await ingest_comment(
        database,
        solvia,
        triage,
        comment_id="122158734409283716_700001",
        message=LAWN,
        created=RECEIVED_AT - timedelta(hours=3),
        author_id="7000000000000001",
    )


async def conversation_priority_of(
    database: Database, solvia: Solvia, conversation_id: object
) -> str | None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)) as uow:
        result = await uow.session.execute(
            select(Conversation.priority).where(Conversation.id == conversation_id)
        )
        return result.scalar_one()


@pytest.mark.postgres
async def test_correction_is_refused_without_inbox_write_on_the_brand(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database)
    await lawn_comment(pg_database, solvia, pipeline_triage)
    before = await mention_by_external_id(
        pg_database, solvia.tenant_id, "122158734409283716_700001"
    )

    refused = (
        grantee(Role.CLIENT_VIEWER, solvia.polska),
        grantee(Role.CLIENT_APPROVER, solvia.italia),
        grantee(Role.ANALYST),
    )
    for who in refused:
        async with UnitOfWork(
            pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
        ) as uow:
            with pytest.raises(PermissionDeniedError):
                await correct_triage(uow, grantee=who, mention_id=before.id, priority="hot")

    after = await mention_by_external_id(pg_database, solvia.tenant_id, "122158734409283716_700001")
    assert (after.labels, after.reasons, after.version) == (
        before.labels,
        before.reasons,
        before.version,
    )
    assert await feedback_of(pg_database, solvia.tenant_id) == []


@pytest.mark.postgres
async def test_another_tenants_mention_is_not_found(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database, "solvia-a")
    other = await make_solvia(pg_database, "solvia-b")
    await lawn_comment(pg_database, solvia, pipeline_triage)
    mention = await mention_by_external_id(
        pg_database, solvia.tenant_id, "122158734409283716_700001"
    )

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(other.tenant_id)) as uow:
        with pytest.raises(NotFoundError):
            await correct_triage(
                uow, grantee=grantee(Role.OWNER), mention_id=mention.id, priority="hot"
            )
    assert await feedback_of(pg_database, solvia.tenant_id) == []


@pytest.mark.postgres
async def test_unknown_label_values_are_refused_by_field(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database)
    await lawn_comment(pg_database, solvia, pipeline_triage)
    mention = await mention_by_external_id(
        pg_database, solvia.tenant_id, "122158734409283716_700001"
    )
    agent = grantee(Role.AGENT)
    cases = {
        "priority": {"priority": "urgent"},
        "category": {"category": "angry"},
        "sentiment": {"sentiment": "furious"},
        "department": {"department": "legal"},
    }
    for field, values in cases.items():
        async with UnitOfWork(
            pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
        ) as uow:
            with pytest.raises(InvalidTriageLabel) as raised:
                await correct_triage(uow, grantee=agent, mention_id=mention.id, **values)
        assert (raised.value.field, raised.value.code) == (field, "invalid_triage_label")
        assert isinstance(raised.value, ValidationError)
    assert await feedback_of(pg_database, solvia.tenant_id) == []


@pytest.mark.postgres
async def test_a_correction_updates_the_mention_conversation_feedback_and_later_triage(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database, "solvia-a")
    other = await make_solvia(pg_database, "solvia-b")
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        uow.session.add(
            EscalationRoute(
                tenant_id=solvia.tenant_id,
                brand_id=solvia.polska,
                department="logistics",
                criteria={"categories": ["complaint"], "keywords": ["courier"]},
            )
        )
        await uow.commit()
    await lawn_comment(pg_database, solvia, pipeline_triage)
    before = await mention_by_external_id(
        pg_database, solvia.tenant_id, "122158734409283716_700001"
    )
    assert before.conversation_id is not None
    assert {name: before.labels[name] for name in ("priority", "category", "sentiment")} == {
        "priority": "cold",
        "category": "general_mention",
        "sentiment": "neutral",
    }
    assert await conversation_priority_of(pg_database, solvia, before.conversation_id) == "cold"

    agent = grantee(Role.AGENT)
    async with UnitOfWork(
        pg_database, actor=AGENT_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        correction = await correct_triage(
            uow,
            grantee=agent,
            mention_id=before.id,
            priority="hot",
            category="complaint",
            sentiment="negative",
            department="logistics",
            note="courier damage, not a general mention",
        )
    assert correction.changes == (
        FieldChange("priority", "cold", "hot"),
        FieldChange("category", "general_mention", "complaint"),
        FieldChange("sentiment", "neutral", "negative"),
        FieldChange("department", None, "logistics"),
    )

    after = await mention_by_external_id(pg_database, solvia.tenant_id, "122158734409283716_700001")
    assert after.conversation_id == before.conversation_id
    assert after.labels["priority"] == "hot"
    assert after.labels["category"] == "complaint"
    assert after.labels["sentiment"] == "negative"
    assert after.labels["escalate_to"] == "logistics"
    assert after.labels["corrected"] is True
    assert after.labels["corrected_fields"] == ["category", "department", "priority", "sentiment"]
    assert after.labels["model"] == {
        **MODEL_LABELS,
        "needs_private": before.labels["needs_private"],
    }
    assert after.reasons == [
        *before.reasons,
        "corrected by agent: priority cold → hot, category general_mention → complaint, "
        "sentiment neutral → negative, department none → logistics",
    ]
    assert after.version == before.version + 1
    assert {"mention_id": str(after.id), "version": after.version} in await outbox_of(
        pg_database, solvia.tenant_id, "index_mention"
    )

    rows = await feedback_of(pg_database, solvia.tenant_id)
    assert sorted((row.field.value, row.old_value, row.new_value) for row in rows) == [
        ("category", "general_mention", "complaint"),
        ("department", None, "logistics"),
        ("priority", "cold", "hot"),
        ("sentiment", "neutral", "negative"),
    ]
    assert {(row.mention_id, row.brand_id, row.actor_kind, row.actor_id) for row in rows} == {
        (after.id, solvia.polska, "user", str(AGENT_ACTOR.id))
    }
    assert {row.note for row in rows} == {"courier damage, not a general mention"}
    assert len({row.correction_id for row in rows}) == 1

    assert await conversation_priority_of(pg_database, solvia, after.conversation_id) == "hot"
    events = await events_of(pg_database, solvia.tenant_id, before.conversation_id)
    assert [kind for kind, _ in events][-2:] == ["triaged", TRIAGE_CORRECTED_EVENT]
    assert events[-2][1]["priority"] == "hot"
    assert events[-2][1]["previous_priority"] == "cold"
    assert events[-1][1]["mention_id"] == str(after.id)
    assert events[-1][1]["changes"][0] == {"field": "priority", "old": "cold", "new": "hot"}
    inbox = await outbox_of(pg_database, solvia.tenant_id, "inbox_event")
    assert inbox[-1] == {
        "conversation_id": str(after.conversation_id),
        "brand_id": str(solvia.polska),
        "kind": TRIAGE_CORRECTED_EVENT,
        "mention_id": str(after.id),
    }

    # Correcting to the values it already has changes nothing.
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        again = await correct_triage(uow, grantee=agent, mention_id=after.id, priority="hot")
    assert again.changes == ()
    assert len(await feedback_of(pg_database, solvia.tenant_id)) == 4

    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        exported = await list_triage_feedback(uow, grantee=grantee(Role.ANALYST))
        hidden = await list_triage_feedback(uow, grantee=grantee(Role.CLIENT_VIEWER, solvia.polska))
        other_brand = await list_triage_feedback(
            uow, grantee=grantee(Role.ANALYST), brand_ids=[solvia.italia]
        )
    assert sorted(row.field.value for row in exported) == [
        "category",
        "department",
        "priority",
        "sentiment",
    ]
    assert (hidden, other_brand) == ([], [])

    # A near-identical later mention of the same tenant takes the corrected labels ...
    later = await ingest_comment(
        pg_database,
        solvia,
        pipeline_triage,
        comment_id="122158734409283716_700002",
        message=LAWN_AGAIN,
        created=RECEIVED_AT - timedelta(hours=1),
        author_id="7000000000000002",
    )
    assert (later.labels["priority"], later.labels["category"], later.labels["sentiment"]) == (
        "hot",
        "complaint",
        "negative",
    )
    assert later.labels["escalate_to"] == "logistics"
    assert any(
        reason.startswith("category complaint: corrected by an agent on ")
        and "for a similar mention" in reason
        for reason in later.reasons
    )
    # ... and the same text in another tenant does not.
    elsewhere = await ingest_comment(
        pg_database,
        other,
        pipeline_triage,
        comment_id="122158734409283716_700003",
        message=LAWN_AGAIN,
        created=RECEIVED_AT - timedelta(hours=1),
        author_id="7000000000000003",
    )
    assert (
        elsewhere.labels["priority"],
        elsewhere.labels["category"],
        elsewhere.labels["sentiment"],
    ) == ("cold", "general_mention", "neutral")
    assert not any("corrected" in reason for reason in elsewhere.reasons)


async def test_corrections_work_on_the_embedded_database(
    sqlite_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(sqlite_database)
    await lawn_comment(sqlite_database, solvia, pipeline_triage)
    mention = await mention_by_external_id(
        sqlite_database, solvia.tenant_id, "122158734409283716_700001"
    )
    async with UnitOfWork(
        sqlite_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        correction = await correct_triage(
            uow, grantee=grantee(Role.AGENT), mention_id=mention.id, category="complaint"
        )
    # The priority follows the corrected category.
    assert correction.changes == (
        FieldChange("priority", "cold", "hot"),
        FieldChange("category", "general_mention", "complaint"),
    )
    later = await ingest_comment(
        sqlite_database,
        solvia,
        pipeline_triage,
        comment_id="122158734409283716_700002",
        message=LAWN_AGAIN,
        created=RECEIVED_AT - timedelta(hours=1),
        author_id="7000000000000002",
    )
    # The category came from the correction; the priority follows it.
    assert (later.labels["category"], later.labels["priority"]) == ("complaint", "hot")
