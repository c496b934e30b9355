"""Agents' work on a conversation: assign, change status, snooze, note, mark who handled it.

Each use case fetches the conversation in the tenant first (another tenant's
is not found), authorises `inbox:write` on its brand (members without it are
refused with `PermissionDeniedError`), changes it under a row
lock, records a conversation event with an inbox event (same transaction,
published by the realtime outbox) and commits. Asking for what already is
(assigning the current assignee …) changes nothing and records nothing.
"""

import uuid
from datetime import datetime

from sqlalchemy import select

from domain.authz.policy import ALL_SCOPES, Grantee, Permission, decide, require
from domain.conversations.errors import InvalidAssignee, InvalidStatusTransition
from domain.conversations.models import Conversation, ConversationNote, ConversationStatus
from domain.conversations.rules import (
    EventKind,
    HandledBy,
    can_change_status,
    clean_note,
    is_snoozed,
    resolved_at_after,
    snooze_problem,
)
from domain.conversations.service import ConversationChange, record_changes
from domain.db.uow import UnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import NotFoundError, ValidationError
from domain.shared.ids import new_id
from domain.sla.service import on_snooze_change, on_status_change
from domain.tenants.models import Membership, User
from domain.tenants.repository import BrandGrantRepository


async def _lock_for_work(
    uow: UnitOfWork, *, grantee: Grantee, conversation_id: uuid.UUID
) -> Conversation:
    result = await uow.session.execute(
        select(Conversation)
        .where(
            Conversation.tenant_id == uow.require_scope().tenant_id,
            Conversation.id == conversation_id,
        )
        .with_for_update()
    )
    conversation = result.scalar_one_or_none()
    if conversation is None:
        raise NotFoundError("Conversation not found")
    require(grantee, Permission.INBOX_WRITE, brand_id=conversation.brand_id)
    return conversation


async def _record(
    uow: UnitOfWork,
    conversation: Conversation,
    kind: EventKind,
    data: dict[str, object],
    *,
    now: datetime,
) -> None:
    await uow.flush()
    await record_changes(
        uow,
        [
            ConversationChange(
                conversation_id=conversation.id,
                brand_id=conversation.brand_id,
                kind=kind,
                data=data,
            )
        ],
        now=now,
    )


async def assign_conversation(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    conversation_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
) -> Conversation:
    """Give the conversation to `assignee_id` (None: to nobody); commits.

    Raises `NotFoundError` (no such conversation in the tenant),
    `PermissionDeniedError` (no `inbox:write` on its brand) and `InvalidAssignee`
    (not an active member of the tenant whose role may write this brand's inbox).
    """
    conversation = await _lock_for_work(uow, grantee=grantee, conversation_id=conversation_id)
    if assignee_id is not None:
        await _check_assignee(uow, assignee_id=assignee_id, brand_id=conversation.brand_id)
    if conversation.assignee_id == assignee_id:
        return conversation
    previous = conversation.assignee_id
    conversation.assignee_id = assignee_id
    kind = EventKind.UNASSIGNED if assignee_id is None else EventKind.ASSIGNED
    await _record(
        uow,
        conversation,
        kind,
        {"from_assignee_id": previous, "to_assignee_id": assignee_id},
        now=utcnow(),
    )
    await uow.commit()
    return conversation


async def _check_assignee(uow: UnitOfWork, *, assignee_id: uuid.UUID, brand_id: uuid.UUID) -> None:
    result = await uow.session.execute(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.tenant_id == uow.require_scope().tenant_id,
            Membership.user_id == assignee_id,
            Membership.is_active.is_(True),
            User.is_active.is_(True),
        )
    )
    membership = result.scalar_one_or_none()
    if membership is None:
        raise InvalidAssignee()
    # The assignee's role (with every scope) decides, not whatever token they hold now.
    assignee = Grantee(
        role=membership.role,
        brand_ids=await BrandGrantRepository(uow).brand_ids_for(membership.id),
        scopes=frozenset(ALL_SCOPES),
    )
    if not decide(assignee, Permission.INBOX_WRITE, brand_id=brand_id).allowed:
        raise InvalidAssignee()


async def set_conversation_status(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    conversation_id: uuid.UUID,
    status: ConversationStatus,
) -> Conversation:
    """Move the conversation to `status` along `STATUS_TRANSITIONS`; commits.

    Resolving stamps `resolved_at`; reopening clears it. Raises `NotFoundError`,
    `PermissionDeniedError` and `InvalidStatusTransition`.
    """
    conversation = await _lock_for_work(uow, grantee=grantee, conversation_id=conversation_id)
    current = conversation.status
    if current == status:
        return conversation
    if not can_change_status(current, status):
        raise InvalidStatusTransition(current.value, status.value)
    now = utcnow()
    conversation.status = status
    conversation.resolved_at = resolved_at_after(
        requested=status, resolved_at=conversation.resolved_at, now=now
    )
    await _record(
        uow,
        conversation,
        EventKind.STATUS_CHANGED,
        {"from_status": current.value, "to_status": status.value},
        now=now,
    )
    # Waiting on the customer pauses the SLA clocks; resolving stops them.
    await on_status_change(uow, conversation_id=conversation.id, status=status, at=now)
    await uow.commit()
    return conversation


async def snooze_conversation(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    conversation_id: uuid.UUID,
    until: datetime | None,
) -> Conversation:
    """Hide the conversation from the inbox until `until` (None: show it again); commits.

    Raises `NotFoundError`, `PermissionDeniedError` and `ValidationError`
    (field `until`) for a time in the past or more than 90 days ahead.
    """
    conversation = await _lock_for_work(uow, grantee=grantee, conversation_id=conversation_id)
    now = utcnow()
    if until is not None:
        problem = snooze_problem(until, now)
        if problem is not None:
            raise ValidationError(problem, field="until")
    elif not is_snoozed(conversation.snoozed_until, now):
        return conversation
    conversation.snoozed_until = until
    kind = EventKind.UNSNOOZED if until is None else EventKind.SNOOZED
    await _record(uow, conversation, kind, {"until": until}, now=now)
    # A snoozed conversation's SLA clocks pause until it shows again.
    await on_snooze_change(uow, conversation_id=conversation.id, snoozed_until=until, at=now)
    await uow.commit()
    return conversation


async def add_conversation_note(
    uow: UnitOfWork, *, grantee: Grantee, conversation_id: uuid.UUID, body: str
) -> ConversationNote:
    """Add an internal note by the unit of work's actor; commits.

    Raises `NotFoundError`, `PermissionDeniedError` and `ValidationError`
    (field `body`) for an empty note or one over 10,000 characters.
    """
    conversation = await _lock_for_work(uow, grantee=grantee, conversation_id=conversation_id)
    cleaned = clean_note(body)
    if cleaned is None:
        raise ValidationError("a note needs 1 to 10,000 characters", field="body")
    now = utcnow()
    note = ConversationNote(
        id=new_id(),
        created_at=now,
        conversation_id=conversation.id,
        author_kind=uow.actor.kind.value,
        author_id=uow.actor.id,
        body=cleaned,
    )
    note.tenant_id = conversation.tenant_id
    uow.session.add(note)
    # The event names the note, never its text: events travel to live clients.
    await _record(uow, conversation, EventKind.NOTE_ADDED, {"note_id": note.id}, now=now)
    await uow.commit()
    return note


async def mark_conversation_handled_by(
    uow: UnitOfWork, *, grantee: Grantee, conversation_id: uuid.UUID, handled_by: HandledBy
) -> Conversation:
    """Record whether a bot or a human handled the conversation; commits.

    Raises `NotFoundError` and `PermissionDeniedError`.
    """
    conversation = await _lock_for_work(uow, grantee=grantee, conversation_id=conversation_id)
    if conversation.handled_by == handled_by.value:
        return conversation
    previous = conversation.handled_by
    conversation.handled_by = handled_by.value
    await _record(
        uow,
        conversation,
        EventKind.HANDLED_BY_SET,
        {"from": previous, "to": handled_by.value},
        now=utcnow(),
    )
    await uow.commit()
    return conversation
