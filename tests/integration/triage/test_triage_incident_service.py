"""Incidents: bursts of similar posts stored once, back-filled, announced once, queryable."""

import uuid
from datetime import timedelta

import pytest

from domain.authz.policy import Role
from domain.brands.repository import BrandRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention
from domain.shared.errors import NotFoundError, PermissionDeniedError, ValidationError
from domain.shared.tenancy import TenantScope
from domain.triage.incidents import INCIDENT_OPENED_EVENT
from domain.triage.ingestion import PipelineTriage, shared_triager
from domain.triage.models import IncidentStatus
from domain.triage.service import INCIDENT_RESOLVED_EVENT, list_incidents, resolve_incident
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import RECEIVED_AT, Solvia, make_solvia, outbox_of
from tests.integration.triage.conftest import (
    grantee,
    incidents_of,
    ingest_comment,
    mention_by_external_id,
)

OUTAGE_REPORTS = (
    "The app is down, I can't log in since this morning!",
    "Is the app down? Cannot log in at all, error every time",
    "App not working again, login fails with an error. Fix it please",
    "App down for me too, can't log in",
    "Login is broken, the app is not working for me either",
    "Still cannot log in, the app shows an error page",
)
UNRELATED_COMPLAINTS = (
    "My parcel arrived with a broken lid and nobody answers my emails",
    "Charged twice for the same order last week, still no refund",
    "The courier threw the box over the fence, terrible service",
    "Waited 40 minutes on the hotline and got disconnected",
    "Wrong size delivered for the second time, very disappointed",
    "The store in the mall was closed during opening hours, wasted trip",
)
START = RECEIVED_AT - timedelta(minutes=40)
OUTAGE_KEY = "polska-outage-20250320-1120"


def comment_id(prefix: str, index: int) -> str:
    return f"122158734409283716_{prefix}{index:04d}"


async def post_all(
    database: Database,
    solvia: Solvia,
    triages: list[PipelineTriage],
    texts: tuple[str, ...],
    *,
    prefix: str,
) -> list[Mention]:
    """Each post is its own delivery, 4 minutes apart (20 minutes for six), from its own
    author; post i is triaged by ``triages[i % len(triages)]``."""
    for index, text in enumerate(texts):
        await ingest_comment(
            database,
            solvia,
            triages[index % len(triages)],
            comment_id=comment_id(prefix, index),
            message=text,
            created=START + timedelta(minutes=4 * index),
            author_id=f"91{prefix}{index:010d}",
        )
    return [
        await mention_by_external_id(database, solvia.tenant_id, comment_id(prefix, index))
        for index in range(len(texts))
    ]


async def retriage(
    database: Database, solvia: Solvia, triage: PipelineTriage, ids: list[uuid.UUID]
) -> None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)) as uow:
        await triage.mentions_stored(uow, mention_ids=ids)
        await uow.commit()


def opened_events(payloads: list[dict[str, object]]) -> list[dict[str, object]]:
    return [payload for payload in payloads if payload["kind"] == INCIDENT_OPENED_EVENT]


@pytest.mark.postgres
async def test_a_burst_of_outage_posts_becomes_one_incident_announced_once(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database)
    # Two pipelines, alternating: as if the worker restarted between deliveries.
    restarted = PipelineTriage(shared_triager())
    reports = await post_all(
        pg_database, solvia, [pipeline_triage, restarted], OUTAGE_REPORTS, prefix="81"
    )

    assert [item.labels["incident"] for item in reports] == [OUTAGE_KEY] * 6
    assert {item.labels["priority"] for item in reports} == {"hot"}
    assert {item.labels["category"] for item in reports} == {"outage"}
    # The posts that formed the burst before it crossed the threshold were back-filled.
    assert reports[0].reasons[-1] == f"incident {OUTAGE_KEY}: one of the posts that formed it"
    assert reports[0].version == 2
    indexed = await outbox_of(pg_database, solvia.tenant_id, "index_mention")
    assert {"mention_id": str(reports[0].id), "version": 2} in indexed

    [incident] = await incidents_of(pg_database, solvia.tenant_id)
    assert (incident.key, incident.kind, incident.status, incident.brand_id) == (
        OUTAGE_KEY,
        "outage",
        IncidentStatus.OPEN,
        solvia.polska,
    )
    assert (incident.started_at, incident.last_seen_at) == (
        START,
        START + timedelta(minutes=20),
    )
    assert incident.mention_count == 6
    assert incident.planned_event is None
    assert incident.title.startswith("Outage reports")
    assert "login" in incident.terms or "error" in incident.terms

    [opened] = opened_events(await outbox_of(pg_database, solvia.tenant_id, "inbox_event"))
    assert opened == {
        "kind": INCIDENT_OPENED_EVENT,
        "incident_id": str(incident.id),
        "incident_key": OUTAGE_KEY,
        "incident_kind": "outage",
        "brand_id": str(solvia.polska),
        "mention_count": 4,
        "conversation_id": None,
        "mention_id": None,
    }

    # The same mentions triaged again (a redelivery, a retry): nothing new.
    await retriage(pg_database, solvia, restarted, [item.id for item in reports])
    await retriage(pg_database, solvia, pipeline_triage, [reports[2].id])
    [again] = await incidents_of(pg_database, solvia.tenant_id)
    assert (again.id, again.mention_count, again.last_seen_at) == (
        incident.id,
        6,
        incident.last_seen_at,
    )
    assert len(opened_events(await outbox_of(pg_database, solvia.tenant_id, "inbox_event"))) == 1
    for item in reports:
        stored = await mention_by_external_id(pg_database, solvia.tenant_id, item.external_id)
        assert stored.labels["incident"] == OUTAGE_KEY


@pytest.mark.postgres
async def test_unrelated_complaints_open_no_incident(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database)
    complaints = await post_all(
        pg_database, solvia, [pipeline_triage], UNRELATED_COMPLAINTS, prefix="82"
    )
    assert [item.labels["incident"] for item in complaints] == [None] * 6
    assert await incidents_of(pg_database, solvia.tenant_id) == []
    assert opened_events(await outbox_of(pg_database, solvia.tenant_id, "inbox_event")) == []


@pytest.mark.postgres
async def test_incidents_are_listed_and_resolved_by_who_may(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database, "solvia-a")
    other = await make_solvia(pg_database, "solvia-b")
    await post_all(pg_database, solvia, [pipeline_triage], OUTAGE_REPORTS[:4], prefix="83")
    scope = TenantScope(solvia.tenant_id)

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        [listed] = await list_incidents(uow, grantee=grantee(Role.AGENT))
        assert await list_incidents(uow, grantee=grantee(Role.AGENT), status="resolved") == []
        assert (
            await list_incidents(uow, grantee=grantee(Role.AGENT), brand_ids=[solvia.italia]) == []
        )
        assert await list_incidents(uow, grantee=grantee(Role.CLIENT_VIEWER, solvia.polska)) == []
        with pytest.raises(ValidationError):
            await list_incidents(uow, grantee=grantee(Role.AGENT), status="closed")
    assert listed.mention_count == 4

    for refused in (grantee(Role.ANALYST), grantee(Role.CLIENT_APPROVER, solvia.polska)):
        async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
            with pytest.raises(PermissionDeniedError):
                await resolve_incident(uow, grantee=refused, incident_id=listed.id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(other.tenant_id)) as uow:
        with pytest.raises(NotFoundError):
            await resolve_incident(uow, grantee=grantee(Role.OWNER), incident_id=listed.id)
        assert await list_incidents(uow, grantee=grantee(Role.OWNER)) == []

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        resolved = await resolve_incident(uow, grantee=grantee(Role.AGENT), incident_id=listed.id)
    assert resolved.status is IncidentStatus.RESOLVED
    assert resolved.resolved_by == f"{TEST_ACTOR.kind.value}:{TEST_ACTOR.id}"
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        [stored] = await list_incidents(uow, grantee=grantee(Role.AGENT), status="resolved")
    assert stored.id == listed.id
    resolved_events = [
        payload
        for payload in await outbox_of(pg_database, solvia.tenant_id, "inbox_event")
        if payload["kind"] == INCIDENT_RESOLVED_EVENT
    ]
    assert resolved_events == [
        {
            "conversation_id": None,
            "brand_id": str(solvia.polska),
            "kind": INCIDENT_RESOLVED_EVENT,
            "mention_id": None,
            "incident_id": str(listed.id),
            "incident_key": listed.key,
        }
    ]


async def test_incidents_on_the_embedded_database(
    sqlite_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(sqlite_database)
    reports = await post_all(
        sqlite_database, solvia, [pipeline_triage], OUTAGE_REPORTS, prefix="84"
    )
    assert [item.labels["incident"] for item in reports] == [OUTAGE_KEY] * 6
    await retriage(sqlite_database, solvia, pipeline_triage, [item.id for item in reports])
    [incident] = await incidents_of(sqlite_database, solvia.tenant_id)
    assert (incident.key, incident.mention_count) == (OUTAGE_KEY, 6)
    assert (
        len(opened_events(await outbox_of(sqlite_database, solvia.tenant_id, "inbox_event"))) == 1
    )


@pytest.mark.postgres
async def test_a_burst_during_planned_maintenance_is_stored_without_an_alert(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database)
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        brand = await BrandRepository(uow).get(solvia.polska)
        brand.settings = {
            **brand.settings,
            "events": [
                {
                    "id": "maintenance-1",
                    "type": "outage_window",
                    "planned": True,
                    "title": "Planned app maintenance",
                    "start": (START - timedelta(hours=1)).isoformat(),
                    "end": (START + timedelta(hours=2)).isoformat(),
                }
            ],
        }
        await uow.commit()
    await post_all(pg_database, solvia, [pipeline_triage], OUTAGE_REPORTS[:5], prefix="85")

    [incident] = await incidents_of(pg_database, solvia.tenant_id)
    assert (incident.key, incident.planned_event, incident.mention_count) == (
        OUTAGE_KEY,
        "Planned app maintenance",
        5,
    )
    assert opened_events(await outbox_of(pg_database, solvia.tenant_id, "inbox_event")) == []
