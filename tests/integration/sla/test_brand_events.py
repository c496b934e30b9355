"""Brand events on PostgreSQL: SLA targets follow active events; briefings; the demo seed."""

import json
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from sqlalchemy import func, select

from domain.brand_events.models import BrandEvent, BrandEventKind
from domain.brand_events.service import (
    BrandEventFields,
    briefings_for_conversation,
    create_brand_event,
)
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.demo.seed import seed_demo
from domain.ingestion.processing import TriageService
from domain.shared.tenancy import TenantScope
from domain.sla.models import ClockKind, SlaClock, SlaPolicy
from domain.sla.service import conversation_sla, start_clocks_for_customer_message
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import (
    SOURCES,
    channel_for,
    facebook_comment,
    make_solvia,
    mentions_of,
    store_event,
)
from tests.integration.sla.conftest import ADMIN, SlaWorld, open_conversation
from workers.jobs.ingestion import TRIAGE_CTX_KEY, process_inbound_event

pytestmark = pytest.mark.postgres

WEDNESDAY_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
OUTAGE_TITLE = "Awaria logowania w aplikacji mobilnej"


def outage(starts_at: datetime, **changes: object) -> BrandEventFields:
    values: dict[str, object] = {
        "kind": BrandEventKind.OUTAGE_WINDOW,
        "title": OUTAGE_TITLE,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=6),
        "sla_factor": 0.5,
        "briefing": "Login is down for everyone; an ETA is on the status page.",
    }
    values.update(changes)
    return BrandEventFields(**values)  # type: ignore[arg-type]


async def add_event(database: Database, world: SlaWorld, fields: BrandEventFields) -> BrandEvent:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        event = await create_brand_event(uow, ADMIN, brand_id=world.brand_id, fields=fields)
        await uow.commit()
    return event


async def test_an_active_outage_tightens_the_first_response_target(
    pg_database: Database, world: SlaWorld
) -> None:
    event = await add_event(pg_database, world, outage(WEDNESDAY_10 - timedelta(hours=1)))
    conversation_id = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await start_clocks_for_customer_message(
            uow, conversation_id=conversation_id, at=WEDNESDAY_10
        )
        await uow.commit()

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        clocks = {
            clock.kind: clock
            for clock in (
                await uow.session.execute(
                    select(SlaClock).where(SlaClock.conversation_id == conversation_id)
                )
            ).scalars()
        }
        sla = await conversation_sla(uow, ADMIN, conversation_id=conversation_id, now=WEDNESDAY_10)
        briefings = await briefings_for_conversation(
            uow, ADMIN, conversation_id=conversation_id, at=WEDNESDAY_10
        )
    first = clocks[ClockKind.FIRST_RESPONSE]
    assert (first.target_seconds, first.due_at) == (1800, WEDNESDAY_10 + timedelta(minutes=30))
    assert (first.event_id, first.event_factor) == (event.id, 0.5)
    assert first.event_reason == f"outage_window '{OUTAGE_TITLE}' active: target tightened ×0.5"
    resolution = clocks[ClockKind.RESOLUTION]
    assert (resolution.target_seconds, resolution.event_id) == (8 * 3600, None)
    assert sla.first_response_due_at == WEDNESDAY_10 + timedelta(minutes=30)
    assert (sla.event_id, sla.event_reason) == (event.id, first.event_reason)
    assert [briefing.title for briefing in briefings] == [OUTAGE_TITLE]


async def test_an_event_on_another_channel_or_outside_its_window_changes_nothing(
    pg_database: Database, world: SlaWorld
) -> None:
    await add_event(
        pg_database,
        world,
        outage(WEDNESDAY_10 - timedelta(hours=1), affected_channel_ids=(world.customer_id,)),
    )
    await add_event(pg_database, world, outage(WEDNESDAY_10 + timedelta(minutes=1)))
    conversation_id = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await start_clocks_for_customer_message(
            uow, conversation_id=conversation_id, at=WEDNESDAY_10
        )
        sla = await conversation_sla(uow, ADMIN, conversation_id=conversation_id, now=WEDNESDAY_10)
    assert sla.first_response_due_at == WEDNESDAY_10 + timedelta(hours=1)
    assert sla.event_id is None


async def test_an_active_outage_makes_an_outage_complaint_hot_with_the_event_named(
    pg_database: Database, pipeline_triage: TriageService
) -> None:
    solvia = await make_solvia(pg_database)
    posted = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        await create_brand_event(
            uow, ADMIN, brand_id=solvia.polska, fields=outage(posted - timedelta(hours=1))
        )
        await uow.commit()
    event_id = await store_event(
        pg_database,
        solvia.tenant_id,
        source=SOURCES["facebook"],
        payload=facebook_comment(
            comment_id="104729384756120_90001",
            created=posted,
            message="Aplikacja nie działa od rana, nie mogę się zalogować! Awaria?",
        ),
        channel_id=channel_for(solvia, "facebook"),
    )
    ctx = {"database": pg_database, "job_try": 1, TRIAGE_CTX_KEY: pipeline_triage}
    await process_inbound_event(ctx, tenant_id=str(solvia.tenant_id), event_id=str(event_id))

    [mention] = await mentions_of(pg_database, solvia.tenant_id)
    assert mention.labels["priority"] == "hot"
    assert any(OUTAGE_TITLE in str(reason) for reason in mention.reasons)


async def test_the_demo_seed_imports_events_and_one_default_policy_per_brand(
    pg_database: Database,
) -> None:
    text = resources.files("domain.demo").joinpath("data/brands.json").read_text("utf-8")
    brands = json.loads(text)["tenant"]["brands"]
    expected_events = sum(len(brand.get("events", [])) for brand in brands)

    seeded = await seed_demo(pg_database)
    await seed_demo(pg_database)

    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(seeded.tenant_id)
    ) as uow:
        events = await uow.session.scalar(select(func.count()).select_from(BrandEvent))
        policies = (await uow.session.execute(select(SlaPolicy.brand_id))).scalars().all()
        outages = (
            await uow.session.execute(
                select(BrandEvent.sla_factor).where(BrandEvent.kind == BrandEventKind.OUTAGE_WINDOW)
            )
        ).scalars()
        assert set(outages) == {0.5}
    assert events == expected_events
    assert sorted(policies) == sorted(seeded.brand_ids.values())
