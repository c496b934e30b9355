"""Platform apps, webhook endpoints and raw inbound events."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class AppPlatform(StrEnum):
    META = "meta"
    X = "x"


class PlatformApp(TenantOwned, Base):
    """A tenant's app on a platform (one Meta app serves many Pages and IG accounts).

    Its secrets (`app_secret`, `verify_token`) are stored only encrypted.
    """

    __tablename__ = "platform_apps"
    __table_args__ = (UniqueConstraint("tenant_id", "platform", "app_id"),)

    platform: Mapped[AppPlatform] = mapped_column(string_enum(AppPlatform))
    app_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    secrets_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, info={"secret": True})


class WebhookEndpoint(Base):
    """Where a webhook URL leads: `(source, key)` → tenant and target.

    Not tenant-owned on purpose: a delivery arrives before anything tells us its
    tenant, so the receiver resolves the URL here first (ids only, no secrets, no
    content), then works inside that tenant's scope. `key` is the platform app id
    for `/webhooks/meta/{app_id}` and `/webhooks/x/{app_id}`, or the channel id for
    the per-channel URLs.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (UniqueConstraint("source", "key"),)

    source: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(100))
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class InboundEventStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


class InboundEvent(TenantOwned, Base):
    """One accepted delivery, stored raw before it is acknowledged.

    Unique on `(tenant_id, source, dedupe_key)`: a redelivery is dropped with
    `ON CONFLICT DO NOTHING`. Processing happens later, in a job; a body that
    cannot be parsed is kept with its `error` (status failed), never dropped.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "dedupe_key"),
        # Admin lists (failed events) and sweeps (stale pending ones) are per tenant.
        Index(None, "tenant_id", "status", "received_at"),
    )

    source: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    app_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("platform_apps.id", ondelete="SET NULL")
    )
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime]
    status: Mapped[InboundEventStatus] = mapped_column(
        string_enum(InboundEventStatus), default=InboundEventStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(1000))
