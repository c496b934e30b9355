"""Tenants (agencies), users, memberships and brand grants."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.authz.policy import Role
from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class Tenant(Base):
    """An agency. Not tenant-owned itself: it is the tenant."""

    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    escalation_precedence: Mapped[list[str]] = mapped_column(default=list)


class User(Base):
    """A person who signs in; belongs to tenants through memberships."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), info={"secret": True})
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]


class Membership(TenantOwned, Base):
    """A user's role in a tenant. Client roles see only their granted brands."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(string_enum(Role))
    is_active: Mapped[bool] = mapped_column(default=True)


class BrandGrant(TenantOwned, Base):
    """A brand a client member may act on."""

    __tablename__ = "brand_grants"
    __table_args__ = (UniqueConstraint("tenant_id", "membership_id", "brand_id"),)

    membership_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    brand_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), index=True
    )
