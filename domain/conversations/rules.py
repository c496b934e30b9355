"""Pure rules of conversations: which conversation a customer's message belongs to."""

from datetime import datetime, timedelta
from enum import StrEnum

from domain.channels.platforms.types import MentionKind
from domain.conversations.models import ConversationKind, ConversationStatus

#: A customer who writes again within this time of a resolution reopens the conversation.
DEFAULT_REOPEN_WINDOW = timedelta(days=7)

#: Statuses in which the team considers the conversation finished.
FINISHED_STATUSES = frozenset({ConversationStatus.RESOLVED, ConversationStatus.CLOSED})


class Placement(StrEnum):
    """What a new customer message does to the latest conversation of its thread."""

    ADD = "add"
    REOPEN = "reopen"
    OPEN_NEW = "open_new"


class EventKind(StrEnum):
    """The kinds of `ConversationEvent` ingestion and agents' work write."""

    OPENED = "opened"
    MESSAGE_ADDED = "message_added"
    MESSAGE_EDITED = "message_edited"
    MESSAGE_DELETED = "message_deleted"
    MESSAGE_HIDDEN = "message_hidden"
    MESSAGE_UNHIDDEN = "message_unhidden"
    MESSAGE_RESTORED = "message_restored"
    REOPENED = "reopened"
    CUSTOMER_MERGED = "customer_merged"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    STATUS_CHANGED = "status_changed"
    SNOOZED = "snoozed"
    UNSNOOZED = "unsnoozed"
    NOTE_ADDED = "note_added"
    HANDLED_BY_SET = "handled_by_set"


def thread_key(*, external_id: str, root_external_id: str | None) -> str:
    """The key messages of one thread share: the root post's external id (the mention
    itself when it is a root), or the DM conversation key, which DMs carry as their root."""
    return root_external_id or external_id


def conversation_kind(mention_kind: str) -> ConversationKind:
    """DMs make direct conversations; everything else is a public thread."""
    if mention_kind == MentionKind.DM.value:
        return ConversationKind.DIRECT
    return ConversationKind.PUBLIC_THREAD


def place_customer_message(
    *,
    status: ConversationStatus | None,
    resolved_at: datetime | None,
    last_message_at: datetime | None,
    message_at: datetime,
    reopen_window: timedelta,
) -> Placement:
    """Where a customer's new message goes, given the thread's latest conversation.

    No conversation yet (`status` None): open one. An unfinished one takes the message.
    A resolved or closed one is reopened when the message comes within `reopen_window`
    of its resolution (of its last message when no resolution time is known), inclusive;
    later, a new conversation is opened. Messages written before the resolution but
    delivered after it reopen too: nobody has seen them.
    """
    if status is None:
        return Placement.OPEN_NEW
    if status not in FINISHED_STATUSES:
        return Placement.ADD
    finished_at = resolved_at or last_message_at
    if finished_at is None or message_at - finished_at <= reopen_window:
        return Placement.REOPEN
    return Placement.OPEN_NEW


def status_after_customer_message(status: ConversationStatus) -> ConversationStatus:
    """A customer answering a conversation that waits on them (or a finished one being
    reopened) puts it back in the team's hands; other statuses stay."""
    if status is ConversationStatus.PENDING_CUSTOMER or status in FINISHED_STATUSES:
        return ConversationStatus.OPEN
    return status


class HandledBy(StrEnum):
    """Who handled a conversation."""

    BOT = "bot"
    HUMAN = "human"


#: Where agents may move a conversation from each status. A finished conversation
#: is reopened explicitly (to `open`); nothing goes back to `new`.
STATUS_TRANSITIONS: dict[ConversationStatus, frozenset[ConversationStatus]] = {
    ConversationStatus.NEW: frozenset(
        {
            ConversationStatus.OPEN,
            ConversationStatus.PENDING_CUSTOMER,
            ConversationStatus.ESCALATED,
            ConversationStatus.RESOLVED,
            ConversationStatus.CLOSED,
        }
    ),
    ConversationStatus.OPEN: frozenset(
        {
            ConversationStatus.PENDING_CUSTOMER,
            ConversationStatus.ESCALATED,
            ConversationStatus.RESOLVED,
            ConversationStatus.CLOSED,
        }
    ),
    ConversationStatus.PENDING_CUSTOMER: frozenset(
        {
            ConversationStatus.OPEN,
            ConversationStatus.ESCALATED,
            ConversationStatus.RESOLVED,
            ConversationStatus.CLOSED,
        }
    ),
    ConversationStatus.ESCALATED: frozenset(
        {
            ConversationStatus.OPEN,
            ConversationStatus.PENDING_CUSTOMER,
            ConversationStatus.RESOLVED,
            ConversationStatus.CLOSED,
        }
    ),
    ConversationStatus.RESOLVED: frozenset({ConversationStatus.OPEN, ConversationStatus.CLOSED}),
    ConversationStatus.CLOSED: frozenset({ConversationStatus.OPEN}),
}

#: Longest an agent may snooze a conversation.
MAX_SNOOZE = timedelta(days=90)

#: Longest internal note, in characters.
MAX_NOTE_LENGTH = 10_000


def can_change_status(current: ConversationStatus, requested: ConversationStatus) -> bool:
    """Whether agents may move a conversation from `current` to `requested`."""
    return requested in STATUS_TRANSITIONS[current]


def resolved_at_after(
    *,
    requested: ConversationStatus,
    resolved_at: datetime | None,
    now: datetime,
) -> datetime | None:
    """Resolving stamps the time; a finished conversation keeps it when closed; any
    other status clears it (the conversation is being worked again)."""
    if requested is ConversationStatus.RESOLVED:
        return now
    if requested is ConversationStatus.CLOSED:
        return resolved_at or now
    return None


def is_snoozed(snoozed_until: datetime | None, now: datetime) -> bool:
    """A conversation is snoozed (hidden from the inbox) until its snooze time has come."""
    return snoozed_until is not None and snoozed_until > now


def snooze_problem(until: datetime, now: datetime) -> str | None:
    """Why `until` is no snooze time (None when it is one): it must be in the future,
    at most `MAX_SNOOZE` away, and carry a timezone."""
    if until.tzinfo is None:
        return "the snooze time needs a timezone"
    if until <= now:
        return "the snooze time must be in the future"
    if until - now > MAX_SNOOZE:
        return f"a conversation can be snoozed for at most {MAX_SNOOZE.days} days"
    return None


def clean_note(body: str) -> str | None:
    """The note to store (surrounding whitespace removed), or None when it is empty or
    longer than `MAX_NOTE_LENGTH`."""
    cleaned = body.strip()
    if not cleaned or len(cleaned) > MAX_NOTE_LENGTH:
        return None
    return cleaned
