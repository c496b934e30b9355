"""Reads and writes of teams, team members, agent availability and assignment load."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Table, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.assignment.models import AgentAvailability, Availability, Team, TeamMember
from domain.conversations.models import Conversation, ConversationStatus
from domain.db.repository import ScopedRepository
from domain.shared.ids import new_id

#: Statuses in which an assigned conversation counts towards its agent's load.
CLOSED_STATUSES = (ConversationStatus.RESOLVED, ConversationStatus.CLOSED)


class TeamRepository(ScopedRepository[Team]):
    model = Team

    async def lock(self, team_id: uuid.UUID, *, dialect: str) -> Team | None:
        """The team, locked until the transaction ends (PostgreSQL), so automatic
        assignments to one team happen one after the other."""
        statement = self._select().where(Team.id == team_id)
        if dialect == "postgresql":
            statement = statement.with_for_update()
        result = await self.session.execute(statement)
        return result.scalar_one_or_none()

    async def list_for_brand(self, brand_id: uuid.UUID) -> list[Team]:
        result = await self.session.execute(
            self._select().where(Team.brand_id == brand_id).order_by(Team.name, Team.id)
        )
        return list(result.scalars())

    async def leads_by_brand(
        self, brand_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Distinct team leads per brand."""
        wanted = list(brand_ids)
        if not wanted:
            return {}
        result = await self.session.execute(
            select(Team.brand_id, Team.lead_user_id)
            .where(Team.brand_id.in_(wanted), Team.lead_user_id.is_not(None))
            .distinct()
            .order_by(Team.brand_id, Team.lead_user_id)
        )
        leads: dict[uuid.UUID, list[uuid.UUID]] = {}
        for brand_id, lead_id in result.all():
            if lead_id is not None:
                leads.setdefault(brand_id, []).append(lead_id)
        return leads

    async def with_absence_limit(self) -> list[Team]:
        result = await self.session.execute(
            self._select().where(Team.unassign_after_minutes.is_not(None))
        )
        return list(result.scalars())

    async def set_pointer(self, team_id: uuid.UUID, user_id: uuid.UUID) -> None:
        # Bookkeeping of the rotation, not a change worth an audit entry.
        await self.session.execute(
            update(Team).where(Team.id == team_id).values(last_assigned_user_id=user_id),
            execution_options={"synchronize_session": False},
        )


class TeamMemberRepository(ScopedRepository[TeamMember]):
    model = TeamMember

    async def members_of(self, team_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Member user ids per team, in rotation order."""
        wanted = list(team_ids)
        if not wanted:
            return {}
        result = await self.session.execute(
            select(TeamMember.team_id, TeamMember.user_id)
            .where(TeamMember.team_id.in_(wanted))
            .order_by(TeamMember.team_id, TeamMember.position, TeamMember.created_at)
        )
        members: dict[uuid.UUID, list[uuid.UUID]] = {team_id: [] for team_id in wanted}
        for team_id, user_id in result.all():
            members[team_id].append(user_id)
        return members

    async def open_load(self, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Open (not resolved or closed) conversations assigned to each of these agents."""
        wanted = list(user_ids)
        if not wanted:
            return {}
        result = await self.session.execute(
            select(Conversation.assignee_id, func.count())
            .where(
                Conversation.assignee_id.in_(wanted),
                Conversation.status.not_in(CLOSED_STATUSES),
            )
            .group_by(Conversation.assignee_id)
        )
        return {assignee: int(count) for assignee, count in result.all() if assignee is not None}

    async def unassign_open(
        self, *, brand_id: uuid.UUID, user_ids: Sequence[uuid.UUID], dialect: str
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Unassign these agents' open conversations of the brand; returns
        (conversation id, former assignee) pairs."""
        if not user_ids:
            return []
        held = (
            select(Conversation.id, Conversation.assignee_id)
            .where(
                Conversation.brand_id == brand_id,
                Conversation.assignee_id.in_(list(user_ids)),
                Conversation.status.not_in(CLOSED_STATUSES),
            )
            .order_by(Conversation.id)
        )
        if dialect == "postgresql":
            held = held.with_for_update()
        pairs = [
            (conversation_id, assignee_id)
            for conversation_id, assignee_id in (await self.session.execute(held)).all()
            if assignee_id is not None
        ]
        if pairs:
            await self.session.execute(
                update(Conversation)
                .where(Conversation.id.in_([conversation_id for conversation_id, _ in pairs]))
                .values(assignee_id=None),
                execution_options={"synchronize_session": False},
            )
        return pairs

    async def replace(self, team_id: uuid.UUID, user_ids: Sequence[uuid.UUID]) -> None:
        """Make `user_ids` the team's members, in this rotation order."""
        found = await self.session.execute(self._select().where(TeamMember.team_id == team_id))
        for member in found.scalars():
            await self.session.delete(member)
        await self.session.flush()
        for position, user_id in enumerate(user_ids):
            self.add(TeamMember(team_id=team_id, user_id=user_id, position=position))


class AvailabilityRepository(ScopedRepository[AgentAvailability]):
    model = AgentAvailability

    async def for_users(self, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AgentAvailability]:
        wanted = list(user_ids)
        if not wanted:
            return {}
        result = await self.session.execute(
            self._select().where(AgentAvailability.user_id.in_(wanted))
        )
        return {row.user_id: row for row in result.scalars()}

    async def upsert(
        self,
        *,
        user_id: uuid.UUID,
        status: Availability,
        capacity: int | None,
        at: datetime,
        dialect: str,
    ) -> None:
        """Set an agent's status (and capacity, if given); `changed_at` moves only when
        the status changes."""
        table = AgentAvailability.__table__
        assert isinstance(table, Table)
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table).values(
            id=new_id(),
            created_at=at,
            tenant_id=self.scope.tenant_id,
            user_id=user_id,
            status=status,
            capacity=10 if capacity is None else capacity,
            changed_at=at,
        )
        changes = {
            "status": statement.excluded.status,
            "changed_at": case(
                (table.c.status != statement.excluded.status, statement.excluded.changed_at),
                else_=table.c.changed_at,
            ),
        }
        if capacity is not None:
            changes["capacity"] = statement.excluded.capacity
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["tenant_id", "user_id"], set_=changes)
        )

    async def absent_since(
        self, user_ids: Iterable[uuid.UUID], *, changed_before: datetime
    ) -> list[uuid.UUID]:
        """Of these agents, those away or offline since before `changed_before`."""
        wanted = list(user_ids)
        if not wanted:
            return []
        result = await self.session.execute(
            select(AgentAvailability.user_id).where(
                AgentAvailability.user_id.in_(wanted),
                AgentAvailability.status != Availability.ONLINE,
                AgentAvailability.changed_at <= changed_before,
            )
        )
        return list(result.scalars())
