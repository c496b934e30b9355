"""Versioned tone guidelines of a brand, per language."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.approvals.rules import VersionState
from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class ToneGuidelineVersion(TenantOwned, Base):
    """One version of a brand's tone guidelines in one language.

    `config` has the brand catalogue's `tone_guidelines` shape (see
    `domain.tone.guidelines.tone_guidelines_from_config`): form of address,
    banned phrases, empty-redirect rule, emoji policy, signature, length
    limits per channel, required complaint phrasing. The newest approved
    version of a brand and language is the one the tone check enforces.
    """

    __tablename__ = "tone_guideline_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "brand_id", "language", "number"),
        Index(None, "tenant_id", "brand_id", "language", "state"),
    )

    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    number: Mapped[int]
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[VersionState] = mapped_column(
        string_enum(VersionState), default=VersionState.DRAFT
    )
    created_by: Mapped[str] = mapped_column(String(120))
    approved_at: Mapped[datetime | None]
