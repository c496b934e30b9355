"""Use cases of teams, availability, assignment and collision presence.

Permissions: managing teams needs `sla:manage` on the team's brand; reading
them `inbox:read`. An agent sets their own availability with `inbox:write`;
setting someone else's needs `members:manage`. Manual assignment belongs
to the inbox (`domain.conversations.work.assign_conversation`). Presence:
`inbox:read` to view and be seen viewing, `inbox:write` to be seen typing.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from domain.assignment.errors import InvalidAssignmentError
from domain.assignment.models import AgentAvailability, AssignmentStrategy, Availability, Team
from domain.assignment.presence import (
    DEFAULT_PRESENCE_TTL_SECONDS,
    Presence,
    PresenceActivity,
    PresenceStore,
)
from domain.assignment.repository import (
    AvailabilityRepository,
    TeamMemberRepository,
    TeamRepository,
)
from domain.assignment.rules import eligible_agents, pick_assignee
from domain.authz.policy import CLIENT_ROLES, Grantee, Permission, decide, require
from domain.brands.repository import BrandRepository
from domain.conversations.models import Conversation
from domain.conversations.rules import EventKind
from domain.conversations.service import (
    INBOX_EVENT_TOPIC,
    ConversationChange,
    queue_outbox,
    record_changes,
)
from domain.db.uow import UnitOfWork
from domain.shared.errors import NotFoundError, PermissionDeniedError
from domain.shared.ids import new_id
from domain.tenants.repository import MembershipRepository

MAX_CAPACITY = 500


# --- teams ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamFields:
    """What a caller sets on a team (all of it, on create and on update)."""

    name: str
    strategy: AssignmentStrategy = AssignmentStrategy.ROUND_ROBIN
    lead_user_id: uuid.UUID | None = None
    unassign_after_minutes: int | None = None
    member_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class TeamWithMembers:
    team: Team
    member_ids: tuple[uuid.UUID, ...]


async def _require_staff_members(uow: UnitOfWork, user_ids: Sequence[uuid.UUID]) -> None:
    memberships = await MembershipRepository(uow).get_many_for_users(list(user_ids))
    active_staff = {
        membership.user_id
        for membership in memberships
        if membership.is_active and membership.role not in CLIENT_ROLES
    }
    missing = [user_id for user_id in user_ids if user_id not in active_staff]
    if missing:
        raise InvalidAssignmentError(
            "only active staff members of the agency can be in a team or assigned",
            field="memberIds",
        )


async def _validate_team(uow: UnitOfWork, fields: TeamFields) -> None:
    if not fields.name.strip():
        raise InvalidAssignmentError("a team needs a name", field="name")
    if (
        fields.unassign_after_minutes is not None
        and not 1 <= fields.unassign_after_minutes <= 10080
    ):
        raise InvalidAssignmentError(
            "unassign after 1 minute to 7 days", field="unassignAfterMinutes"
        )
    if len(set(fields.member_ids)) != len(fields.member_ids):
        raise InvalidAssignmentError("a member appears twice", field="memberIds")
    people = [*fields.member_ids, *([fields.lead_user_id] if fields.lead_user_id else [])]
    await _require_staff_members(uow, list(dict.fromkeys(people)))


def _apply_team(team: Team, fields: TeamFields) -> None:
    team.name = fields.name.strip()
    team.strategy = AssignmentStrategy(fields.strategy)
    team.lead_user_id = fields.lead_user_id
    team.unassign_after_minutes = fields.unassign_after_minutes


async def create_team(
    uow: UnitOfWork, grantee: Grantee, *, brand_id: uuid.UUID, fields: TeamFields
) -> TeamWithMembers:
    """A new team of the brand with its members in rotation order; flushes.

    Raises `NotFoundError`, `PermissionDeniedError`, `InvalidAssignmentError`
    (also for a name the brand already uses: flush conflict is re-raised as is).
    """
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.SLA_MANAGE, brand_id=brand.id)
    await _validate_team(uow, fields)
    team = Team(brand_id=brand.id)
    _apply_team(team, fields)
    TeamRepository(uow).add(team)
    await uow.flush()
    await TeamMemberRepository(uow).replace(team.id, fields.member_ids)
    await uow.flush()
    return TeamWithMembers(team, tuple(fields.member_ids))


async def update_team(
    uow: UnitOfWork, grantee: Grantee, *, team_id: uuid.UUID, fields: TeamFields
) -> TeamWithMembers:
    """Replace a team's fields and members; flushes."""
    team = await TeamRepository(uow).get(team_id)
    require(grantee, Permission.SLA_MANAGE, brand_id=team.brand_id)
    await _validate_team(uow, fields)
    _apply_team(team, fields)
    await TeamMemberRepository(uow).replace(team.id, fields.member_ids)
    await uow.flush()
    return TeamWithMembers(team, tuple(fields.member_ids))


async def delete_team(uow: UnitOfWork, grantee: Grantee, *, team_id: uuid.UUID) -> None:
    repository = TeamRepository(uow)
    team = await repository.get(team_id)
    require(grantee, Permission.SLA_MANAGE, brand_id=team.brand_id)
    await repository.delete(team)
    await uow.flush()


async def list_teams(
    uow: UnitOfWork, grantee: Grantee, *, brand_id: uuid.UUID
) -> list[TeamWithMembers]:
    """A brand's teams by name, with members; needs `inbox:read` on the brand."""
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.INBOX_READ, brand_id=brand.id)
    teams = await TeamRepository(uow).list_for_brand(brand.id)
    members = await TeamMemberRepository(uow).members_of([team.id for team in teams])
    return [TeamWithMembers(team, tuple(members[team.id])) for team in teams]


# --- availability ---------------------------------------------------------------------------


async def set_availability(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    acting_user_id: uuid.UUID | None,
    user_id: uuid.UUID,
    status: Availability,
    capacity: int | None,
    at: datetime,
) -> AgentAvailability:
    """Set an agent's availability (and capacity, if given); returns the stored row.

    Oneself: `inbox:write`; anyone else: `members:manage`. Raises
    `PermissionDeniedError`, `InvalidAssignmentError`.
    """
    permission = Permission.INBOX_WRITE if acting_user_id == user_id else Permission.MEMBERS_MANAGE
    require(grantee, permission)
    if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidAssignmentError(f"capacity is 0 to {MAX_CAPACITY}", field="capacity")
    await _require_staff_members(uow, [user_id])
    repository = AvailabilityRepository(uow)
    await repository.upsert(
        user_id=user_id, status=Availability(status), capacity=capacity, at=at, dialect=uow.dialect
    )
    stored = await repository.for_users([user_id])
    row = stored[user_id]
    await uow.session.refresh(row)
    return row


async def list_availability(
    uow: UnitOfWork, grantee: Grantee, *, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AgentAvailability]:
    """Availability of these agents (absent: never set, i.e. offline); `members:read`."""
    require(grantee, Permission.MEMBERS_READ)
    return await AvailabilityRepository(uow).for_users(user_ids)


# --- assignment -----------------------------------------------------------------------------


async def _conversation(uow: UnitOfWork, conversation_id: uuid.UUID, *, lock: bool) -> Conversation:
    statement = select(Conversation).where(Conversation.id == conversation_id)
    if lock and uow.dialect == "postgresql":
        statement = statement.with_for_update()
    found = (await uow.session.execute(statement)).scalar_one_or_none()
    if found is None:
        raise NotFoundError("conversation not found")
    return found


async def auto_assign_conversation(
    uow: UnitOfWork, *, team_id: uuid.UUID, conversation_id: uuid.UUID, at: datetime
) -> uuid.UUID | None:
    """Assign an unassigned conversation within a team by its strategy; returns the assignee.

    Only online members below their capacity are eligible (away and offline
    agents are skipped); round robin follows the team's pointer, least loaded
    takes the fewest open conversations. The team row is locked for the
    transaction on PostgreSQL, so concurrent assignments to a team queue up
    and capacity is never exceeded. An already assigned conversation keeps
    its assignee; None when nobody is eligible. No permission check (system
    use); does not commit.
    """
    teams = TeamRepository(uow)
    team = await teams.lock(team_id, dialect=uow.dialect)
    if team is None:
        raise NotFoundError("team not found")
    conversation = await _conversation(uow, conversation_id, lock=True)
    if conversation.brand_id != team.brand_id:
        raise InvalidAssignmentError("the team serves another brand", field="teamId")
    if conversation.assignee_id is not None:
        return conversation.assignee_id
    members_repository = TeamMemberRepository(uow)
    members = (await members_repository.members_of([team.id]))[team.id]
    availability = await AvailabilityRepository(uow).for_users(members)
    load = await members_repository.open_load(members)
    eligible = eligible_agents(
        members,
        availability={user: (row.status, row.capacity) for user, row in availability.items()},
        load=load,
    )
    chosen = pick_assignee(
        team.strategy,
        members=members,
        eligible=eligible,
        load=load,
        pointer=team.last_assigned_user_id,
    )
    if chosen is None:
        return None
    conversation.assignee_id = chosen
    await uow.flush()
    await teams.set_pointer(team.id, chosen)
    await record_changes(
        uow,
        [
            ConversationChange(
                conversation_id=conversation.id,
                brand_id=conversation.brand_id,
                kind=EventKind.ASSIGNED,
                data={"from_assignee_id": None, "to_assignee_id": chosen, "team_id": team.id},
            )
        ],
        now=at,
    )
    return chosen


async def auto_assign_as(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    team_id: uuid.UUID,
    conversation_id: uuid.UUID,
    at: datetime,
) -> uuid.UUID | None:
    """`auto_assign_conversation` on behalf of a caller with `inbox:write` on the brand."""
    team = await TeamRepository(uow).get(team_id)
    require(grantee, Permission.INBOX_WRITE, brand_id=team.brand_id)
    return await auto_assign_conversation(
        uow, team_id=team_id, conversation_id=conversation_id, at=at
    )


async def unassign_absent_agents(uow: UnitOfWork, *, now: datetime) -> int:
    """Give back to the queue the open conversations of team members away or offline for
    longer than their team's `unassign_after_minutes`; returns how many. Does not commit."""
    teams = await TeamRepository(uow).with_absence_limit()
    if not teams:
        return 0
    members_repository = TeamMemberRepository(uow)
    members = await members_repository.members_of([team.id for team in teams])
    availability = AvailabilityRepository(uow)
    unassigned: list[ConversationChange] = []
    for team in teams:
        assert team.unassign_after_minutes is not None
        absent = await availability.absent_since(
            members[team.id],
            changed_before=now - timedelta(minutes=team.unassign_after_minutes),
        )
        released = await members_repository.unassign_open(
            brand_id=team.brand_id, user_ids=absent, dialect=uow.dialect
        )
        unassigned += [
            ConversationChange(
                conversation_id=conversation_id,
                brand_id=team.brand_id,
                kind=EventKind.UNASSIGNED,
                data={"from_assignee_id": assignee_id, "reason": "long_absence"},
            )
            for conversation_id, assignee_id in released
        ]
    await record_changes(uow, unassigned, now=now)
    return len(unassigned)


# --- presence -------------------------------------------------------------------------------


async def touch_presence(
    uow: UnitOfWork,
    grantee: Grantee,
    store: PresenceStore,
    *,
    conversation_id: uuid.UUID,
    user_id: uuid.UUID,
    activity: PresenceActivity,
    now: datetime,
    ttl_seconds: int = DEFAULT_PRESENCE_TTL_SECONDS,
) -> list[Presence]:
    """Record that `user_id` views or types in the conversation; returns who is there.

    When this changes who is there or what they do (not on a mere refresh), a
    `presence_changed` inbox event goes to the outbox for live subscribers; the
    caller commits.
    """
    activity = PresenceActivity(activity)
    conversation = await _conversation(uow, conversation_id, lock=False)
    permission = (
        Permission.INBOX_WRITE if activity is PresenceActivity.TYPING else Permission.INBOX_READ
    )
    require(grantee, permission, brand_id=conversation.brand_id)
    tenant_id = uow.require_scope().tenant_id
    before = await store.present(tenant_id=tenant_id, conversation_id=conversation.id, now=now)
    await store.touch(
        tenant_id=tenant_id,
        conversation_id=conversation.id,
        user_id=user_id,
        activity=activity,
        ttl_seconds=ttl_seconds,
        now=now,
    )
    if (user_id, activity) not in {(entry.user_id, entry.activity) for entry in before}:
        await queue_outbox(
            uow,
            [
                {
                    "id": new_id(),
                    "created_at": now,
                    "topic": INBOX_EVENT_TOPIC,
                    "payload": {
                        "conversation_id": str(conversation.id),
                        "brand_id": str(conversation.brand_id),
                        "kind": "presence_changed",
                    },
                    "attempts": 0,
                    "next_attempt_at": now,
                    "done_at": None,
                    "last_error": None,
                }
            ],
        )
    return await store.present(tenant_id=tenant_id, conversation_id=conversation.id, now=now)


async def conversation_presence(
    uow: UnitOfWork,
    grantee: Grantee,
    store: PresenceStore,
    *,
    conversation_id: uuid.UUID,
    now: datetime,
) -> list[Presence]:
    """Who views or types in the conversation now; needs `inbox:read` on its brand."""
    conversation = await _conversation(uow, conversation_id, lock=False)
    if not decide(grantee, Permission.INBOX_READ, brand_id=conversation.brand_id).allowed:
        raise PermissionDeniedError("not allowed to read this conversation")
    return await store.present(
        tenant_id=uow.require_scope().tenant_id, conversation_id=conversation.id, now=now
    )


async def visible_teams(
    uow: UnitOfWork, grantee: Grantee, team_ids: Sequence[uuid.UUID]
) -> list[TeamWithMembers]:
    """The teams among these ids the grantee may read (`inbox:read` on their brand)."""
    found = await TeamRepository(uow).get_many(list(team_ids))
    teams = [
        team
        for team in found
        if decide(grantee, Permission.INBOX_READ, brand_id=team.brand_id).allowed
    ]
    members = await TeamMemberRepository(uow).members_of([team.id for team in teams])
    return [TeamWithMembers(team, tuple(members[team.id])) for team in teams]
