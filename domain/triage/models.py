"""Stored triage state: agents' label corrections and incidents (bursts of similar posts)."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class FeedbackField(StrEnum):
    """A label an agent can correct; `department` is the label `escalate_to`."""

    PRIORITY = "priority"
    CATEGORY = "category"
    SENTIMENT = "sentiment"
    DEPARTMENT = "department"
    LANGUAGE = "language"
    NEEDS_PRIVATE = "needs_private"


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class TriageFeedback(TenantOwned, Base):
    """One label of one mention changed by someone: the old and the new value.

    A correction of several labels writes one row per label, sharing `correction_id`.
    Values are label names (never message content); `note` is the agent's free text.
    """

    __tablename__ = "triage_feedback"
    __table_args__ = (
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "mention_id"),
        Index(None, "tenant_id", "brand_id", "created_at"),
    )

    correction_id: Mapped[uuid.UUID]
    mention_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"))
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    field: Mapped[FeedbackField] = mapped_column(string_enum(FeedbackField))
    old_value: Mapped[str | None] = mapped_column(String(60))
    new_value: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(100))


class Incident(TenantOwned, Base):
    """A burst of similar posts about one brand (an outage, a wave of complaints).

    Unique on `(tenant_id, brand_id, key)`: the triage of every member upserts the
    same row. `terms` are the most shared content-word stems of its members;
    `planned_event` names the planned maintenance it fell in (then no alert).
    """

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("tenant_id", "brand_id", "key"),
        Index(None, "tenant_id", "status", "last_seen_at"),
    )

    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    terms: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[IncidentStatus] = mapped_column(
        string_enum(IncidentStatus), default=IncidentStatus.OPEN
    )
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    mention_count: Mapped[int] = mapped_column(default=0)
    planned_event: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
