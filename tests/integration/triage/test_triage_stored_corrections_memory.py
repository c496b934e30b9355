"""The per-tenant memory of stored corrections: reloaded only when feedback changed, and
a re-triaged corrected mention keeps what the agent set."""

from datetime import timedelta

from domain.authz.policy import Role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import TenantScope
from domain.triage.ingestion import PipelineTriage
from domain.triage.learning import TenantCorrections
from domain.triage.service import correct_triage
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import RECEIVED_AT, make_solvia
from tests.integration.triage.conftest import grantee, ingest_comment, mention_by_external_id

LAWN = "Your delivery guy parked on my lawn again"


async def test_the_memory_is_rebuilt_only_when_the_tenants_feedback_changed(
    sqlite_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(sqlite_database, "solvia-a")
    other = await make_solvia(sqlite_database, "solvia-b")
    mention = await ingest_comment(
        sqlite_database,
        solvia,
        pipeline_triage,
        comment_id="122158734409283716_500001",
        message=LAWN,
        created=RECEIVED_AT - timedelta(hours=2),
        author_id="5000000000000001",
    )
    cache = TenantCorrections()
    scope = TenantScope(solvia.tenant_id)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        empty = await cache.memory(uow)
        assert await cache.memory(uow) is empty
    assert empty.corrections(str(solvia.tenant_id)) == ()

    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        await correct_triage(
            uow, grantee=grantee(Role.AGENT), mention_id=mention.id, priority="hot"
        )
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        loaded = await cache.memory(uow)
        assert await cache.memory(uow) is loaded
    assert loaded is not empty
    [correction] = loaded.corrections(str(solvia.tenant_id))
    assert (correction.mention_id, correction.text, dict(correction.labels)) == (
        str(mention.id),
        LAWN,
        {"priority": "hot"},
    )
    assert correction.corrected_by == f"{TEST_ACTOR.kind.value} {TEST_ACTOR.id}"

    async with UnitOfWork(
        sqlite_database, actor=TEST_ACTOR, scope=TenantScope(other.tenant_id)
    ) as uow:
        elsewhere = await cache.memory(uow)
    assert elsewhere.corrections(str(other.tenant_id)) == ()
    assert elsewhere.match(str(other.tenant_id), LAWN) is None


async def test_a_corrected_mention_triaged_again_keeps_the_agents_labels(
    sqlite_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(sqlite_database)
    mention = await ingest_comment(
        sqlite_database,
        solvia,
        pipeline_triage,
        comment_id="122158734409283716_500002",
        message=LAWN,
        created=RECEIVED_AT - timedelta(hours=2),
        author_id="5000000000000002",
    )
    scope = TenantScope(solvia.tenant_id)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        await correct_triage(
            uow,
            grantee=grantee(Role.AGENT),
            mention_id=mention.id,
            category="complaint",
            sentiment="negative",
        )
    corrected = await mention_by_external_id(
        sqlite_database, solvia.tenant_id, "122158734409283716_500002"
    )
    # A fresh pipeline (no cached memory), as after a restart.
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        await PipelineTriage(pipeline_triage.triager).mentions_stored(uow, mention_ids=[mention.id])
        await uow.commit()
    again = await mention_by_external_id(
        sqlite_database, solvia.tenant_id, "122158734409283716_500002"
    )
    for label in ("priority", "category", "sentiment", "corrected", "corrected_fields"):
        assert again.labels[label] == corrected.labels[label]
    assert (again.labels["category"], again.labels["priority"]) == ("complaint", "hot")
    assert again.labels["corrected_fields"] == ["category", "priority", "sentiment"]
