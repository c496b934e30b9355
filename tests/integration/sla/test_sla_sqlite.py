"""The embedded default (SQLite): clocks, the sweep and assignment run on it too."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain.assignment.models import Availability
from domain.assignment.service import (
    TeamFields,
    auto_assign_conversation,
    create_team,
    set_availability,
)
from domain.authz.policy import Role
from domain.conversations.models import Conversation
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.sla.models import ClockKind, SlaClock
from domain.sla.service import record_first_response, start_clocks_for_customer_message
from domain.sla.sweep import sweep_sla_clocks
from tests.factories import TEST_ACTOR, make_member
from tests.integration.sla.conftest import ADMIN, build_world, open_conversation

WEDNESDAY_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def test_clocks_sweep_and_assignment_on_sqlite(sqlite_database: Database) -> None:
    world = await build_world(sqlite_database, "osadzony")
    conversation_id = await open_conversation(sqlite_database, world, at=WEDNESDAY_10)
    for minutes in (0, 5):
        async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
            await start_clocks_for_customer_message(
                uow, conversation_id=conversation_id, at=WEDNESDAY_10 + timedelta(minutes=minutes)
            )
            await uow.commit()

    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        run = await sweep_sla_clocks(uow, now=WEDNESDAY_10 + timedelta(minutes=61))
    assert (run.breaches, run.warnings) == (1, 0)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        again = await sweep_sla_clocks(uow, now=WEDNESDAY_10 + timedelta(minutes=62))
    assert again.claimed == 0

    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await record_first_response(
            uow, conversation_id=conversation_id, at=WEDNESDAY_10 + timedelta(minutes=70)
        )
        await uow.commit()
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        clocks = (await uow.session.execute(select(SlaClock).order_by(SlaClock.kind))).scalars()
        found = [(clock.kind, clock.breached_at is not None, clock.stopped_at) for clock in clocks]
        conversation = await uow.session.get(Conversation, conversation_id)
        assert conversation is not None
        due = conversation.sla_due_at
    assert found == [
        (ClockKind.FIRST_RESPONSE, True, WEDNESDAY_10 + timedelta(minutes=70)),
        (ClockKind.RESOLUTION, False, None),
    ]
    assert due == WEDNESDAY_10 + timedelta(days=1)

    agent = await make_member(sqlite_database, world.tenant_id, "a@example.test", Role.AGENT)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await set_availability(
            uow,
            ADMIN,
            acting_user_id=None,
            user_id=agent,
            status=Availability.ONLINE,
            capacity=1,
            at=WEDNESDAY_10,
        )
        created = await create_team(
            uow, ADMIN, brand_id=world.brand_id, fields=TeamFields(name="Care", member_ids=(agent,))
        )
        assert (
            await auto_assign_conversation(
                uow, team_id=created.team.id, conversation_id=conversation_id, at=WEDNESDAY_10
            )
            == agent
        )
        await uow.commit()
    second = await open_conversation(sqlite_database, world, at=WEDNESDAY_10)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        assert (
            await auto_assign_conversation(
                uow, team_id=created.team.id, conversation_id=second, at=WEDNESDAY_10
            )
            is None
        )
