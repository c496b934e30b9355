"""Pure assignment rules and the in-memory presence store."""

import uuid
from datetime import UTC, datetime, timedelta

from domain.assignment.models import AssignmentStrategy, Availability
from domain.assignment.presence import InMemoryPresenceStore, PresenceActivity
from domain.assignment.rules import eligible_agents, is_long_absent, pick_assignee

A, B, C, D = (uuid.UUID(int=number) for number in range(1, 5))
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_only_online_agents_below_capacity_are_eligible() -> None:
    availability = {
        A: (Availability.ONLINE, 2),
        B: (Availability.AWAY, 5),
        C: (Availability.ONLINE, 1),
    }
    assert eligible_agents([A, B, C, D], availability=availability, load={C: 1}) == [A]
    assert eligible_agents([A, B, C, D], availability=availability, load={}) == [A, C]


def test_round_robin_follows_the_pointer_in_team_order() -> None:
    members = [A, B, C, D]
    eligible = [A, C, D]
    picks = []
    pointer = None
    for _ in range(6):
        pointer = pick_assignee(
            AssignmentStrategy.ROUND_ROBIN,
            members=members,
            eligible=eligible,
            load={},
            pointer=pointer,
        )
        picks.append(pointer)
    assert picks == [A, C, D, A, C, D]
    assert (
        pick_assignee(
            AssignmentStrategy.ROUND_ROBIN, members=members, eligible=[], load={}, pointer=A
        )
        is None
    )


def test_least_loaded_breaks_ties_in_round_robin_order() -> None:
    members = [A, B, C]
    load = {A: 2, B: 1, C: 1}
    assert (
        pick_assignee(
            AssignmentStrategy.LEAST_LOADED, members=members, eligible=members, load=load, pointer=B
        )
        == C
    )
    assert (
        pick_assignee(
            AssignmentStrategy.LEAST_LOADED, members=members, eligible=members, load=load, pointer=C
        )
        == B
    )


def test_long_absence() -> None:
    limit = timedelta(minutes=30)
    since = NOW - limit
    assert is_long_absent(Availability.AWAY, changed_at=since, now=NOW, limit=limit)
    assert not is_long_absent(Availability.ONLINE, changed_at=since, now=NOW, limit=limit)
    assert not is_long_absent(
        Availability.OFFLINE, changed_at=since + timedelta(seconds=1), now=NOW, limit=limit
    )


async def test_presence_expires_after_its_ttl() -> None:
    store = InMemoryPresenceStore()
    tenant, conversation = uuid.uuid4(), uuid.uuid4()
    await store.touch(
        tenant_id=tenant,
        conversation_id=conversation,
        user_id=A,
        activity=PresenceActivity.VIEWING,
        ttl_seconds=30,
        now=NOW,
    )
    await store.touch(
        tenant_id=tenant,
        conversation_id=conversation,
        user_id=B,
        activity=PresenceActivity.TYPING,
        ttl_seconds=30,
        now=NOW + timedelta(seconds=20),
    )
    present = await store.present(
        tenant_id=tenant, conversation_id=conversation, now=NOW + timedelta(seconds=29)
    )
    assert [(entry.user_id, entry.activity) for entry in present] == [
        (A, PresenceActivity.VIEWING),
        (B, PresenceActivity.TYPING),
    ]
    later = await store.present(
        tenant_id=tenant, conversation_id=conversation, now=NOW + timedelta(seconds=30)
    )
    assert [entry.user_id for entry in later] == [B]
    await store.leave(tenant_id=tenant, conversation_id=conversation, user_id=B)
    assert await store.present(tenant_id=tenant, conversation_id=conversation, now=NOW) == []
    assert await store.present(tenant_id=uuid.uuid4(), conversation_id=conversation, now=NOW) == []
