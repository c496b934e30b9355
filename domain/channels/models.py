"""Channels: where a brand's customers speak (pages, accounts, bots, imports)."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class ChannelKind(StrEnum):
    FACEBOOK_PAGE = "facebook_page"
    INSTAGRAM = "instagram"
    X = "x"
    TELEGRAM = "telegram"
    VK = "vk"
    GENERIC_WEBHOOK = "generic_webhook"
    IMPORT = "import"


class ChannelVisibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class ChannelHealth(StrEnum):
    UNKNOWN = "unknown"
    HEALTHY = "healthy"
    SILENT = "silent"
    FAILING = "failing"
    DISABLED = "disabled"


class Channel(TenantOwned, Base):
    """One connected account of a brand on one platform.

    Secrets (app secrets, tokens, verify tokens) are stored only encrypted in
    `secrets_ciphertext`; read them through the channel service.
    """

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "external_account_id"),)

    brand_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ChannelKind] = mapped_column(string_enum(ChannelKind))
    name: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str] = mapped_column(String(200), default="")
    external_account_id: Mapped[str | None] = mapped_column(String(100))
    visibility: Mapped[ChannelVisibility] = mapped_column(
        string_enum(ChannelVisibility), default=ChannelVisibility.PUBLIC
    )
    dm_enabled: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    secrets_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, info={"secret": True})
    health: Mapped[ChannelHealth] = mapped_column(
        string_enum(ChannelHealth), default=ChannelHealth.UNKNOWN
    )
    last_event_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    error_count: Mapped[int] = mapped_column(default=0)
    health_checked_at: Mapped[datetime | None]
