"""The audit log: every change to tenant data, who made it and when."""

import uuid
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned


class AuditLogEntry(TenantOwned, Base):
    """One change: the actor, the action, the entity and its before/after values.

    Written by the session on flush (see `domain.db.session`), never by hand.
    Secret columns appear as "[redacted]".
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "tenant_id", "entity_type", "entity_id"),)

    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[uuid.UUID]
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
