"""Replies to customers and the links between twin conversations."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class ReplyKind(StrEnum):
    PUBLIC_REPLY = "public_reply"
    PRIVATE_MESSAGE = "private_message"
    REACTION = "reaction"


class ReplyStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Reply(TenantOwned, Base):
    """What the brand says (or how it reacts) in a conversation, and how delivery went.

    `idempotency_key` is fixed when the reply is created and sent with every
    delivery attempt where the platform takes one (VK `random_id`/`guid`), so
    a retried attempt cannot publish twice. `delivery_attempts` counts attempts
    persisted *before* each platform call; `last_error` holds the platform's
    own message for a failed delivery (never the reply text).
    """

    __tablename__ = "replies"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        Index(None, "tenant_id", "conversation_id", "created_at"),
        Index(None, "tenant_id", "brand_id", "status"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    in_reply_to_mention_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("mentions.id", ondelete="SET NULL")
    )
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    kind: Mapped[ReplyKind] = mapped_column(string_enum(ReplyKind))
    status: Mapped[ReplyStatus] = mapped_column(string_enum(ReplyStatus), default=ReplyStatus.DRAFT)
    text: Mapped[str] = mapped_column(Text, default="")
    #: For reactions: what the brand reacts with ("like", "heart").
    reaction: Mapped[str | None] = mapped_column(String(20))
    #: The tone check's findings on the current text: code, message, start, end, severity.
    tone_findings: Mapped[list[Any]] = mapped_column(default=list)
    #: Approved Q&A versions the text was built from (ids of the knowledge module's versions).
    qna_version_ids: Mapped[list[str]] = mapped_column(default=list)
    #: The approved tone guideline version in force when the reply was sent.
    tone_version_id: Mapped[uuid.UUID | None]
    approval_required: Mapped[bool] = mapped_column(default=False)
    #: Why approval is required ("department:legal_compliance", "vip_customer", "crisis_mode").
    approval_reasons: Mapped[list[str]] = mapped_column(default=list)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    platform_message_id: Mapped[str | None] = mapped_column(String(200))
    delivery_attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    submitted_at: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    #: For a move to private: the other conversation of the pair.
    twin_conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )


class ConversationTwin(TenantOwned, Base):
    """One direction of a link between a public thread and its private twin.

    A move to private writes both directions, so either conversation finds the
    other with one lookup; a conversation has at most one twin.
    """

    __tablename__ = "conversation_twins"
    __table_args__ = (UniqueConstraint("tenant_id", "conversation_id"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    twin_conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
