"""Mentions: every piece of content about a brand, normalised."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class MentionDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class TriageStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"


class Mention(TenantOwned, Base):
    """One post, comment, reply, DM or review, with its edit history.

    Unique on `(tenant_id, channel_id, external_id)`: redeliveries and edits
    update the same row (inserted with `ON CONFLICT`, never check-then-insert).
    Deleted and hidden content is marked, not erased. The brand's own messages
    are stored with direction `outbound`: activity, not customer mentions.
    """

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "channel_id", "external_id"),
        Index(None, "tenant_id", "conversation_id", "posted_at"),
        Index(None, "tenant_id", "brand_id", "posted_at"),
        Index(None, "tenant_id", "channel_id", "object_key"),
    )

    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    external_id: Mapped[str] = mapped_column(String(200))
    #: The id other sources (listening-tool exports) use for the same object; see
    #: `domain.mentions.rules.object_key`.
    object_key: Mapped[str | None] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    direction: Mapped[MentionDirection] = mapped_column(string_enum(MentionDirection))
    parent_external_id: Mapped[str | None] = mapped_column(String(200))
    root_external_id: Mapped[str | None] = mapped_column(String(200))
    author_platform_id: Mapped[str | None] = mapped_column(String(100))
    author_handle: Mapped[str | None] = mapped_column(String(200))
    author_name: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    text_history: Mapped[list[Any]] = mapped_column(default=list)
    has_media: Mapped[bool] = mapped_column(default=False)
    media_types: Mapped[list[str]] = mapped_column(default=list)
    permalink: Mapped[str | None] = mapped_column(String(500))
    posted_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    #: Time of the latest hide, unhide or restore applied, so a late one cannot undo it.
    moderated_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    triage_status: Mapped[TriageStatus] = mapped_column(
        string_enum(TriageStatus), default=TriageStatus.PENDING
    )
    language: Mapped[str | None] = mapped_column(String(8))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(default=1)
