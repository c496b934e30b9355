"""Processing: inbound events and listening-tool exports become mentions, customers and
conversations.

Two entry points share one pipeline (`apply_mentions`):
* `process_inbound_event` — one stored webhook delivery, in the caller's unit of work
  (the `process_inbound_event` job), parsed by the pure platform parsers;
* `import_export_file` — a CSV or JSONL export streamed in batches, one unit of work per
  batch (the `parley import` command).

Everything is idempotent: rows are keyed by platform ids and written with `ON CONFLICT`,
so redeliveries, retries and concurrent jobs converge on the same rows.

Given a `FollowUpQueue`, `process_inbound_event` asks for the outbox consumers
(`index_mentions`, `publish_inbox_events`) right after its commit, so a mention is
searchable and on live inboxes within about a second instead of waiting for the
outbox drain; fixed job ids per tenant coalesce a burst into one run of each.
"""

import functools
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import IO, Any, Final, Protocol

from sqlalchemy import func, or_, select, update

from domain.channels.models import Channel, ChannelKind
from domain.channels.platforms import ACCOUNT_ID_READERS, PARSERS, MalformedPayload, meta_platform
from domain.channels.platforms.export import ExportRow, iter_csv, iter_jsonl
from domain.channels.platforms.types import NormalizedMention
from domain.channels.repository import ChannelRepository
from domain.conversations.rules import DEFAULT_REOPEN_WINDOW
from domain.conversations.service import place_mentions, queue_outbox, record_changes
from domain.customers.service import AuthorSighting, link_authors, lock_customers
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.exports import retire_export_copies
from domain.ingestion.models import InboundEvent, InboundEventStatus
from domain.mentions.repository import MentionRepository
from domain.mentions.rules import Effect, object_key
from domain.mentions.service import (
    IncomingMention,
    StoredMention,
    insert_new_mentions,
    resolve_thread_roots,
    save_mentions,
    store_mentions,
)
from domain.realtime.service import PUBLISH_INBOX_EVENTS_JOB, realtime_job_id
from domain.shared.clock import utcnow
from domain.shared.errors import NotFoundError, ValidationError
from domain.shared.ids import new_id
from domain.shared.tenancy import Actor, TenantScope
from domain.sla.service import start_clocks_for_customer_messages
from domain.tenants.models import Tenant
from domain.triage.ingestion import refresh_conversation_priorities

logger = logging.getLogger("parley.ingestion")

#: Sources whose webhook URL belongs to a platform app serving many accounts: each
#: mention is routed by its account id. Other sources have a URL per channel.
APP_SOURCES = frozenset({"meta", "x"})

#: The channel kind that holds a platform's accounts.
PLATFORM_CHANNEL_KINDS: dict[str, ChannelKind] = {
    "facebook": ChannelKind.FACEBOOK_PAGE,
    "instagram": ChannelKind.INSTAGRAM,
    "x": ChannelKind.X,
    "telegram": ChannelKind.TELEGRAM,
    "vk": ChannelKind.VK,
}
_CHANNEL_KIND_PLATFORMS = {kind: platform for platform, kind in PLATFORM_CHANNEL_KINDS.items()}

#: Outbox topic of search indexing requests.
INDEX_MENTION_TOPIC = "index_mention"
#: The job that delivers a tenant's due `index_mention` rows to the search index.
INDEX_MENTIONS_JOB: Final = "index_mentions"

#: Rows per import batch (one unit of work each).
DEFAULT_IMPORT_BATCH_ROWS = 500
#: Rejections listed in an import report; the count covers all of them.
MAX_LISTED_REJECTIONS = 1000

#: Effects that change which messages of a conversation are open (and so its priority).
_VISIBILITY_EFFECTS = frozenset({Effect.DELETED, Effect.HIDDEN, Effect.UNHIDDEN, Effect.RESTORED})

_ERROR_LENGTH = 1000

#: How many body bytes a processing transaction takes along as companion events (its
#: own event always goes, whatever its size): about a thousand mentions. Unbounded,
#: one job swallowed a backlog of 29 Meta deliveries (29,000 mentions) in one
#: transaction, and nothing was indexed until it committed; bounded, processing
#: commits steadily and indexing works alongside it.
COMPANION_BYTES_BUDGET = 512 * 1024
_CHANNEL_ERROR_LENGTH = 500


class TriageService(Protocol):
    """Where stored mentions go to be labelled (language, category, priority …).

    Called inside the ingesting transaction with the inbound mentions whose content is
    new or changed; it may label them in that transaction or queue work for later. It
    must not commit.
    """

    async def mentions_stored(self, uow: UnitOfWork, *, mention_ids: Sequence[uuid.UUID]) -> None:
        """Take the mentions with these ids for triage."""
        ...


class FollowUpQueue(Protocol):
    """A job queue that can re-run recurring work with a fixed job id
    (`workers.queue.ArqJobQueue` and `InProcessJobQueue`)."""

    async def enqueue_unless_pending(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str, **kwargs: Any
    ) -> None:
        """Enqueue unless a job with this id is queued or running."""
        ...


def index_job_id(tenant_id: uuid.UUID) -> str:
    """The id of a tenant's `index_mentions` job: one queued or running per tenant."""
    return f"index:{tenant_id}"


class PendingTriage:
    """The default triage: labels nothing, so mentions stay `triage_status = pending`.
    Workers use `domain.triage.ingestion.PipelineTriage` (see `workers.jobs.ingestion`)."""

    async def mentions_stored(self, uow: UnitOfWork, *, mention_ids: Sequence[uuid.UUID]) -> None:
        return None


class ProcessingStatus(StrEnum):
    PROCESSED = "processed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class ProcessingOutcome:
    """What processing one event did (ids and counts only: it is logged and kept by arq)."""

    status: ProcessingStatus
    mentions: int = 0
    created: int = 0
    changed: int = 0
    conversation_events: int = 0
    error: str | None = None
    #: The other events this run finished along with its own (see `companions`).
    companion_ids: tuple[uuid.UUID, ...] = ()
    #: Whether pending events were left for lack of room among the companions.
    more_pending: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "mentions": self.mentions,
            "created": self.created,
            "changed": self.changed,
            "conversation_events": self.conversation_events,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class AppliedBatch:
    mentions: int
    created: int
    changed: int
    conversation_events: int


class _UnprocessableEvent(Exception):
    """The event can never be processed as it is (terminal, recorded on the event)."""


# --- inbound events -------------------------------------------------------------------


async def process_inbound_event(
    uow: UnitOfWork,
    *,
    event_id: uuid.UUID,
    now: datetime | None = None,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
    triage: TriageService | None = None,
    follow_up: FollowUpQueue | None = None,
    companions: int = 0,
    companion_bytes: int = COMPANION_BYTES_BUDGET,
    companions_when_done: bool = False,
) -> ProcessingOutcome:
    """Turn one stored inbound event into mentions, customers and conversations.

    Idempotent: the event row is locked and an event already processed or failed is
    skipped. The body is parsed by the pure platform parsers (`PARSERS`; a `meta` body
    is Facebook or Instagram by its `object`). Each mention is routed to the tenant's
    channel: by `(kind, external_account_id)` for app-level sources (`APP_SOURCES`),
    else to the event's channel. Then `apply_mentions` stores everything, and the event
    is marked `processed` (with `error` naming accounts that have no channel, if any).

    With `companions`, up to that many other pending events of the tenant that no other
    transaction holds (`FOR UPDATE SKIP LOCKED`, oldest first), and together no more
    than `companion_bytes` of body, are processed in the same transaction, in arrival
    order, with one `apply_mentions` for all: the per-event cost of a pipeline run is
    shared, and their own jobs later find them processed and skip (the worker drops
    those jobs from the queue: `companion_ids`). With `companions_when_done` the
    companions are taken even when the event itself is done (a catch-up run for
    events whose jobs were never enqueued); `more_pending` says whether pending
    events were left for lack of room.
    The outcome's status is the requested event's; its counts cover every event
    processed. A failure that is not the event's own (a database error) rolls all of
    them back: they stay pending for their own jobs.

    Terminal failures — a body the parser rejects (`MalformedPayload`), a source with no
    parser, a channel that is gone, or no mention routable at all — mark the event
    `failed` with the error and count an error on the channel(s) concerned; they are
    never retried. The caller commits once; `NotFoundError` when the event is not in
    the tenant. With `follow_up`, a processed event that stored mentions has the
    tenant's `index_mentions` and `publish_inbox_events` requested once that commit is
    done (nothing is requested when the transaction rolls back).
    """
    now = now or utcnow()
    event = await _lock_event(uow, event_id)
    own_pending = event.status is InboundEventStatus.PENDING
    if not own_pending and not companions_when_done:
        return ProcessingOutcome(status=ProcessingStatus.SKIPPED)
    events = [event] if own_pending else []
    more_pending = False
    if companions > 0:
        budget = companion_bytes - (len(event.body) if own_pending else 0)
        taken, more_pending = await _lock_pending_companions(uow, event.id, companions, budget)
        events = sorted(events + taken, key=lambda each: (each.received_at, each.id))
    if not events:
        return ProcessingOutcome(status=ProcessingStatus.SKIPPED, more_pending=more_pending)
    channels: dict[uuid.UUID, Channel | None] = {}
    routed: list[_RoutedEvent] = []
    failure: ProcessingOutcome | None = None
    for each in events:
        result = await _route_event(uow, each, channels, now)
        if isinstance(result, _RoutedEvent):
            routed.append(result)
        elif each.id == event.id:
            failure = result
    incoming = [mention for item in routed for mention in item.incoming]
    applied = await apply_mentions(
        uow, incoming, now=now, reopen_window=reopen_window, triage=triage
    )
    await _touch_channels_of(uow, routed)
    await _finish_routed(uow, routed, now)
    if follow_up is not None and applied.mentions:
        uow.after_commit(
            functools.partial(_request_outbox_delivery, follow_up, uow.require_scope().tenant_id)
        )
    companion_ids = tuple(each.id for each in events if each.id != event.id)
    if failure is not None:
        return replace(failure, companion_ids=companion_ids, more_pending=more_pending)
    own_error = next((item.partial_error for item in routed if item.event.id == event.id), None)
    return ProcessingOutcome(
        status=ProcessingStatus.PROCESSED if own_pending else ProcessingStatus.SKIPPED,
        mentions=applied.mentions,
        created=applied.created,
        changed=applied.changed,
        conversation_events=applied.conversation_events,
        error=own_error,
        companion_ids=companion_ids,
        more_pending=more_pending,
    )


@dataclass(frozen=True, slots=True)
class _RoutedEvent:
    """An event whose mentions are bound to channels, ready for `apply_mentions`."""

    event: InboundEvent
    incoming: list[IncomingMention]
    partial_error: str | None


async def _route_event(
    uow: UnitOfWork,
    event: InboundEvent,
    channels: dict[uuid.UUID, Channel | None],
    now: datetime,
) -> "_RoutedEvent | ProcessingOutcome":
    """The event's routed mentions, or its failure (already recorded on it)."""
    channel = None
    if event.channel_id is not None:
        if event.channel_id not in channels:
            channels[event.channel_id] = await ChannelRepository(uow).get_or_none(event.channel_id)
        channel = channels[event.channel_id]
    platform: str | None = None
    try:
        platform = _platform_of(event, channel)
        mentions = PARSERS[platform](event.body).mentions
        incoming, unrouted = await _route(uow, event, channel, platform, mentions)
        if unrouted and not incoming:
            raise _UnprocessableEvent(_unrouted_error(platform, unrouted))
    except (MalformedPayload, _UnprocessableEvent) as error:
        message = str(error)[:_ERROR_LENGTH]
        await _count_channel_errors(uow, event, channel, platform, message, now)
        await _finish_event(uow, event, InboundEventStatus.FAILED, message, now)
        logger.warning("inbound event %s failed: %s", event.id, type(error).__name__)
        return ProcessingOutcome(status=ProcessingStatus.FAILED, error=message)
    partial_error = _unrouted_error(platform, unrouted) if unrouted else None
    return _RoutedEvent(event, incoming, partial_error)


async def _lock_pending_companions(
    uow: UnitOfWork, event_id: uuid.UUID, limit: int, byte_budget: int
) -> tuple[list[InboundEvent], bool]:
    """Up to `limit` other pending events of the scope, oldest first, whose bodies
    together fit in `byte_budget`, that no other transaction holds; locked until the
    commit. And whether pending events were left out for the limit or the budget.

    The sizes are read first without locks (and without the bodies); the events that
    fit are then locked, skipping those another transaction took meanwhile.
    """
    if byte_budget <= 0:
        return [], True
    sizes = await uow.session.execute(
        select(InboundEvent.id, func.length(InboundEvent.body))
        .where(
            InboundEvent.tenant_id == uow.require_scope().tenant_id,
            InboundEvent.status == InboundEventStatus.PENDING,
            InboundEvent.id != event_id,
        )
        .order_by(InboundEvent.received_at, InboundEvent.id)
        .limit(limit + 1)
    )
    candidates = list(sizes)
    chosen: list[uuid.UUID] = []
    for companion_id, size in candidates[:limit]:
        byte_budget -= size or 0
        if byte_budget < 0:
            break
        chosen.append(companion_id)
    more = len(chosen) < len(candidates)
    if not chosen:
        return [], more
    result = await uow.session.execute(
        select(InboundEvent)
        .where(
            InboundEvent.id.in_(chosen),
            InboundEvent.status == InboundEventStatus.PENDING,
        )
        .with_for_update(skip_locked=True)
    )
    return list(result.scalars()), more


async def _touch_channels_of(uow: UnitOfWork, routed: Sequence[_RoutedEvent]) -> None:
    """Each channel's `last_event_at` moves to its newest event processed here."""
    newest: dict[uuid.UUID, datetime] = {}
    for item in routed:
        for mention in item.incoming:
            known = newest.get(mention.channel_id)
            if known is None or known < item.event.received_at:
                newest[mention.channel_id] = item.event.received_at
    by_time: dict[datetime, list[uuid.UUID]] = {}
    for channel_id, received_at in newest.items():
        by_time.setdefault(received_at, []).append(channel_id)
    for received_at, channel_ids in sorted(by_time.items()):
        await _touch_channels(uow, channel_ids, received_at)


async def _finish_routed(uow: UnitOfWork, routed: Sequence[_RoutedEvent], now: datetime) -> None:
    """Mark the routed events processed: one statement for all those without an error."""
    clean = [item.event.id for item in routed if item.partial_error is None]
    if clean:
        await uow.session.execute(
            update(InboundEvent)
            .where(
                InboundEvent.tenant_id == uow.require_scope().tenant_id,
                InboundEvent.id.in_(clean),
            )
            .values(
                status=InboundEventStatus.PROCESSED,
                error=None,
                processed_at=now,
                attempts=InboundEvent.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    for item in routed:
        if item.partial_error is not None:
            await _finish_event(
                uow, item.event, InboundEventStatus.PROCESSED, item.partial_error, now
            )


async def _request_outbox_delivery(queue: FollowUpQueue, tenant_id: uuid.UUID) -> None:
    """Ask for indexing and realtime publishing of what the commit just wrote."""
    requests = (
        (INDEX_MENTIONS_JOB, index_job_id(tenant_id)),
        (PUBLISH_INBOX_EVENTS_JOB, realtime_job_id(tenant_id)),
    )
    for job_name, job_id in requests:
        try:
            await queue.enqueue_unless_pending(job_name, tenant_id=tenant_id, job_id=job_id)
        except Exception as error:  # whatever the queue backend raises
            # Best effort: the rows are committed in the outbox and the drain cron
            # delivers them later; the processing itself has succeeded.
            logger.warning("%s not requested: %s", job_name, type(error).__name__)


async def apply_mentions(
    uow: UnitOfWork,
    incoming: Sequence[IncomingMention],
    *,
    now: datetime,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
    triage: TriageService | None = None,
) -> AppliedBatch:
    """Store routed mentions and everything that follows from them, in one transaction.

    In order: thread roots are reconstructed; mention rows are upserted (edits, deletes
    and hides applied in any arrival order); authors of customer messages are linked to
    customers; messages are placed in conversations (`reopen_window` decides reopening);
    conversation events are written; export copies of the objects now held are retired
    (`retire_export_copies`); an `index_mention` outbox message is written for
    every mention row written, an `inbox_event` one for every conversation change; the
    triage service receives the inbound mentions whose content is new or changed; a
    conversation whose messages were deleted, hidden, unhidden or restored gets its
    priority again from its open messages' labels; new customer messages start their
    conversation's SLA clocks (`start_clocks_for_customer_messages`).
    """
    if not incoming:
        return AppliedBatch(mentions=0, created=0, changed=0, conversation_events=0)
    resolved = await resolve_thread_roots(uow, incoming)
    stored = await store_mentions(uow, resolved)
    await _link_customers(uow, stored)
    changes = await place_mentions(uow, stored, reopen_window=reopen_window)
    for item in stored:
        if item.linked and not item.changed:
            # A new link changes the indexed document: give it a new version.
            item.state = replace(item.state, version=item.state.version + 1)
            item.changed = True
    await save_mentions(uow, stored)
    await record_changes(uow, changes, now=now)
    retired = await retire_export_copies(uow, stored, now=now)
    await queue_outbox(
        uow,
        [_index_message(item.id, item.state.version, now) for item in stored if item.changed]
        + [_index_message(copy.id, copy.version, now) for copy in retired],
    )
    new_content = [
        item.id
        for item in stored
        if item.is_inbound and (item.created or Effect.EDITED in item.effects)
    ]
    await (triage or PendingTriage()).mentions_stored(uow, mention_ids=new_content)
    await refresh_conversation_priorities(
        uow,
        conversation_ids={
            item.conversation_id
            for item in stored
            if item.is_inbound
            and item.conversation_id is not None
            and item.effects & _VISIBILITY_EFFECTS
        },
        now=now,
    )
    # After triage: the conversation's priority picks the SLA policy.
    await start_clocks_for_customer_messages(
        uow,
        messages=[
            (item.conversation_id, item.message_at)
            for item in stored
            if item.created and item.is_inbound and item.conversation_id is not None
        ],
    )
    return AppliedBatch(
        mentions=len(stored),
        created=sum(1 for item in stored if item.created),
        changed=sum(1 for item in stored if item.changed and not item.created),
        conversation_events=len(changes),
    )


async def _link_customers(uow: UnitOfWork, stored: Sequence[StoredMention]) -> None:
    candidates = [
        item
        for item in stored
        if item.is_inbound and item.state.deleted_at is None and item.conversation_id is None
    ]
    sightings = [
        AuthorSighting(
            platform=item.platform,
            platform_user_id=item.state.author_platform_id,
            handle=item.state.author_handle,
            display_name=item.state.author_name,
            seen_at=item.message_at,
        )
        for item in candidates
        if item.customer_id is None and item.state.author_platform_id is not None
    ]
    customers = await link_authors(uow, sightings)
    for item in candidates:
        if item.customer_id is None and item.state.author_platform_id is not None:
            item.link_customer(customers[(item.platform, item.state.author_platform_id)])
    # Customers linked earlier still need their lock before their messages are placed.
    just_locked = set(customers.values())
    await lock_customers(
        uow,
        sorted(
            {
                item.customer_id
                for item in candidates
                if item.customer_id is not None and item.customer_id not in just_locked
            }
        ),
    )


def _index_message(mention_id: uuid.UUID, version: int, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "created_at": now,
        "topic": INDEX_MENTION_TOPIC,
        "payload": {"mention_id": str(mention_id), "version": version},
        "attempts": 0,
        "next_attempt_at": now,
        "done_at": None,
        "last_error": None,
    }


async def _lock_event(uow: UnitOfWork, event_id: uuid.UUID) -> InboundEvent:
    result = await uow.session.execute(
        select(InboundEvent)
        .where(InboundEvent.tenant_id == uow.require_scope().tenant_id, InboundEvent.id == event_id)
        .with_for_update()
    )
    event = result.scalar_one_or_none()
    if event is None:
        raise NotFoundError("InboundEvent not found")
    return event


def _platform_of(event: InboundEvent, channel: Channel | None) -> str:
    if event.source == "meta":
        return meta_platform(event.body)
    if event.source in PARSERS:
        return event.source
    if channel is not None and channel.kind in _CHANNEL_KIND_PLATFORMS:
        return _CHANNEL_KIND_PLATFORMS[channel.kind]
    raise _UnprocessableEvent(f"no parser for source {event.source!r}")


async def _route(
    uow: UnitOfWork,
    event: InboundEvent,
    channel: Channel | None,
    platform: str,
    mentions: Sequence[NormalizedMention],
) -> tuple[list[IncomingMention], list[str]]:
    """Mentions bound to their channels, and the account ids that have no channel."""
    if event.source not in APP_SOURCES and event.channel_id is not None:
        if channel is None:
            raise _UnprocessableEvent("the event's channel no longer exists")
        return [_bind(mention, channel, event) for mention in mentions], []
    accounts = {mention.account_id for mention in mentions}
    channels = await _channels_by_account(uow, platform, accounts)
    routed = [
        _bind(mention, channels[mention.account_id], event)
        for mention in mentions
        if mention.account_id in channels
    ]
    return routed, sorted(accounts - channels.keys())


def _bind(mention: NormalizedMention, channel: Channel, event: InboundEvent) -> IncomingMention:
    return IncomingMention(
        mention=mention,
        channel_id=channel.id,
        brand_id=channel.brand_id,
        received_at=event.received_at,
    )


async def _channels_by_account(
    uow: UnitOfWork, platform: str, accounts: Iterable[str]
) -> dict[str, Channel]:
    kind = PLATFORM_CHANNEL_KINDS.get(platform)
    wanted = sorted(set(accounts))
    if kind is None or not wanted:
        return {}
    result = await uow.session.execute(
        select(Channel).where(
            Channel.tenant_id == uow.require_scope().tenant_id,
            Channel.kind == kind,
            Channel.external_account_id.in_(wanted),
        )
    )
    return {
        channel.external_account_id: channel
        for channel in result.scalars()
        if channel.external_account_id is not None
    }


def _unrouted_error(platform: str | None, accounts: Sequence[str]) -> str:
    return f"no channel for {platform} account(s) {', '.join(accounts)}"[:_ERROR_LENGTH]


async def _count_channel_errors(
    uow: UnitOfWork,
    event: InboundEvent,
    channel: Channel | None,
    platform: str | None,
    message: str,
    now: datetime,
) -> None:
    """Count the failure on the event's channel, or on the channels its body names."""
    channel_ids: set[uuid.UUID] = set()
    if channel is not None:
        channel_ids.add(channel.id)
    elif platform is not None and platform in ACCOUNT_ID_READERS:
        try:
            accounts = ACCOUNT_ID_READERS[platform](event.body)
        except MalformedPayload:
            accounts = ()
        channels = await _channels_by_account(uow, platform, accounts)
        channel_ids.update(found.id for found in channels.values())
    if not channel_ids:
        return
    await uow.session.execute(
        update(Channel)
        .where(Channel.tenant_id == uow.require_scope().tenant_id, Channel.id.in_(channel_ids))
        .values(
            error_count=Channel.error_count + 1,
            last_error_at=now,
            last_error=message[:_CHANNEL_ERROR_LENGTH],
        )
        .execution_options(synchronize_session=False)
    )


async def _touch_channels(
    uow: UnitOfWork, channel_ids: Iterable[uuid.UUID], received_at: datetime
) -> None:
    """Move the channels' `last_event_at` forward to `received_at` (never back).

    Only channels whose time is older are written: rows already up to date are
    neither rewritten nor locked, so concurrent jobs of one channel do not queue
    behind each other's channel row.
    """
    ids = sorted(set(channel_ids))
    if not ids:
        return
    await uow.session.execute(
        update(Channel)
        .where(
            Channel.tenant_id == uow.require_scope().tenant_id,
            Channel.id.in_(ids),
            or_(Channel.last_event_at.is_(None), Channel.last_event_at < received_at),
        )
        .values(last_event_at=received_at)
        .execution_options(synchronize_session=False)
    )


async def _finish_event(
    uow: UnitOfWork,
    event: InboundEvent,
    status: InboundEventStatus,
    error: str | None,
    now: datetime,
) -> None:
    await uow.session.execute(
        update(InboundEvent)
        .where(InboundEvent.tenant_id == event.tenant_id, InboundEvent.id == event.id)
        .values(
            status=status,
            error=error,
            processed_at=now,
            attempts=InboundEvent.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )


# --- listening-tool imports -----------------------------------------------------------


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    """The result of one import: every row read is created, a duplicate, or rejected."""

    rows_read: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_LISTED_REJECTIONS:
            self.rejections.append(Rejection(line=line, reason=reason))

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_read": self.rows_read,
            "created": self.created,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejections": [
                {"line": rejection.line, "reason": rejection.reason}
                for rejection in self.rejections
            ],
            "rejections_listed": len(self.rejections),
        }


@dataclass(frozen=True, slots=True)
class ImportedBatch:
    created: int
    duplicates: int


async def find_channel_tenant(
    database: Database, *, actor: Actor, channel_id: uuid.UUID
) -> uuid.UUID | None:
    """The tenant owning the channel, found by asking each tenant's scope in turn.

    Channels are tenant-owned (row-level security): there is no unscoped lookup on
    purpose. Agencies are few, so a scoped query per tenant is cheap, and it keeps the
    rule that no query reads tenant data outside a tenant scope.
    """
    async with UnitOfWork(database, actor=actor, scope=None) as uow:
        result = await uow.session.execute(select(Tenant.id).order_by(Tenant.created_at))
        tenant_ids = list(result.scalars())
    for tenant_id in tenant_ids:
        async with UnitOfWork(database, actor=actor, scope=TenantScope(tenant_id)) as uow:
            if await ChannelRepository(uow).get_or_none(channel_id) is not None:
                return tenant_id
    return None


async def import_export_file(
    database: Database,
    *,
    actor: Actor,
    tenant_id: uuid.UUID,
    channel_id: uuid.UUID,
    stream: IO[bytes],
    file_format: ExportFormat,
    batch_rows: int = DEFAULT_IMPORT_BATCH_ROWS,
    triage: TriageService | None = None,
) -> ImportReport:
    """Import a listening-tool export (see `domain.channels.platforms.export`) into an
    import channel, streaming: memory stays constant whatever the file size.

    Rows are read one at a time from `stream` and imported `batch_rows` at a time, each
    batch in its own unit of work (`import_export_batch`), so a failure loses at most
    the batch in progress and re-running the import is safe (rows already imported are
    duplicates). Rows that cannot be read are rejected with their line number; a header
    that cannot be read raises `MalformedPayload` before anything is imported.
    `NotFoundError` / `ValidationError` when the channel is not an import channel of
    the tenant.
    """
    scope = TenantScope(tenant_id)
    async with UnitOfWork(database, actor=actor, scope=scope) as uow:
        await _import_channel(uow, channel_id)
    report = ImportReport()
    reader = iter_csv(stream) if file_format is ExportFormat.CSV else iter_jsonl(stream)
    for batch in _batches(reader, batch_rows):
        rows: list[ExportRow] = []
        for row in batch:
            report.rows_read += 1
            if row.mention is None:
                report.reject(row.line, row.error or "unreadable row")
            else:
                rows.append(row)
        if not rows:
            continue
        async with UnitOfWork(database, actor=actor, scope=scope) as uow:
            imported = await import_export_batch(
                uow,
                channel_id=channel_id,
                mentions=[row.mention for row in rows if row.mention is not None],
                triage=triage,
            )
            await uow.commit()
        report.created += imported.created
        report.duplicates += imported.duplicates
    return report


def _batches(rows: Iterator[ExportRow], size: int) -> Iterator[list[ExportRow]]:
    batch: list[ExportRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _import_channel(uow: UnitOfWork, channel_id: uuid.UUID) -> Channel:
    channel = await ChannelRepository(uow).get(channel_id)
    if channel.kind is not ChannelKind.IMPORT:
        raise ValidationError(
            f"channel {channel_id} is a {channel.kind.value} channel, not an import channel",
            field="channel",
        )
    return channel


async def import_export_batch(
    uow: UnitOfWork,
    *,
    channel_id: uuid.UUID,
    mentions: Sequence[NormalizedMention],
    now: datetime | None = None,
    triage: TriageService | None = None,
) -> ImportedBatch:
    """Store parsed export rows on an import channel; existing content is never changed.

    A row is a duplicate, not a new mention, when it repeats an earlier row (same
    mention id, or same object: `domain.mentions.rules.object_key`, which also makes
    syndicated copies of one URL one mention), or when it names an object already
    ingested from the platform itself — a mention with that id (external id or object
    key) on a channel of the matching platform in the import channel's brand, deleted
    ones included, so an export cannot bring back what its author deleted. New rows are
    inserted with `ON CONFLICT DO NOTHING` and get an `index_mention` outbox message;
    authors of exports have no platform id, so rows get no customer or conversation.
    """
    now = now or utcnow()
    channel = await _import_channel(uow, channel_id)
    repository = MentionRepository(uow)
    candidates: list[NormalizedMention] = []
    seen_ids: set[str] = set()
    seen_keys: set[str] = set()
    for mention in mentions:
        key = _export_key(mention)
        if mention.external_id in seen_ids or (key is not None and key in seen_keys):
            continue
        seen_ids.add(mention.external_id)
        if key is not None:
            seen_keys.add(key)
        candidates.append(mention)

    known = await _ingested_objects(uow, channel, candidates)
    taken_keys = await repository.existing_object_keys(
        channel.id, [key for key in (_export_key(m) for m in candidates) if key is not None]
    )
    fresh = [
        mention
        for mention in candidates
        if (mention.extra.get("source"), mention.extra.get("source_object_id")) not in known
        and _export_key(mention) not in taken_keys
    ]
    created = await insert_new_mentions(
        uow,
        [
            IncomingMention(
                mention=mention, channel_id=channel.id, brand_id=channel.brand_id, received_at=now
            )
            for mention in fresh
        ],
    )
    await queue_outbox(uow, [_index_message(item.id, item.state.version, now) for item in created])
    await (triage or PendingTriage()).mentions_stored(
        uow, mention_ids=[item.id for item in created]
    )
    if created:
        await _touch_channels(uow, [channel.id], now)
    return ImportedBatch(created=len(created), duplicates=len(mentions) - len(created))


def _export_key(mention: NormalizedMention) -> str | None:
    return object_key(
        platform=mention.platform,
        kind=mention.kind.value,
        external_id=mention.external_id,
        extra=mention.extra,
    )


async def _ingested_objects(
    uow: UnitOfWork, channel: Channel, mentions: Sequence[NormalizedMention]
) -> set[tuple[str | None, str | None]]:
    """(source, object id) of the rows whose object the brand's own channels already hold."""
    wanted: dict[str, set[str]] = {}
    for mention in mentions:
        source = mention.extra.get("source")
        object_id = mention.extra.get("source_object_id")
        if source in PLATFORM_CHANNEL_KINDS and object_id:
            wanted.setdefault(source, set()).add(object_id)
    if not wanted:
        return set()
    brand_channels = await ChannelRepository(uow).list_for_brands([channel.brand_id])
    repository = MentionRepository(uow)
    found: set[tuple[str | None, str | None]] = set()
    for source, object_ids in sorted(wanted.items()):
        kind = PLATFORM_CHANNEL_KINDS[source]
        channel_ids = [item.id for item in brand_channels if item.kind is kind]
        matched = await repository.matching_object_ids(channel_ids, sorted(object_ids))
        found.update((source, object_id) for object_id in matched)
    return found
