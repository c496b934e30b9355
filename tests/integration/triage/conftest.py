"""Triage on stored mentions: one pipeline for the run, and helpers to ingest comments."""

import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from domain.authz.policy import ALL_SCOPES, Grantee, Role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.processing import TriageService
from domain.mentions.models import Mention
from domain.shared.tenancy import TenantScope
from domain.triage.ingestion import PipelineTriage, shared_triager
from domain.triage.models import Incident, TriageFeedback
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import Solvia, facebook_comment, store_event
from workers.jobs.ingestion import TRIAGE_CTX_KEY, process_inbound_event


@pytest.fixture(scope="session")
def pipeline_triage() -> PipelineTriage:
    return PipelineTriage(shared_triager())


@pytest.fixture(params=["postgresql", "sqlite"])
def any_database(request: pytest.FixtureRequest) -> Database:
    """The real PostgreSQL, then the embedded default's SQLite."""
    name = "pg_database" if request.param == "postgresql" else "sqlite_database"
    database: Database = request.getfixturevalue(name)
    return database


def grantee(role: Role, *brand_ids: uuid.UUID) -> Grantee:
    return Grantee(role=role, brand_ids=frozenset(brand_ids), scopes=frozenset(ALL_SCOPES))


async def ingest_comment(
    database: Database,
    solvia: Solvia,
    triage: TriageService,
    *,
    comment_id: str,
    message: str,
    created: datetime,
    author_id: str,
) -> Mention:
    """Deliver one Facebook comment to the Polish brand's page and run the job on it."""
    event_id = await store_event(
        database,
        solvia.tenant_id,
        source="meta",
        payload=facebook_comment(
            comment_id=comment_id,
            created=created,
            author_id=author_id,
            author_name="Test Author",
            message=message,
        ),
    )
    ctx: dict[str, Any] = {"database": database, "job_try": 1, TRIAGE_CTX_KEY: triage}
    outcome: Any = await process_inbound_event(
        ctx, tenant_id=str(solvia.tenant_id), event_id=str(event_id)
    )
    assert outcome["status"] == "processed", outcome
    return await mention_by_external_id(database, solvia.tenant_id, comment_id)


async def mention_by_external_id(
    database: Database, tenant_id: uuid.UUID, external_id: str
) -> Mention:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(Mention).where(Mention.external_id == external_id)
        )
        return result.scalar_one()


async def feedback_of(database: Database, tenant_id: uuid.UUID) -> list[TriageFeedback]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(TriageFeedback).order_by(TriageFeedback.created_at, TriageFeedback.field)
        )
        return list(result.scalars())


async def incidents_of(database: Database, tenant_id: uuid.UUID) -> list[Incident]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(select(Incident).order_by(Incident.started_at))
        return list(result.scalars())
