"""Brand events: what the business is doing, and so what customers expect."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class BrandEventKind(StrEnum):
    CAMPAIGN_LAUNCH = "campaign_launch"
    PRODUCT_LAUNCH = "product_launch"
    PRICE_INCREASE = "price_increase"
    OUTAGE_WINDOW = "outage_window"
    DATA_BREACH_NOTICE = "data_breach_notice"
    CELEBRITY_PARTNERSHIP = "celebrity_partnership"
    OTHER = "other"


class ExpectedImpact(StrEnum):
    """Whether the event raises customers' expectations (more, more urgent posts) or lowers them."""

    RAISES = "raises"
    LOWERS = "lowers"


class BrandEvent(TenantOwned, Base):
    """One event in a brand's calendar, active from `starts_at` to `ends_at` (inclusive).

    Empty `affected_channel_ids` means every channel of the brand. `sla_factor`
    scales the response targets of clocks started while the event is active
    (0.5 halves them, 1.0 leaves them). `external_key` identifies an event
    imported from a catalogue, so importing twice updates instead of duplicating.
    """

    __tablename__ = "brand_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "brand_id", "external_key"),
        Index(None, "tenant_id", "brand_id", "starts_at", "ends_at"),
    )

    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    kind: Mapped[BrandEventKind] = mapped_column(string_enum(BrandEventKind))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    planned: Mapped[bool] = mapped_column(default=False)
    affected_products: Mapped[list[Any]] = mapped_column(default=list)
    affected_channel_ids: Mapped[list[Any]] = mapped_column(default=list)
    expected_impact: Mapped[ExpectedImpact] = mapped_column(
        string_enum(ExpectedImpact), default=ExpectedImpact.RAISES
    )
    sla_factor: Mapped[float] = mapped_column(default=1.0)
    briefing: Mapped[str] = mapped_column(Text, default="")
    qna_entry_ids: Mapped[list[Any]] = mapped_column(default=list)
    external_key: Mapped[str | None] = mapped_column(String(100))
