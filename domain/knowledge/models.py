"""Q&A entries of a brand and their versions."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.approvals.rules import VersionState
from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class QnaEntry(TenantOwned, Base):
    """One question of a brand's knowledge base, in one language.

    `external_key` is the entry id of the imported file ("qna-wierzba-001"),
    unique per brand: importing a file again finds its entries by it.
    `status` is the state of the newest version; `approved_version` the number
    of the newest approved one, the only one that is suggested. `review_at` is
    when the entry should be reviewed again (stale after it); a retired entry
    (`retired_at`) is never suggested, whatever its versions say.
    """

    __tablename__ = "qna_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "brand_id", "external_key"),
        Index(None, "tenant_id", "brand_id", "language"),
    )

    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    external_key: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8))
    product: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[VersionState] = mapped_column(
        string_enum(VersionState), default=VersionState.DRAFT
    )
    latest_version: Mapped[int] = mapped_column(default=0)
    approved_version: Mapped[int | None]
    review_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]


class QnaVersion(TenantOwned, Base):
    """One edit of an entry: its question variants and answer. Never changed but its state."""

    __tablename__ = "qna_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "entry_id", "number"),)

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("qna_entries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    question_variants: Mapped[list[str]] = mapped_column(default=list)
    answer: Mapped[str] = mapped_column(Text)
    product: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[list[str]] = mapped_column(default=list)
    state: Mapped[VersionState] = mapped_column(
        string_enum(VersionState), default=VersionState.DRAFT
    )
    created_by: Mapped[str] = mapped_column(String(120))
    approved_at: Mapped[datetime | None]
