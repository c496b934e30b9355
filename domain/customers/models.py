"""Customers and their identities on platforms."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned


class Customer(TenantOwned, Base):
    """A person who writes to the agency's brands, across channels.

    One customer may have several platform identities; merging two customers
    is an explicit operation that points the merged one at the survivor.
    """

    __tablename__ = "customers"

    display_name: Mapped[str] = mapped_column(String(200), default="")
    is_vip: Mapped[bool] = mapped_column(default=False)
    crm_id: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(String(4000), default="")
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    merged_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]


class CustomerIdentity(TenantOwned, Base):
    """A customer's account on one platform (ids are platform-scoped)."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("tenant_id", "platform", "platform_user_id"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str] = mapped_column(String(100))
    handle: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
