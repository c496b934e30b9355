"""Conversations and their audit trail of events."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Computed, ForeignKey, Index, SmallInteger, String, Text
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


#: SQL deriving `priority_rank` from `priority` (portable: PostgreSQL and SQLite).
PRIORITY_RANK_SQL = (
    "CASE priority WHEN 'hot' THEN 0 WHEN 'cold' THEN 1 WHEN 'noise' THEN 2 ELSE 3 END"
)


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
        # The inbox's default order: hot first, then SLA due soonest, then oldest.
        Index(None, "tenant_id", "priority_rank", "sla_due_at", "opened_at", "id"),
        Index(None, "tenant_id", "assignee_id", "status"),
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
    #: Derived from `priority` by the database so every writer keeps it true:
    #: 0 hot, 1 cold, 2 noise, 3 not triaged (the inbox sorts on it).
    priority_rank: Mapped[int] = mapped_column(
        SmallInteger,
        Computed(PRIORITY_RANK_SQL, persisted=True),
    )
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    snoozed_until: Mapped[datetime | None]
    #: Who handled the conversation: "bot" or "human" (None until someone did).
    handled_by: Mapped[str | None] = mapped_column(String(10))
    #: The earliest due time of the conversation's running SLA clocks (None when
    #: no clock runs); kept by the SLA service so the inbox can sort by it.
    sla_due_at: Mapped[datetime | None]


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


class ConversationNote(TenantOwned, Base):
    """An internal note on a conversation, visible to the team, never to the customer."""

    __tablename__ = "conversation_notes"
    __table_args__ = (Index(None, "tenant_id", "conversation_id", "created_at"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    author_kind: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
