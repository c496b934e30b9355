"""Brands (the agency's clients) and their escalation routes."""

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class ServiceTier(StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"


class Brand(TenantOwned, Base):
    """A client brand the agency serves.

    `business_hours` maps weekday keys (mon…sun) to lists of
    `{"open": "HH:MM", "close": "HH:MM"}` slots in the brand's timezone;
    `holidays` lists custom closures `{"date": "YYYY-MM-DD", "name": …}` on top
    of the public holidays of `holiday_country`.
    """

    __tablename__ = "brands"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(60), default="")
    locales: Mapped[list[str]] = mapped_column(default=list)
    primary_language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    business_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    holiday_country: Mapped[str | None] = mapped_column(String(2))
    holidays: Mapped[list[Any]] = mapped_column(default=list)
    service_tier: Mapped[ServiceTier] = mapped_column(
        string_enum(ServiceTier), default=ServiceTier.STANDARD
    )
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EscalationRoute(TenantOwned, Base):
    """A department that can solve what the social team cannot.

    `criteria` holds `categories`, `keywords`, `sentiment` and `vip` matchers;
    `contacts` holds e-mail addresses and signed-webhook targets.
    """

    __tablename__ = "escalation_routes"
    __table_args__ = (UniqueConstraint("tenant_id", "brand_id", "department"),)

    brand_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), index=True
    )
    department: Mapped[str] = mapped_column(String(60))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    contacts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)
    response_target_minutes: Mapped[int | None]
    notes: Mapped[str] = mapped_column(String(2000), default="")
