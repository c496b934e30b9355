"""A processing job takes other pending events along, within a count and a byte budget."""

import uuid
from datetime import timedelta

import pytest

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion import processing
from domain.ingestion.models import InboundEventStatus
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import (
    RECEIVED_AT,
    Solvia,
    facebook_comment,
    inbound_event,
    store_event,
)

pytestmark = pytest.mark.postgres


async def pending_comments(database: Database, solvia: Solvia, count: int) -> list[uuid.UUID]:
    """`count` stored Page comment events, a second apart, oldest first."""
    return [
        await store_event(
            database,
            solvia.tenant_id,
            source="meta",
            payload=facebook_comment(
                comment_id=f"122158734409283716_90000{index}",
                created=RECEIVED_AT + timedelta(seconds=index),
            ),
            received_at=RECEIVED_AT + timedelta(seconds=index),
        )
        for index in range(count)
    ]


async def process(
    database: Database,
    solvia: Solvia,
    event_id: uuid.UUID,
    *,
    companions: int,
    budget: int,
    when_done: bool = False,
) -> processing.ProcessingOutcome:
    scope = TenantScope(solvia.tenant_id)
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        outcome = await processing.process_inbound_event(
            uow,
            event_id=event_id,
            companions=companions,
            companion_bytes=budget,
            companions_when_done=when_done,
        )
        await uow.commit()
    return outcome


async def statuses(
    database: Database, solvia: Solvia, event_ids: list[uuid.UUID]
) -> list[InboundEventStatus]:
    return [(await inbound_event(database, solvia.tenant_id, each)).status for each in event_ids]


async def test_companions_stop_at_the_byte_budget_and_the_rest_stays_pending(
    pg_database: Database, solvia: Solvia
) -> None:
    events = await pending_comments(pg_database, solvia, 4)
    size = len((await inbound_event(pg_database, solvia.tenant_id, events[0])).body)

    # The budget holds the job's own event and two more bodies of the same size.
    outcome = await process(pg_database, solvia, events[3], companions=99, budget=3 * size + 10)

    assert outcome.status is processing.ProcessingStatus.PROCESSED
    assert (outcome.mentions, outcome.more_pending) == (3, True)
    pending, processed = InboundEventStatus.PENDING, InboundEventStatus.PROCESSED
    # The oldest companions go first; the one left over waits for its own job.
    assert await statuses(pg_database, solvia, events) == [processed, processed, pending, processed]


async def test_companions_stop_at_the_count(pg_database: Database, solvia: Solvia) -> None:
    events = await pending_comments(pg_database, solvia, 4)

    outcome = await process(pg_database, solvia, events[0], companions=1, budget=10**9)

    assert (outcome.mentions, outcome.more_pending) == (2, True)
    pending, processed = InboundEventStatus.PENDING, InboundEventStatus.PROCESSED
    assert await statuses(pg_database, solvia, events) == [processed, processed, pending, pending]


async def test_an_event_bigger_than_the_budget_is_processed_alone(
    pg_database: Database, solvia: Solvia
) -> None:
    events = await pending_comments(pg_database, solvia, 2)

    outcome = await process(pg_database, solvia, events[1], companions=99, budget=1)

    assert outcome.mentions == 1
    pending, processed = InboundEventStatus.PENDING, InboundEventStatus.PROCESSED
    assert await statuses(pg_database, solvia, events) == [pending, processed]


async def test_a_catch_up_run_whose_event_is_done_still_takes_the_pending_ones(
    pg_database: Database, solvia: Solvia
) -> None:
    events = await pending_comments(pg_database, solvia, 3)
    await process(pg_database, solvia, events[0], companions=0, budget=0)

    # An ordinary run of a done event skips; a catch-up run takes the pending ones.
    skipped = await process(pg_database, solvia, events[0], companions=99, budget=10**9)
    assert (skipped.status, skipped.mentions) == (processing.ProcessingStatus.SKIPPED, 0)
    outcome = await process(
        pg_database, solvia, events[0], companions=99, budget=10**9, when_done=True
    )

    assert outcome.status is processing.ProcessingStatus.SKIPPED
    assert (outcome.mentions, set(outcome.companion_ids)) == (2, set(events[1:]))
    assert not outcome.more_pending
    assert await statuses(pg_database, solvia, events) == [InboundEventStatus.PROCESSED] * 3
