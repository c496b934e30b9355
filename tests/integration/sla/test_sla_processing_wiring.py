"""Ingestion starts the clocks: a customer message processed from a webhook gets its
first-response clock without anyone calling the hook by hand."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import TenantScope
from domain.sla.models import ClockKind, SlaClock
from domain.sla.policies import ensure_default_policy
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import (
    SOURCES,
    channel_for,
    facebook_comment,
    make_solvia,
    store_event,
)
from workers.jobs.ingestion import process_inbound_event

pytestmark = pytest.mark.postgres


async def test_a_processed_customer_comment_starts_its_clocks(pg_database: Database) -> None:
    solvia = await make_solvia(pg_database)
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        await ensure_default_policy(uow, brand_id=solvia.polska)
        await uow.commit()
    posted = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wednesday, a working day
    event_id = await store_event(
        pg_database,
        solvia.tenant_id,
        source=SOURCES["facebook"],
        payload=facebook_comment(comment_id="104729384756120_90002", created=posted),
        channel_id=channel_for(solvia, "facebook"),
    )
    await process_inbound_event(
        {"database": pg_database, "job_try": 1},
        tenant_id=str(solvia.tenant_id),
        event_id=str(event_id),
    )
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        clocks = (await uow.session.execute(select(SlaClock))).scalars().all()
    assert sorted(clock.kind for clock in clocks) == [
        ClockKind.FIRST_RESPONSE,
        ClockKind.RESOLUTION,
    ]
    first = next(clock for clock in clocks if clock.kind is ClockKind.FIRST_RESPONSE)
    # The fixture brand has no business hours configured: no closing time.
    assert (first.started_at, first.due_at) == (posted, posted + timedelta(hours=1))
