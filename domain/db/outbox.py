"""The transactional outbox: side effects written with the change, delivered later."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned


class OutboxMessage(TenantOwned, Base):
    """A side effect to deliver (index a mention, publish a realtime event …).

    Written in the same transaction as the change it follows, so it exists if
    and only if the change committed. Workers deliver pending messages in
    batches and set `done_at`; failures back off via `next_attempt_at`.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "tenant_id", "topic", "done_at", "next_attempt_at"),)

    topic: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(1000))
