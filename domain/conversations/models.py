"""Conversations and their audit trail of events."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class ConversationStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ConversationKind(StrEnum):
    PUBLIC_THREAD = "public_thread"
    DIRECT = "direct"


class Conversation(TenantOwned, Base):
    """A customer's thread with a brand on one channel.

    A public thread groups one customer's messages under one root post; a
    direct conversation groups one customer's DMs on one channel. `thread_key`
    is the root post's external id, or the DM conversation key.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        Index(None, "tenant_id", "channel_id", "thread_key", "customer_id"),
        Index(None, "tenant_id", "brand_id", "status", "last_message_at"),
    )

    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ConversationKind] = mapped_column(string_enum(ConversationKind))
    thread_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[ConversationStatus] = mapped_column(
        string_enum(ConversationStatus), default=ConversationStatus.NEW
    )
    priority: Mapped[str | None] = mapped_column(String(10))
    opened_at: Mapped[datetime]
    last_message_at: Mapped[datetime]
    last_customer_message_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(default=0)


class ConversationEvent(TenantOwned, Base):
    """Something that happened to a conversation (opened, message added, reopened …)."""

    __tablename__ = "conversation_events"
    __table_args__ = (Index(None, "tenant_id", "conversation_id", "created_at"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(40))
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
