"""The SLA sweep on PostgreSQL: exactly one event per clock, even with two workers."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.assignment.service import TeamFields, create_team
from domain.authz.policy import Role
from domain.conversations.models import Conversation
from domain.conversations.service import INBOX_EVENT_TOPIC
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import Actor
from domain.sla.models import SlaClock
from domain.sla.service import start_clocks_for_customer_message
from domain.sla.sweep import SLA_ESCALATION_TOPIC, sweep_sla_clocks
from tests.factories import TEST_ACTOR, make_member
from tests.integration.sla.conftest import ADMIN, SlaWorld, build_world, open_conversation
from workers.jobs.sla import sweep_sla

pytestmark = pytest.mark.postgres

WEDNESDAY_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def start_many(database: Database, world: SlaWorld, count: int) -> list[uuid.UUID]:
    ids = [await open_conversation(database, world, at=WEDNESDAY_10) for _ in range(count)]
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        for conversation_id in ids:
            await start_clocks_for_customer_message(
                uow, conversation_id=conversation_id, at=WEDNESDAY_10
            )
        await uow.commit()
    return ids


async def events(database: Database, world: SlaWorld, topic: str) -> list[dict[str, object]]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        result = await uow.session.execute(
            select(OutboxMessage.payload).where(OutboxMessage.topic == topic)
        )
        return [dict(payload) for payload in result.scalars()]


async def sweep_once(database: Database, world: SlaWorld, now: datetime) -> tuple[int, int]:
    async with UnitOfWork(database, actor=Actor.system("sweep"), scope=world.scope) as uow:
        run = await sweep_sla_clocks(uow, now=now)
    return run.warnings, run.breaches


async def test_warning_then_breach_once_each(pg_database: Database, world: SlaWorld) -> None:
    [conversation_id] = await start_many(pg_database, world, 1)

    assert await sweep_once(pg_database, world, WEDNESDAY_10 + timedelta(minutes=44)) == (0, 0)
    assert await sweep_once(pg_database, world, WEDNESDAY_10 + timedelta(minutes=45)) == (1, 0)
    assert await sweep_once(pg_database, world, WEDNESDAY_10 + timedelta(minutes=50)) == (0, 0)
    assert await sweep_once(pg_database, world, WEDNESDAY_10 + timedelta(minutes=61)) == (0, 1)
    assert await sweep_once(pg_database, world, WEDNESDAY_10 + timedelta(minutes=90)) == (0, 0)

    emitted = await events(pg_database, world, INBOX_EVENT_TOPIC)
    assert sorted((event["kind"], event["clock"]) for event in emitted) == [
        ("sla_breached", "first_response"),
        ("sla_warning", "first_response"),
    ]
    assert {event["conversation_id"] for event in emitted} == {str(conversation_id)}
    assert {event["due_at"] for event in emitted} == {
        (WEDNESDAY_10 + timedelta(hours=1)).isoformat()
    }


async def test_two_concurrent_sweeps_emit_one_event_per_clock(
    pg_database: Database, world: SlaWorld
) -> None:
    await start_many(pg_database, world, 200)
    late = WEDNESDAY_10 + timedelta(days=3)

    results = await asyncio.gather(
        sweep_once(pg_database, world, late), sweep_once(pg_database, world, late)
    )

    # 200 first-response and 200 resolution clocks breached, each exactly once.
    assert sum(breaches for _, breaches in results) == 400
    emitted = await events(pg_database, world, INBOX_EVENT_TOPIC)
    breached = [event["clock_id"] for event in emitted if event["kind"] == "sla_breached"]
    assert len(breached) == 400
    assert len(set(breached)) == 400
    # A breach claimed before its warning needs no late warning.
    assert [event for event in emitted if event["kind"] == "sla_warning"] == []
    assert await sweep_once(pg_database, world, late) == (0, 0)


async def test_two_concurrent_sweep_jobs_over_every_tenant(
    pg_database: Database, world: SlaWorld
) -> None:
    await start_many(pg_database, world, 50)
    other = await build_world(pg_database, "druga")
    await start_many(pg_database, other, 30)
    context = {"database": pg_database}

    # The jobs sweep at the real time: every clock (December 2026 targets) is far
    # in the future, so nothing may be emitted, and nothing crosses tenants.
    first, second = await asyncio.gather(sweep_sla(context), sweep_sla(context))
    assert first["breaches"] + second["breaches"] == 0
    assert first["warnings"] + second["warnings"] == 0


async def test_breach_escalates_as_the_policy_says(pg_database: Database) -> None:
    world = await build_world(pg_database, "eskalacja", raise_priority=True, notify_lead=True)
    lead = await make_member(pg_database, world.tenant_id, "lead@example.test", Role.AGENT)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await create_team(
            uow,
            ADMIN,
            brand_id=world.brand_id,
            fields=TeamFields(name="Care", lead_user_id=lead, member_ids=(lead,)),
        )
        await uow.commit()
    [conversation_id] = await start_many(pg_database, world, 1)

    warnings, breaches = await sweep_once(pg_database, world, WEDNESDAY_10 + timedelta(minutes=61))

    assert (warnings, breaches) == (0, 1)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        conversation = await uow.session.get(Conversation, conversation_id)
        assert conversation is not None
        assert (conversation.priority, conversation.priority_rank) == ("hot", 0)
    notices = await events(pg_database, world, SLA_ESCALATION_TOPIC)
    assert [(notice["recipient_user_id"], notice["clock"]) for notice in notices] == [
        (str(lead), "first_response")
    ]


async def test_the_sweep_reads_the_partial_indexes(
    pg_database: Database, world: SlaWorld, owner_engine: AsyncEngine
) -> None:
    await start_many(pg_database, world, 5)
    # Statistics of the rows just written, not of an earlier test's rows that
    # autovacuum happened to analyse (every 10 s on the test cluster).
    async with owner_engine.begin() as connection:
        await connection.execute(text("ANALYZE sla_clocks"))
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        count = await uow.session.scalar(select(func.count()).select_from(SlaClock))
        await uow.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = (
            await uow.session.execute(
                text(
                    "EXPLAIN SELECT id FROM sla_clocks WHERE tenant_id = :tenant"
                    " AND breached_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL"
                    " AND due_at <= now() ORDER BY due_at LIMIT 100"
                ),
                {"tenant": world.tenant_id},
            )
        ).scalars()
        plan_text = "\n".join(plan)
    assert count == 10
    assert "ix_sla_clocks_breach_due" in plan_text
