"""SLA policies (versioned) and the clocks that run against them."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum

#: Matches any priority or any service tier in a policy.
ANY = "any"


class ClockKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class SlaPolicy(TenantOwned, Base):
    """Response and resolution targets of a brand, for a priority and a service tier.

    Versions are rows: changing a policy retires the current row (`retired_at`)
    and adds one with the same `lineage_id` and `version + 1`, so running clocks
    keep the exact policy they started with. `priority`/`service_tier` are
    `"any"` or a value. Targets are business minutes (None: no such clock).
    `business_hours` overrides the brand's hours (None: the brand's);
    `around_the_clock` ignores hours and holidays. `breach_actions` holds
    `raise_priority` and `notify_team_lead` booleans.
    """

    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("tenant_id", "lineage_id", "version"),
        Index(None, "tenant_id", "brand_id", "retired_at"),
    )

    lineage_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(default=1)
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10), default=ANY)
    service_tier: Mapped[str] = mapped_column(String(20), default=ANY)
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    warning_minutes: Mapped[int] = mapped_column(default=15)
    around_the_clock: Mapped[bool] = mapped_column(default=False)
    business_hours: Mapped[dict[str, Any] | None]
    breach_actions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    retired_at: Mapped[datetime | None]


#: Clocks the sweep still has to look at (running and not paused).
_RUNNING = "stopped_at IS NULL AND paused_at IS NULL"


class SlaClock(TenantOwned, Base):
    """One target of one conversation: first response, next response or resolution.

    `due_at` is stored so sweeps are index scans; `warn_at` is when the warning
    falls due (the policy's lead time before `due_at`). A paused clock keeps
    `paused_at`; resuming moves `due_at` by the paused time in business time
    and adds the calendar seconds to `paused_seconds`. `warned_at` and
    `breached_at` are set once each by the sweep's atomic claim. `event_id`,
    `event_factor` and `event_reason` record a brand event that tightened or
    relaxed the target.
    """

    __tablename__ = "sla_clocks"
    __table_args__ = (
        Index(None, "tenant_id", "conversation_id"),
        Index(
            "uq_sla_clocks_running",
            "tenant_id",
            "conversation_id",
            "kind",
            unique=True,
            postgresql_where=text("stopped_at IS NULL"),
            sqlite_where=text("stopped_at IS NULL"),
        ),
        Index(
            "ix_sla_clocks_warning_due",
            "tenant_id",
            "warn_at",
            postgresql_where=text(f"warned_at IS NULL AND {_RUNNING}"),
            sqlite_where=text(f"warned_at IS NULL AND {_RUNNING}"),
        ),
        Index(
            "ix_sla_clocks_breach_due",
            "tenant_id",
            "due_at",
            postgresql_where=text(f"breached_at IS NULL AND {_RUNNING}"),
            sqlite_where=text(f"breached_at IS NULL AND {_RUNNING}"),
        ),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    kind: Mapped[ClockKind] = mapped_column(string_enum(ClockKind))
    policy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="CASCADE"), index=True
    )
    policy_version: Mapped[int]
    target_seconds: Mapped[int]
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    warn_at: Mapped[datetime]
    paused_at: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(default=0)
    stopped_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("brand_events.id", ondelete="SET NULL")
    )
    event_factor: Mapped[float | None]
    event_reason: Mapped[str | None] = mapped_column(String(400))
