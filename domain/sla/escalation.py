"""Delivery of breach escalations: the `sla_escalation` outbox rows e-mailed to team leads.

The sweep (`domain.sla.sweep`) writes one `sla_escalation` outbox row per breached
clock and team lead of the brand; `deliver_escalations` claims the due rows of the
scope's tenant and sends each lead a short e-mail through the `EmailSender` port.
The e-mail names the brand, the breached target, how late it is and links the
conversation; it never carries message text or anything about the customer.
"""

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select

from domain.brands.models import Brand
from domain.db.outbox import (
    OutboxMessage,
    claim_due_messages,
    has_due_messages,
    mark_messages_done,
    postpone_messages,
)
from domain.db.uow import UnitOfWork
from domain.notifications.email import EmailDeliveryError, EmailMessage, EmailSender
from domain.sla.sweep import SLA_ESCALATION_TOPIC
from domain.tenants.models import Membership, User

logger = logging.getLogger("parley.sla.escalation")

#: Rows one delivery claims at most; the next batch (or run) takes the rest.
DEFAULT_DELIVERY_BATCH: Final = 50

#: Readable names of the clock kinds, as the e-mail says them.
TARGET_NAMES: Final[Mapping[str, str]] = {
    "first_response": "first response",
    "next_response": "next response",
    "resolution": "resolution",
}

#: `done_at` notes of rows that can never be delivered (the row is kept, not retried).
NO_RECIPIENT_NOTE: Final = "recipient or brand gone"
MALFORMED_NOTE: Final = "malformed payload"


@dataclass(frozen=True, slots=True)
class EscalationNotice:
    """What one `sla_escalation` row asks to tell a team lead (ids and times only)."""

    conversation_id: uuid.UUID
    brand_id: uuid.UUID
    recipient_user_id: uuid.UUID
    clock: str
    due_at: datetime

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "EscalationNotice | None":
        """The notice of an outbox payload; None when the payload is not one."""
        try:
            return cls(
                conversation_id=uuid.UUID(str(payload["conversation_id"])),
                brand_id=uuid.UUID(str(payload["brand_id"])),
                recipient_user_id=uuid.UUID(str(payload["recipient_user_id"])),
                clock=str(payload["clock"]),
                due_at=datetime.fromisoformat(str(payload["due_at"])),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class EscalationDelivery:
    """What one delivery batch did (counts only).

    `claimed` rows were due; `sent` were e-mailed and marked done; `dropped` can never
    be delivered (no active recipient, malformed) and were marked done with a note;
    `postponed` stay pending for a later attempt because the mail server refused or
    could not be reached.
    """

    claimed: int
    sent: int
    dropped: int
    postponed: int


def _overdue_text(due_at: datetime, now: datetime) -> str:
    minutes = max(int((now - due_at).total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def compose_escalation_email(
    *,
    recipient: str,
    brand_name: str,
    notice: EscalationNotice,
    public_base_url: str,
    now: datetime,
) -> EmailMessage:
    """The e-mail telling a team lead that a conversation of their brand breached its SLA.

    Pure. States the brand, the breached target, its due time (UTC) and how late it is
    at `now`, and links the conversation; no message text, no customer data.
    """
    target = TARGET_NAMES.get(notice.clock, notice.clock.replace("_", " "))
    link = f"{public_base_url.rstrip('/')}/conversations/{notice.conversation_id}"
    due = notice.due_at.strftime("%Y-%m-%d %H:%M UTC")
    return EmailMessage(
        to=recipient,
        subject=f"Parley: SLA breached for {brand_name} ({target})",
        text=(
            f"A conversation of {brand_name} breached its {target} target.\n"
            "\n"
            f"Due: {due}\n"
            f"Late by: {_overdue_text(notice.due_at, now)}\n"
            f"Conversation: {link}\n"
            "\n"
            "You receive this as a team lead of the brand.\n"
        ),
    )


async def has_due_escalations(uow: UnitOfWork, *, now: datetime) -> bool:
    """Whether the scope's tenant has `sla_escalation` rows waiting for delivery."""
    return await has_due_messages(uow, topic=SLA_ESCALATION_TOPIC, now=now)


async def deliver_escalations(
    uow: UnitOfWork,
    *,
    sender: EmailSender,
    public_base_url: str,
    now: datetime,
    batch_size: int = DEFAULT_DELIVERY_BATCH,
) -> EscalationDelivery:
    """E-mail the scope's due `sla_escalation` rows to their team leads; commits.

    The rows are claimed with `claim_due_messages` (SKIP LOCKED on PostgreSQL) and
    stay locked until the commit, so concurrent deliveries never e-mail one row twice.
    Each accepted e-mail marks its row done. When the server refuses or cannot be
    reached, that row and the rest of the batch are postponed with the outbox backoff
    (`attempts` + 1, `next_attempt_at`) and never lost. Rows whose recipient is no
    longer an active member of the tenant (or whose brand is gone) are marked done
    with a note. A crash after
    the server accepted a message but before the commit can repeat that one e-mail
    (at least once, never silently lost).
    """
    rows = await claim_due_messages(uow, topic=SLA_ESCALATION_TOPIC, now=now, batch_size=batch_size)
    if not rows:
        return EscalationDelivery(claimed=0, sent=0, dropped=0, postponed=0)
    notices = {row.id: EscalationNotice.from_payload(row.payload) for row in rows}
    valid = [notice for notice in notices.values() if notice is not None]
    recipients = await _recipient_emails(uow, {notice.recipient_user_id for notice in valid})
    brand_names = await _brand_names(uow, {notice.brand_id for notice in valid})
    sent: list[uuid.UUID] = []
    malformed: list[uuid.UUID] = []
    unaddressable: list[uuid.UUID] = []
    postponed: list[OutboxMessage] = []
    failure: str | None = None
    for row in rows:
        notice = notices[row.id]
        if notice is None:
            malformed.append(row.id)
            continue
        recipient = recipients.get(notice.recipient_user_id)
        if recipient is None or notice.brand_id not in brand_names:
            unaddressable.append(row.id)
            continue
        if failure is not None:
            postponed.append(row)
            continue
        message = compose_escalation_email(
            recipient=recipient,
            brand_name=brand_names[notice.brand_id],
            notice=notice,
            public_base_url=public_base_url,
            now=now,
        )
        try:
            await sender.send(message)
        except Exception as error:  # any failure of the port: retry later, never lose the row
            failure = _failure_reason(error)
            postponed.append(row)
            continue
        sent.append(row.id)
    await mark_messages_done(uow, sent, now=now)
    await mark_messages_done(uow, malformed, now=now, note=MALFORMED_NOTE)
    await mark_messages_done(uow, unaddressable, now=now, note=NO_RECIPIENT_NOTE)
    await _postpone(uow, postponed, now=now, reason=failure or "")
    await uow.commit()
    if failure is not None:
        logger.warning(
            "sla escalation e-mail not sent, %d row(s) postponed (%s)",
            len(postponed),
            failure.split(":", 1)[0],
        )
    return EscalationDelivery(
        claimed=len(rows),
        sent=len(sent),
        dropped=len(malformed) + len(unaddressable),
        postponed=len(postponed),
    )


def _failure_reason(error: Exception) -> str:
    """The error's type (and the port's own message, which names no address or content)."""
    if isinstance(error, EmailDeliveryError):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


async def _postpone(
    uow: UnitOfWork, rows: Sequence[OutboxMessage], *, now: datetime, reason: str
) -> None:
    by_attempts: dict[int, list[uuid.UUID]] = {}
    for row in rows:
        by_attempts.setdefault(row.attempts + 1, []).append(row.id)
    for attempts, ids in sorted(by_attempts.items()):
        await postpone_messages(uow, ids, attempts=attempts, now=now, reason=reason)


async def _recipient_emails(uow: UnitOfWork, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """E-mail addresses of those users who are active members of the scope's tenant."""
    wanted = list(user_ids)
    if not wanted:
        return {}
    scope = uow.require_scope()
    result = await uow.session.execute(
        select(User.id, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == scope.tenant_id,
            Membership.user_id.in_(wanted),
            Membership.is_active.is_(True),
            User.is_active.is_(True),
        )
    )
    return {user_id: str(email) for user_id, email in result.all()}


async def _brand_names(uow: UnitOfWork, brand_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = list(brand_ids)
    if not wanted:
        return {}
    result = await uow.session.execute(select(Brand.id, Brand.name).where(Brand.id.in_(wanted)))
    return {brand_id: str(name) for brand_id, name in result.all()}
