"""SLA clocks through the hooks on PostgreSQL: start, respond, pause, resume, stop."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from domain.conversations.models import Conversation, ConversationStatus
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.sla.models import ClockKind, SlaClock
from domain.sla.policies import PolicyFields, retire_policy, update_policy
from domain.sla.service import (
    on_snooze_change,
    on_status_change,
    record_first_response,
    sla_for_conversations,
    start_clocks_for_customer_message,
)
from tests.factories import TEST_ACTOR
from tests.integration.sla.conftest import ADMIN, SlaWorld, build_world, open_conversation

pytestmark = pytest.mark.postgres

#: Wednesday 2 December 2026, 10:00 in Warsaw (CET, UTC+1).
WEDNESDAY_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def customer_message(
    database: Database, world: SlaWorld, conversation_id: uuid.UUID, at: datetime
) -> None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await start_clocks_for_customer_message(uow, conversation_id=conversation_id, at=at)
        await uow.commit()


async def reply(
    database: Database, world: SlaWorld, conversation_id: uuid.UUID, at: datetime
) -> None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await record_first_response(uow, conversation_id=conversation_id, at=at)
        await uow.commit()


async def status(
    database: Database,
    world: SlaWorld,
    conversation_id: uuid.UUID,
    new_status: ConversationStatus,
    at: datetime,
) -> None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        conversation = await uow.session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.status = new_status
        await uow.flush()
        await on_status_change(uow, conversation_id=conversation_id, status=new_status, at=at)
        await uow.commit()


async def clocks(database: Database, world: SlaWorld, conversation_id: uuid.UUID) -> list[SlaClock]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        result = await uow.session.execute(
            select(SlaClock)
            .where(SlaClock.conversation_id == conversation_id)
            .order_by(SlaClock.started_at, SlaClock.kind)
        )
        return list(result.scalars())


async def due_of(
    database: Database, world: SlaWorld, conversation_id: uuid.UUID
) -> datetime | None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        conversation = await uow.session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation.sla_due_at


async def test_first_message_starts_first_response_and_resolution_clocks(
    pg_database: Database, world: SlaWorld
) -> None:
    conversation_id = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    await customer_message(pg_database, world, conversation_id, WEDNESDAY_10)

    found = await clocks(pg_database, world, conversation_id)
    assert [(clock.kind, clock.due_at) for clock in found] == [
        (ClockKind.FIRST_RESPONSE, WEDNESDAY_10 + timedelta(hours=1)),
        # 8 business hours from Wednesday 10:00 (9–17): Thursday 10:00.
        (ClockKind.RESOLUTION, WEDNESDAY_10 + timedelta(days=1)),
    ]
    assert {clock.policy_id for clock in found} == {world.policy_id}
    assert {clock.policy_version for clock in found} == {1}
    assert found[0].warn_at == WEDNESDAY_10 + timedelta(minutes=45)
    assert await due_of(pg_database, world, conversation_id) == WEDNESDAY_10 + timedelta(hours=1)


async def test_next_response_never_overwrites_the_first_response_target(
    pg_database: Database, world: SlaWorld
) -> None:
    """Zammad #5177: a second customer message moved the first-response target."""
    conversation_id = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    await customer_message(pg_database, world, conversation_id, WEDNESDAY_10)
    await customer_message(
        pg_database, world, conversation_id, WEDNESDAY_10 + timedelta(minutes=30)
    )

    found = await clocks(pg_database, world, conversation_id)
    assert [(clock.kind, clock.due_at) for clock in found] == [
        (ClockKind.FIRST_RESPONSE, WEDNESDAY_10 + timedelta(hours=1)),
        (ClockKind.RESOLUTION, WEDNESDAY_10 + timedelta(days=1)),
    ]

    await reply(pg_database, world, conversation_id, WEDNESDAY_10 + timedelta(minutes=50))
    later = WEDNESDAY_10 + timedelta(hours=2)
    await customer_message(pg_database, world, conversation_id, later)
    await customer_message(pg_database, world, conversation_id, later + timedelta(minutes=5))

    found = await clocks(pg_database, world, conversation_id)
    first = [clock for clock in found if clock.kind is ClockKind.FIRST_RESPONSE]
    following = [clock for clock in found if clock.kind is ClockKind.NEXT_RESPONSE]
    assert [(clock.due_at, clock.stopped_at) for clock in first] == [
        (WEDNESDAY_10 + timedelta(hours=1), WEDNESDAY_10 + timedelta(minutes=50))
    ]
    # One next-response clock, from the earliest unanswered message.
    assert [(clock.started_at, clock.due_at) for clock in following] == [
        (later, later + timedelta(hours=2))
    ]
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        sla = (await sla_for_conversations(uow, [conversation_id], now=later))[conversation_id]
    assert sla.first_response_due_at is None
    assert sla.next_response_due_at == later + timedelta(hours=2)
    assert sla.breached is False
    assert sla.remaining_business_seconds == 2 * 3600


async def test_pending_customer_freezes_the_clock(pg_database: Database, world: SlaWorld) -> None:
    """Zammad #4516 kind: time spent waiting on the customer counted against the team."""
    conversation_id = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    await customer_message(pg_database, world, conversation_id, WEDNESDAY_10)
    paused_at = WEDNESDAY_10 + timedelta(minutes=20)
    await status(
        pg_database, world, conversation_id, ConversationStatus.PENDING_CUSTOMER, paused_at
    )

    assert await due_of(pg_database, world, conversation_id) is None
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        frozen_now = paused_at + timedelta(hours=3)
        sla = (await sla_for_conversations(uow, [conversation_id], now=frozen_now))[conversation_id]
    assert sla.paused is True
    assert sla.breached is False
    assert sla.remaining_business_seconds == 40 * 60

    # Resumed Thursday 09:30 local: the 40 business minutes left run from there.
    resumed = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    await status(pg_database, world, conversation_id, ConversationStatus.OPEN, resumed)
    found = await clocks(pg_database, world, conversation_id)
    first = next(clock for clock in found if clock.kind is ClockKind.FIRST_RESPONSE)
    assert first.paused_at is None
    assert first.due_at == resumed + timedelta(minutes=40)
    assert first.paused_seconds == int((resumed - paused_at).total_seconds())
    assert await due_of(pg_database, world, conversation_id) == resumed + timedelta(minutes=40)


async def test_snooze_pauses_and_unsnooze_resumes(pg_database: Database, world: SlaWorld) -> None:
    conversation_id = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    await customer_message(pg_database, world, conversation_id, WEDNESDAY_10)
    snoozed_at = WEDNESDAY_10 + timedelta(minutes=30)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await on_snooze_change(
            uow,
            conversation_id=conversation_id,
            snoozed_until=snoozed_at + timedelta(hours=1),
            at=snoozed_at,
        )
        await uow.commit()
    assert await due_of(pg_database, world, conversation_id) is None
    woken = snoozed_at + timedelta(hours=1)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await on_snooze_change(uow, conversation_id=conversation_id, snoozed_until=None, at=woken)
        await uow.commit()
    assert await due_of(pg_database, world, conversation_id) == woken + timedelta(minutes=30)


async def test_business_hours_are_the_brands_local_hours(
    pg_database: Database, world: SlaWorld
) -> None:
    """Chatwoot PR #13392 kind: hours applied in UTC instead of the brand's timezone."""
    friday_1630_warsaw = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    conversation_id = await open_conversation(pg_database, world, at=friday_1630_warsaw)
    await customer_message(pg_database, world, conversation_id, friday_1630_warsaw)
    found = await clocks(pg_database, world, conversation_id)
    first = next(clock for clock in found if clock.kind is ClockKind.FIRST_RESPONSE)
    # 30 minutes on Friday until 17:00 Warsaw, 30 more from Monday 09:00 Warsaw.
    assert first.due_at == datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


async def test_resolving_stops_every_clock(pg_database: Database, world: SlaWorld) -> None:
    conversation_id = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    await customer_message(pg_database, world, conversation_id, WEDNESDAY_10)
    resolved = WEDNESDAY_10 + timedelta(minutes=10)
    await status(pg_database, world, conversation_id, ConversationStatus.RESOLVED, resolved)
    assert {clock.stopped_at for clock in await clocks(pg_database, world, conversation_id)} == {
        resolved
    }
    assert await due_of(pg_database, world, conversation_id) is None


async def test_a_policy_change_applies_to_new_clocks_only(
    pg_database: Database, world: SlaWorld
) -> None:
    before = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    await customer_message(pg_database, world, before, WEDNESDAY_10)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        successor = await update_policy(
            uow,
            ADMIN,
            policy_id=world.policy_id,
            fields=PolicyFields(name="Faster", first_response_minutes=15, resolution_minutes=60),
            at=WEDNESDAY_10 + timedelta(minutes=1),
        )
        await uow.commit()
    after = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    await customer_message(pg_database, world, after, WEDNESDAY_10 + timedelta(minutes=2))

    old = await clocks(pg_database, world, before)
    new = await clocks(pg_database, world, after)
    assert {(clock.policy_id, clock.policy_version) for clock in old} == {(world.policy_id, 1)}
    assert {(clock.policy_id, clock.policy_version) for clock in new} == {(successor.id, 2)}
    assert old[0].due_at == WEDNESDAY_10 + timedelta(hours=1)
    assert new[0].due_at == WEDNESDAY_10 + timedelta(minutes=17)


async def test_no_policy_no_clocks(pg_database: Database) -> None:
    world = await build_world(pg_database, "bez-sla", first_response_minutes=60)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await retire_policy(uow, ADMIN, policy_id=world.policy_id, at=WEDNESDAY_10)
        await uow.commit()
    conversation_id = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    await customer_message(pg_database, world, conversation_id, WEDNESDAY_10)
    assert await clocks(pg_database, world, conversation_id) == []
    assert await due_of(pg_database, world, conversation_id) is None


async def test_another_tenant_sees_no_clocks(pg_database: Database, world: SlaWorld) -> None:
    conversation_id = await open_conversation(pg_database, world, at=WEDNESDAY_10)
    await customer_message(pg_database, world, conversation_id, WEDNESDAY_10)
    other = await build_world(pg_database, "inna")
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=other.scope) as uow:
        sla = (await sla_for_conversations(uow, [conversation_id], now=WEDNESDAY_10))[
            conversation_id
        ]
        rows = (await uow.session.execute(select(SlaClock.id))).all()
    assert sla.clock_ids == ()
    assert sla.first_response_due_at is None
    assert rows == []


async def test_the_sla_loader_takes_three_queries_for_any_number_of_conversations(
    pg_database: Database, world: SlaWorld
) -> None:
    ids = [await open_conversation(pg_database, world, at=WEDNESDAY_10) for _ in range(12)]
    for conversation_id in ids:
        await customer_message(pg_database, world, conversation_id, WEDNESDAY_10)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = pg_database.engine.sync_engine
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await uow.session.execute(select(1))  # the transaction's own set-up, not counted
        event.listen(engine, "before_cursor_execute", count)
        try:
            found = await sla_for_conversations(uow, ids, now=WEDNESDAY_10)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 3
    assert {value.first_response_due_at for value in found.values()} == {
        WEDNESDAY_10 + timedelta(hours=1)
    }
