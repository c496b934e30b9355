"""Pure rules of automatic assignment."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from domain.assignment.models import AssignmentStrategy, Availability


def eligible_agents(
    members: Sequence[uuid.UUID],
    *,
    availability: Mapping[uuid.UUID, tuple[Availability, int]],
    load: Mapping[uuid.UUID, int],
) -> list[uuid.UUID]:
    """Members (in team order) who are online and below their capacity.

    `availability` maps an agent to (status, capacity); an agent without an
    entry is offline. `load` counts each agent's open assigned conversations.
    """
    chosen = []
    for member in members:
        status, capacity = availability.get(member, (Availability.OFFLINE, 0))
        if status is Availability.ONLINE and load.get(member, 0) < capacity:
            chosen.append(member)
    return chosen


def _after_pointer(
    members: Sequence[uuid.UUID], eligible: Sequence[uuid.UUID], pointer: uuid.UUID | None
) -> list[uuid.UUID]:
    """`eligible` in team order, starting with the first member after `pointer`."""
    start = members.index(pointer) + 1 if pointer in members else 0
    rotated = [*members[start:], *members[:start]]
    wanted = set(eligible)
    return [member for member in rotated if member in wanted]


def pick_assignee(
    strategy: AssignmentStrategy,
    *,
    members: Sequence[uuid.UUID],
    eligible: Sequence[uuid.UUID],
    load: Mapping[uuid.UUID, int],
    pointer: uuid.UUID | None,
) -> uuid.UUID | None:
    """Who gets the next conversation, or None when nobody is eligible.

    Round robin: the next eligible member after the pointer (the previous
    assignee), in team order. Least loaded: the eligible member with the fewest
    open conversations, ties broken in round-robin order.
    """
    ordered = _after_pointer(members, eligible, pointer)
    if not ordered:
        return None
    if strategy is AssignmentStrategy.LEAST_LOADED:
        return min(ordered, key=lambda member: load.get(member, 0))
    return ordered[0]


def is_long_absent(
    status: Availability, *, changed_at: datetime, now: datetime, limit: timedelta
) -> bool:
    """Whether an agent has been away or offline for at least `limit`."""
    return status is not Availability.ONLINE and now - changed_at >= limit
