"""Approval requests, the decisions taken on them, and what digests have announced."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.approvals.rules import ApprovalStatus, SubjectKind
from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class ApprovalRequest(TenantOwned, Base):
    """Something of a brand awaiting a client's sign-off.

    `subject_id` is the id of the Q&A version, tone guideline version or reply
    to approve. At most one request per subject is pending at a time (a
    partial unique index). `requested_by` and `decided_by` are actors as
    "kind:id" (a user is "user:<uuid>").
    """

    __tablename__ = "approval_requests"
    __table_args__ = (
        Index(None, "tenant_id", "brand_id", "status"),
        Index(
            "uq_approval_requests_pending_subject",
            "tenant_id",
            "subject_kind",
            "subject_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    subject_kind: Mapped[SubjectKind] = mapped_column(string_enum(SubjectKind))
    subject_id: Mapped[uuid.UUID]
    summary: Mapped[str] = mapped_column(String(500))
    status: Mapped[ApprovalStatus] = mapped_column(
        string_enum(ApprovalStatus), default=ApprovalStatus.PENDING
    )
    requested_by: Mapped[str] = mapped_column(String(120))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)


class ApprovalDecision(TenantOwned, Base):
    """The audit trail of approvals: one row per decision, never changed.

    Who decided (actor and role), on which request and subject (the version's
    id and `subject_label`, e.g. "qna-wierzba-001 v2"), what, and when.
    """

    __tablename__ = "approval_decisions"
    __table_args__ = (Index(None, "tenant_id", "brand_id", "decided_at"),)

    approval_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True
    )
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    subject_kind: Mapped[SubjectKind] = mapped_column(string_enum(SubjectKind))
    subject_id: Mapped[uuid.UUID]
    subject_label: Mapped[str] = mapped_column(String(500))
    decision: Mapped[ApprovalStatus] = mapped_column(string_enum(ApprovalStatus))
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_by_role: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime]


class ApprovalDigestItem(TenantOwned, Base):
    """A request announced to one approver in an e-mail digest, so it is never sent twice."""

    __tablename__ = "approval_digest_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "approval_id"),
        Index(None, "tenant_id", "user_id", "sent_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    approval_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[datetime]
