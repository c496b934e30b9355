"""A breach's raised priority sticks while the breached clock runs (PostgreSQL): triage's
recomputation keeps the conversation hot, and follows its mentions again once the clock
stops."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.conversations.models import Conversation, ConversationEvent
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention, MentionDirection, TriageStatus
from domain.shared.tenancy import Actor
from domain.sla.service import record_first_response, start_clocks_for_customer_message
from domain.sla.sweep import SLA_ESCALATED_EVENT, sweep_sla_clocks
from domain.triage.ingestion import refresh_conversation_priorities
from tests.factories import TEST_ACTOR
from tests.integration.sla.conftest import SlaWorld, build_world, open_conversation

pytestmark = pytest.mark.postgres

WEDNESDAY_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def _cold_conversation(database: Database, world: SlaWorld) -> uuid.UUID:
    """A conversation with one inbound mention triaged cold, its clocks started."""
    conversation_id = await open_conversation(database, world, at=WEDNESDAY_10)
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        uow.session.add(
            Mention(
                brand_id=world.brand_id,
                channel_id=world.channel_id,
                conversation_id=conversation_id,
                customer_id=world.customer_id,
                external_id=f"comment-{conversation_id}",
                platform="facebook_page",
                kind="comment",
                direction=MentionDirection.INBOUND,
                posted_at=WEDNESDAY_10,
                received_at=WEDNESDAY_10,
                triage_status=TriageStatus.DONE,
                labels={"priority": "cold"},
            )
        )
        await uow.flush()
        await start_clocks_for_customer_message(
            uow, conversation_id=conversation_id, at=WEDNESDAY_10
        )
        await refresh_conversation_priorities(
            uow, conversation_ids=[conversation_id], now=WEDNESDAY_10
        )
        await uow.commit()
    return conversation_id


async def _triage_refresh(
    database: Database, world: SlaWorld, conversation_id: uuid.UUID, at: datetime
) -> str | None:
    """Triage recomputes the conversation's priority; returns it as committed."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await refresh_conversation_priorities(uow, conversation_ids=[conversation_id], now=at)
        await uow.commit()
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        return await uow.session.scalar(
            select(Conversation.priority).where(Conversation.id == conversation_id)
        )


async def _sweep(database: Database, world: SlaWorld, at: datetime) -> int:
    async with UnitOfWork(database, actor=Actor.system("sweep"), scope=world.scope) as uow:
        return (await sweep_sla_clocks(uow, now=at)).breaches


async def test_a_breach_keeps_the_conversation_hot_until_its_clock_stops(
    pg_database: Database,
) -> None:
    world = await build_world(pg_database, "goraca", raise_priority=True)
    conversation_id = await _cold_conversation(pg_database, world)
    assert await _triage_refresh(pg_database, world, conversation_id, WEDNESDAY_10) == "cold"

    assert await _sweep(pg_database, world, WEDNESDAY_10 + timedelta(minutes=61)) == 1

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        result = await uow.session.execute(
            select(ConversationEvent.kind, ConversationEvent.data).where(
                ConversationEvent.conversation_id == conversation_id,
                ConversationEvent.kind == SLA_ESCALATED_EVENT,
            )
        )
        [(_, data)] = result.all()
    assert (data["priority"], data["clock"]) == ("hot", "first_response")
    # Triage runs again (a later delivery, an edit …): the breach's raise sticks.
    later = WEDNESDAY_10 + timedelta(minutes=65)
    assert await _triage_refresh(pg_database, world, conversation_id, later) == "hot"

    # The agent answers: the breached first-response clock stops (the resolution clock,
    # not breached, runs on), and the priority follows the mentions again.
    answered = WEDNESDAY_10 + timedelta(minutes=70)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await record_first_response(uow, conversation_id=conversation_id, at=answered)
        await uow.commit()
    assert await _triage_refresh(pg_database, world, conversation_id, answered) == "cold"


async def test_a_breach_that_does_not_raise_leaves_triage_in_charge(
    pg_database: Database,
) -> None:
    world = await build_world(pg_database, "chlodna", raise_priority=False)
    conversation_id = await _cold_conversation(pg_database, world)

    assert await _sweep(pg_database, world, WEDNESDAY_10 + timedelta(minutes=61)) == 1

    later = WEDNESDAY_10 + timedelta(minutes=65)
    assert await _triage_refresh(pg_database, world, conversation_id, later) == "cold"
