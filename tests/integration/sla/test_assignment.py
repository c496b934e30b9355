"""Automatic assignment on PostgreSQL: round robin, least loaded, capacity, absence."""

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.assignment.models import AssignmentStrategy, Availability
from domain.assignment.service import (
    TeamFields,
    auto_assign_conversation,
    create_team,
    set_availability,
    unassign_absent_agents,
)
from domain.authz.policy import Grantee, Role, scopes_for_role
from domain.conversations.models import Conversation, ConversationStatus
from domain.conversations.work import assign_conversation
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.errors import PermissionDeniedError
from tests.factories import TEST_ACTOR, make_member
from tests.integration.sla.conftest import ADMIN, SlaWorld, open_conversation

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def agents(
    database: Database, world: SlaWorld, statuses: list[Availability], capacity: int
) -> list[uuid.UUID]:
    ids = []
    for index, status in enumerate(statuses):
        user_id = await make_member(
            database, world.tenant_id, f"agent{index}@example.test", Role.AGENT
        )
        async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
            await set_availability(
                uow,
                ADMIN,
                acting_user_id=None,
                user_id=user_id,
                status=status,
                capacity=capacity,
                at=NOW,
            )
            await uow.commit()
        ids.append(user_id)
    return ids


async def team_of(
    database: Database,
    world: SlaWorld,
    members: list[uuid.UUID],
    strategy: AssignmentStrategy = AssignmentStrategy.ROUND_ROBIN,
    unassign_after_minutes: int | None = None,
) -> uuid.UUID:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        created = await create_team(
            uow,
            ADMIN,
            brand_id=world.brand_id,
            fields=TeamFields(
                name="Care",
                strategy=strategy,
                member_ids=tuple(members),
                unassign_after_minutes=unassign_after_minutes,
            ),
        )
        await uow.commit()
    return created.team.id


async def auto_assign(
    database: Database, world: SlaWorld, team_id: uuid.UUID, conversation_id: uuid.UUID
) -> uuid.UUID | None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        chosen = await auto_assign_conversation(
            uow, team_id=team_id, conversation_id=conversation_id, at=NOW
        )
        await uow.commit()
    return chosen


async def assignees(database: Database, world: SlaWorld) -> Counter[uuid.UUID | None]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        result = await uow.session.execute(select(Conversation.assignee_id))
        return Counter(result.scalars())


async def test_round_robin_spreads_100_conversations_evenly_and_skips_away_agents(
    pg_database: Database, world: SlaWorld
) -> None:
    online = [Availability.ONLINE] * 4
    people = await agents(pg_database, world, [*online[:2], Availability.AWAY, *online[2:]], 30)
    away = people[2]
    team_id = await team_of(pg_database, world, people)
    conversations = [await open_conversation(pg_database, world, at=NOW) for _ in range(100)]

    # Four workers assign concurrently; the team lock serialises them.
    async def worker(part: list[uuid.UUID]) -> None:
        for conversation_id in part:
            assert await auto_assign(pg_database, world, team_id, conversation_id) is not None

    await asyncio.gather(*(worker(conversations[index::4]) for index in range(4)))

    counts = await assignees(pg_database, world)
    assert counts == Counter({person: 25 for person in people if person != away})
    assert counts[away] == 0


async def test_capacity_is_never_exceeded(pg_database: Database, world: SlaWorld) -> None:
    people = await agents(pg_database, world, [Availability.ONLINE] * 2, 3)
    team_id = await team_of(pg_database, world, people)
    conversations = [await open_conversation(pg_database, world, at=NOW) for _ in range(8)]

    results = await asyncio.gather(
        *(auto_assign(pg_database, world, team_id, conversation) for conversation in conversations)
    )

    assert sum(1 for result in results if result is None) == 2
    assert await assignees(pg_database, world) == Counter({people[0]: 3, people[1]: 3, None: 2})


async def test_least_loaded_fills_the_emptiest_agent_first(
    pg_database: Database, world: SlaWorld
) -> None:
    people = await agents(pg_database, world, [Availability.ONLINE] * 3, 10)
    team_id = await team_of(pg_database, world, people, AssignmentStrategy.LEAST_LOADED)
    for _ in range(3):
        conversation_id = await open_conversation(pg_database, world, at=NOW)
        async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
            await assign_conversation(
                uow, grantee=ADMIN, conversation_id=conversation_id, assignee_id=people[0]
            )
    picks = [
        await auto_assign(
            pg_database, world, team_id, await open_conversation(pg_database, world, at=NOW)
        )
        for _ in range(4)
    ]
    assert picks == [people[1], people[2], people[1], people[2]]


async def test_long_absence_gives_conversations_back(
    pg_database: Database, world: SlaWorld
) -> None:
    [person] = await agents(pg_database, world, [Availability.ONLINE], 10)
    await team_of(pg_database, world, [person], unassign_after_minutes=30)
    open_one = await open_conversation(pg_database, world, at=NOW)
    resolved_one = await open_conversation(
        pg_database, world, at=NOW, status=ConversationStatus.RESOLVED
    )
    for conversation_id in (open_one, resolved_one):
        async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
            await assign_conversation(
                uow, grantee=ADMIN, conversation_id=conversation_id, assignee_id=person
            )
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await set_availability(
            uow,
            ADMIN,
            acting_user_id=None,
            user_id=person,
            status=Availability.AWAY,
            capacity=None,
            at=NOW,
        )
        await uow.commit()

    for minutes, expected in ((29, 0), (30, 1), (60, 0)):
        async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
            assert await unassign_absent_agents(uow, now=NOW + timedelta(minutes=minutes)) == (
                expected
            )
            await uow.commit()
    assert await assignees(pg_database, world) == Counter({None: 1, person: 1})


async def test_an_agent_sets_only_their_own_availability(
    pg_database: Database, world: SlaWorld
) -> None:
    me, colleague = await agents(pg_database, world, [Availability.ONLINE] * 2, 5)
    agent = Grantee(
        role=Role.AGENT, brand_ids=frozenset(), scopes=frozenset(scopes_for_role(Role.AGENT))
    )
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        mine = await set_availability(
            uow,
            agent,
            acting_user_id=me,
            user_id=me,
            status=Availability.AWAY,
            capacity=None,
            at=NOW + timedelta(minutes=5),
        )
        assert (mine.status, mine.capacity, mine.changed_at) == (
            Availability.AWAY,
            5,
            NOW + timedelta(minutes=5),
        )
        with pytest.raises(PermissionDeniedError):
            await set_availability(
                uow,
                agent,
                acting_user_id=me,
                user_id=colleague,
                status=Availability.OFFLINE,
                capacity=None,
                at=NOW,
            )
