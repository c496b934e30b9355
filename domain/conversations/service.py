"""Use cases of conversations: group ingested messages into conversations, record events."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table

from domain.channels.platforms.types import MentionKind
from domain.conversations.models import ConversationKind, ConversationStatus
from domain.conversations.repository import ConversationRepository, ThreadKey
from domain.conversations.rules import (
    DEFAULT_REOPEN_WINDOW,
    EventKind,
    Placement,
    conversation_kind,
    place_customer_message,
    status_after_customer_message,
    thread_key,
)
from domain.db.bulk import insert_rows
from domain.db.outbox import OutboxMessage
from domain.db.uow import UnitOfWork
from domain.mentions.repository import MentionKey, MentionRepository
from domain.mentions.rules import Effect
from domain.mentions.service import StoredMention
from domain.shared.ids import new_id

#: Outbox topic of realtime inbox notifications.
INBOX_EVENT_TOPIC = "inbox_event"

_EFFECT_EVENTS = {
    Effect.EDITED: EventKind.MESSAGE_EDITED,
    Effect.DELETED: EventKind.MESSAGE_DELETED,
    Effect.HIDDEN: EventKind.MESSAGE_HIDDEN,
    Effect.UNHIDDEN: EventKind.MESSAGE_UNHIDDEN,
    Effect.RESTORED: EventKind.MESSAGE_RESTORED,
}


@dataclass(frozen=True, slots=True)
class ConversationChange:
    """One thing that happened to a conversation, to record as a `ConversationEvent`."""

    conversation_id: uuid.UUID
    brand_id: uuid.UUID
    kind: EventKind
    mention_id: uuid.UUID | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Working:
    """A conversation being changed by one batch (written once at the end)."""

    id: uuid.UUID
    brand_id: uuid.UUID
    channel_id: uuid.UUID
    customer_id: uuid.UUID
    kind: ConversationKind
    thread_key: str
    status: ConversationStatus
    opened_at: datetime
    last_message_at: datetime
    last_customer_message_at: datetime | None
    resolved_at: datetime | None
    message_count: int
    is_new: bool = False
    is_dirty: bool = False

    @classmethod
    def from_row(cls, row: Any) -> "_Working":
        return cls(
            id=row.id,
            brand_id=row.brand_id,
            channel_id=row.channel_id,
            customer_id=row.customer_id,
            kind=row.kind,
            thread_key=row.thread_key,
            status=row.status,
            opened_at=row.opened_at,
            last_message_at=row.last_message_at,
            last_customer_message_at=row.last_customer_message_at,
            resolved_at=row.resolved_at,
            message_count=row.message_count,
        )

    def add_message(self, at: datetime, *, from_customer: bool) -> None:
        self.last_message_at = max(self.last_message_at, at)
        if from_customer:
            self.last_customer_message_at = (
                at
                if self.last_customer_message_at is None
                else max(self.last_customer_message_at, at)
            )
        self.message_count += 1
        self.is_dirty = True

    def values(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "resolved_at": self.resolved_at,
            "last_message_at": self.last_message_at,
            "last_customer_message_at": self.last_customer_message_at,
            "message_count": self.message_count,
        }


async def place_mentions(
    uow: UnitOfWork,
    stored: Sequence[StoredMention],
    *,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
) -> list[ConversationChange]:
    """Put the batch's messages into conversations; returns what happened to them.

    * A customer's message (inbound, with a customer, not deleted, in no conversation
      yet) goes to the latest conversation of its thread and customer on its channel, or
      reopens it (`place_customer_message`), or opens a new one. Messages are placed in
      the order they were written.
    * The brand's own messages never open or reopen anything: a reply joins the
      conversation of what it answers, a DM the latest conversation of its DM thread;
      with none, it stays outside any conversation.
    * Edits, deletions, hides, unhides and restores of messages already in a
      conversation are recorded on it.
    Counters (`last_message_at`, `last_customer_message_at`, `message_count`) include
    both sides. Callers hold the customers' locks (`link_authors`), so two batches never
    place one customer's messages at once. Sets each mention's `conversation_id`; the
    caller saves mentions and records the returned changes.
    """
    changes: list[ConversationChange] = []
    already_linked = {item.key for item in stored if item.conversation_id is not None}
    repository = ConversationRepository(uow)
    working: dict[uuid.UUID, _Working] = {}

    customer_messages = sorted(
        (
            item
            for item in stored
            if item.is_inbound
            and item.customer_id is not None
            and item.conversation_id is None
            and item.state.deleted_at is None
        ),
        key=lambda item: (item.message_at, item.external_id),
    )
    if customer_messages:
        latest = await repository.lock_latest(_thread_of(item) for item in customer_messages)
        current: dict[ThreadKey, _Working] = {}
        for key, row in latest.items():
            current[key] = working.setdefault(row.id, _Working.from_row(row))
        for item in customer_messages:
            changes.extend(_place(item, current, working, reopen_window))

    brand_messages = [
        item
        for item in stored
        if not item.is_inbound and item.conversation_id is None and item.state.deleted_at is None
    ]
    if brand_messages:
        changes.extend(await _link_brand_messages(uow, stored, brand_messages, working))

    for item in stored:
        if item.key in already_linked and item.conversation_id is not None:
            for effect in sorted(item.effects):
                changes.append(
                    ConversationChange(
                        conversation_id=item.conversation_id,
                        brand_id=item.brand_id,
                        kind=_EFFECT_EVENTS[effect],
                        mention_id=item.id,
                    )
                )

    await repository.insert_many(
        [_insert_values(conversation) for conversation in working.values() if conversation.is_new]
    )
    await repository.update_many(
        [
            conversation.values()
            for conversation in working.values()
            if conversation.is_dirty and not conversation.is_new
        ]
    )
    return changes


def _thread_of(item: StoredMention) -> ThreadKey:
    assert item.customer_id is not None
    key = thread_key(external_id=item.external_id, root_external_id=item.state.root_external_id)
    return (item.channel_id, key, item.customer_id)


def _place(
    item: StoredMention,
    current: dict[ThreadKey, _Working],
    working: dict[uuid.UUID, _Working],
    reopen_window: timedelta,
) -> list[ConversationChange]:
    key = _thread_of(item)
    conversation = current.get(key)
    at = item.message_at
    placement = place_customer_message(
        status=None if conversation is None else conversation.status,
        resolved_at=None if conversation is None else conversation.resolved_at,
        last_message_at=None if conversation is None else conversation.last_message_at,
        message_at=at,
        reopen_window=reopen_window,
    )
    changes: list[ConversationChange] = []
    if placement is Placement.OPEN_NEW or conversation is None:
        channel_id, thread, customer_id = key
        conversation = _Working(
            id=new_id(),
            brand_id=item.brand_id,
            channel_id=channel_id,
            customer_id=customer_id,
            kind=conversation_kind(item.state.kind),
            thread_key=thread,
            status=ConversationStatus.NEW,
            opened_at=at,
            last_message_at=at,
            last_customer_message_at=None,
            resolved_at=None,
            message_count=0,
            is_new=True,
        )
        working[conversation.id] = conversation
        current[key] = conversation
        changes.append(_change(conversation, EventKind.OPENED, item))
        conversation.add_message(at, from_customer=True)
        changes.append(_change(conversation, EventKind.MESSAGE_ADDED, item))
        item.link_conversation(conversation.id)
        return changes
    before = conversation.status
    conversation.status = status_after_customer_message(before)
    if placement is Placement.REOPEN:
        conversation.resolved_at = None
        changes.append(_change(conversation, EventKind.REOPENED, item, {"from_status": before}))
    conversation.add_message(at, from_customer=True)
    data: dict[str, Any] = {}
    if placement is Placement.ADD and conversation.status != before:
        data = {"from_status": before, "to_status": conversation.status}
    changes.append(_change(conversation, EventKind.MESSAGE_ADDED, item, data))
    item.link_conversation(conversation.id)
    return changes


async def _link_brand_messages(
    uow: UnitOfWork,
    stored: Sequence[StoredMention],
    brand_messages: Sequence[StoredMention],
    working: dict[uuid.UUID, _Working],
) -> list[ConversationChange]:
    in_batch: dict[MentionKey, StoredMention] = {item.key: item for item in stored}
    direct = [item for item in brand_messages if item.state.kind == MentionKind.DM.value]
    replies = [
        item
        for item in brand_messages
        if item.state.kind != MentionKind.DM.value and item.state.parent_external_id is not None
    ]
    repository = ConversationRepository(uow)
    targets: dict[MentionKey, uuid.UUID] = {}

    if direct:
        threads = {
            (
                item.channel_id,
                thread_key(
                    external_id=item.external_id, root_external_id=item.state.root_external_id
                ),
            ): item
            for item in direct
        }
        latest = await repository.lock_latest_of_threads(threads)
        for row in latest.values():
            working.setdefault(row.id, _Working.from_row(row))
        in_working = {
            (conversation.channel_id, conversation.thread_key): conversation
            for conversation in sorted(working.values(), key=lambda c: c.opened_at)
        }
        for item in direct:
            key = (
                item.channel_id,
                thread_key(
                    external_id=item.external_id, root_external_id=item.state.root_external_id
                ),
            )
            found = in_working.get(key)
            if found is not None:
                targets[item.key] = found.id

    if replies:
        parents = {(item.channel_id, item.state.parent_external_id or "") for item in replies}
        stored_parents = await MentionRepository(uow).thread_facts(
            key for key in parents if key not in in_batch
        )
        parent_conversations: dict[MentionKey, uuid.UUID] = {
            key: conversation_id
            for key, (_, conversation_id) in stored_parents.items()
            if conversation_id is not None
        }
        for item in replies:
            parent_key = (item.channel_id, item.state.parent_external_id or "")
            parent = in_batch.get(parent_key)
            conversation_id = (
                parent.conversation_id
                if parent is not None
                else parent_conversations.get(parent_key)
            )
            if conversation_id is not None:
                targets[item.key] = conversation_id

    missing = {value for value in targets.values() if value not in working}
    for row in (await repository.lock_many(missing)).values():
        working[row.id] = _Working.from_row(row)
    changes: list[ConversationChange] = []
    for item in sorted(brand_messages, key=lambda item: (item.message_at, item.external_id)):
        target = targets.get(item.key)
        conversation = None if target is None else working.get(target)
        if conversation is None:
            continue
        conversation.add_message(item.message_at, from_customer=False)
        changes.append(
            _change(conversation, EventKind.MESSAGE_ADDED, item, {"direction": "outbound"})
        )
        item.link_conversation(conversation.id)
    return changes


def _change(
    conversation: _Working,
    kind: EventKind,
    item: StoredMention,
    data: Mapping[str, Any] | None = None,
) -> ConversationChange:
    return ConversationChange(
        conversation_id=conversation.id,
        brand_id=conversation.brand_id,
        kind=kind,
        mention_id=item.id,
        data=dict(data or {}),
    )


def _insert_values(conversation: _Working) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "brand_id": conversation.brand_id,
        "channel_id": conversation.channel_id,
        "customer_id": conversation.customer_id,
        "kind": conversation.kind,
        "thread_key": conversation.thread_key,
        "status": conversation.status,
        "priority": None,
        "opened_at": conversation.opened_at,
        "last_message_at": conversation.last_message_at,
        "last_customer_message_at": conversation.last_customer_message_at,
        "resolved_at": conversation.resolved_at,
        "message_count": conversation.message_count,
    }


async def record_changes(
    uow: UnitOfWork, changes: Sequence[ConversationChange], *, now: datetime
) -> None:
    """Write a `ConversationEvent` (actor: the unit of work's actor) and an `inbox_event`
    outbox message for each change, in the same transaction as the changes.

    Events of one call get strictly increasing `created_at` from `now`, so their order
    survives in the audit trail.
    """
    if not changes:
        return
    actor = uow.actor
    events: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for index, change in enumerate(changes):
        data = {key: _plain(value) for key, value in change.data.items()}
        if change.mention_id is not None:
            data["mention_id"] = str(change.mention_id)
        events.append(
            {
                "id": new_id(),
                "created_at": now + timedelta(microseconds=index),
                "conversation_id": change.conversation_id,
                "kind": change.kind.value,
                "actor_kind": actor.kind.value,
                "actor_id": actor.id,
                "data": data,
            }
        )
        messages.append(
            {
                "id": new_id(),
                "created_at": now + timedelta(microseconds=index),
                "topic": INBOX_EVENT_TOPIC,
                "payload": {
                    "conversation_id": str(change.conversation_id),
                    "brand_id": str(change.brand_id),
                    "kind": change.kind.value,
                    "mention_id": None if change.mention_id is None else str(change.mention_id),
                },
                "attempts": 0,
                "next_attempt_at": now,
                "done_at": None,
                "last_error": None,
            }
        )
    await ConversationRepository(uow).insert_events(events)
    await queue_outbox(uow, messages)


async def queue_outbox(uow: UnitOfWork, messages: Sequence[Mapping[str, Any]]) -> None:
    """Insert outbox messages in the unit of work's tenant (`domain.db.bulk.insert_rows`)."""
    if not messages:
        return
    tenant_id = uow.require_scope().tenant_id
    table = OutboxMessage.__table__
    assert isinstance(table, Table)
    rows = [{**message, "tenant_id": tenant_id} for message in messages]
    await insert_rows(uow.session, uow.dialect, table, rows)


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
