"""Teams of agents per brand, their members, and each agent's availability."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class AssignmentStrategy(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"


class Availability(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class Team(TenantOwned, Base):
    """Agents who answer one brand's conversations.

    `last_assigned_user_id` is the round-robin pointer: the member who got the
    previous automatic assignment (updated under a row lock of the team).
    `unassign_after_minutes`: conversations of a member away or offline this
    long go back to the queue (None: never).
    """

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "brand_id", "name"),)

    brand_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    lead_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    strategy: Mapped[AssignmentStrategy] = mapped_column(
        string_enum(AssignmentStrategy), default=AssignmentStrategy.ROUND_ROBIN
    )
    unassign_after_minutes: Mapped[int | None]
    last_assigned_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class TeamMember(TenantOwned, Base):
    """An agent in a team; `position` orders the round robin."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("tenant_id", "team_id", "user_id"),)

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)


class AgentAvailability(TenantOwned, Base):
    """An agent's availability in the tenant and how many open conversations they take.

    `changed_at` is when the status last changed (absence is measured from it).
    An agent without a row is offline.
    """

    __tablename__ = "agent_availability"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[Availability] = mapped_column(
        string_enum(Availability), default=Availability.OFFLINE
    )
    capacity: Mapped[int] = mapped_column(default=10)
    changed_at: Mapped[datetime]
