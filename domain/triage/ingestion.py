"""Triage in the ingesting transaction: the `TriageService` the ingestion pipeline uses.

`PipelineTriage.mentions_stored` receives the inbound mentions whose content is new or
changed, and in the caller's unit of work:

1. loads them with their brands (settings and escalation routes become `BrandProfile`s,
   with the brands' calendar events over the batch's time span merged into the settings
   events: `domain.triage.calendar`), their customers (VIP flag) and the customers'
   serious conversations (hot, and open or active within `SERIOUS_HISTORY`) — one
   query each, whatever the batch size;
2. runs `Triager.triage_batch` on them in time order (merged with the brand's recently
   triaged mentions, replayed into the spike detector), with the tenant's stored
   corrections as its corrections memory (`TenantCorrections`, reloaded only when the
   tenant's feedback changed); the replay lets a burst spread over several deliveries
   (or over a worker restart) still open an incident;
3. writes `language`, `labels`, `reasons` and `triage_status = done` on each mention
   (labels an agent corrected on the mention itself are kept). The version is not
   bumped: ingestion has queued an `index_mention` outbox message with the mention's
   version in this same transaction, and the indexer reads the row as committed —
   labels included — when it drains that message;
4. stores the incidents the detector found (`domain.triage.incidents`): replayed
   mentions that formed a burst before it crossed the threshold get its key (their
   version is bumped and they are queued for indexing again), and a new incident
   writes one `incident_opened` inbox event;
5. sets the priority of each affected conversation from its open inbound mentions
   (`conversation_priority`; hot while a breached SLA clock that raised it runs) and
   records a `triaged` conversation event with an `inbox_event` outbox message.

The `Triager` is expensive to build (about two seconds): build it once per process
(`shared_triager`) and reuse the service across jobs.
"""

import asyncio
import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, or_, select

from domain.brands.models import Brand, EscalationRoute, ServiceTier
from domain.conversations.models import Conversation, ConversationStatus
from domain.conversations.repository import ConversationRepository
from domain.conversations.service import INBOX_EVENT_TOPIC, queue_outbox
from domain.customers.models import Customer
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention, MentionDirection, TriageStatus
from domain.shared.clock import utcnow
from domain.shared.ids import new_id
from domain.sla.repository import ClockRepository
from domain.triage.brands import BrandProfile, brand_profile
from domain.triage.calendar import calendar_events, with_calendar
from domain.triage.corrections import CorrectionMemory
from domain.triage.examples import MentionInput
from domain.triage.feedback import LABEL_OF_FIELD, MODEL_LABELS
from domain.triage.incidents import (
    backfill_incident,
    index_message,
    record_incidents,
    stored_keys,
)
from domain.triage.learning import TenantCorrections
from domain.triage.model import E5Embedder
from domain.triage.pipeline import Triager, TriageResult
from domain.triage.rules import Priority, TriageContext
from domain.triage.spikes import DEFAULT_WINDOW

__all__ = [
    "SERIOUS_HISTORY",
    "TRIAGED_EVENT",
    "PipelineTriage",
    "brand_profiles",
    "conversation_priority",
    "mention_labels",
    "refresh_conversation_priorities",
    "shared_triager",
]

#: The conversation event written when triage sets a conversation's priority.
TRIAGED_EVENT: Final = "triaged"

#: How long a hot conversation still counts as the customer's recent serious issue
#: after its last message, once it is resolved or closed.
SERIOUS_HISTORY: Final = timedelta(days=14)

#: The most recently triaged mentions of a brand replayed into the spike detector.
SPIKE_REPLAY_LIMIT: Final = 200

_CLOSED_STATUSES = (ConversationStatus.RESOLVED, ConversationStatus.CLOSED)
_PRIORITY_RANK: Mapping[str, int] = {
    Priority.HOT.value: 2,
    Priority.COLD.value: 1,
    Priority.NOISE.value: 0,
}


@functools.cache
def shared_triager() -> Triager:
    """The process-wide `Triager` (seed-trained, with the sentence-embedding stage),
    built on first use."""
    return Triager.from_seed_examples(embedder=E5Embedder())


def conversation_priority(
    priorities: Iterable[str | None], *, sla_breach_running: bool = False
) -> str | None:
    """A conversation's priority from the priorities of its open inbound mentions.

    The highest wins (hot > cold > noise), so a conversation is noise only when all its
    triaged mentions are noise; mentions not triaged yet (None or unknown) do not count,
    and a conversation without triaged mentions has no priority.

    `sla_breach_running`: a breached SLA clock whose policy raises the priority still
    runs, so the conversation stays hot whatever its mentions say (the breach's raise
    sticks until the clock stops).
    """
    if sla_breach_running:
        return Priority.HOT.value
    ranked = [value for value in priorities if value is not None and value in _PRIORITY_RANK]
    if not ranked:
        return None
    return max(ranked, key=lambda value: _PRIORITY_RANK[value])


def mention_labels(result: TriageResult) -> dict[str, Any]:
    """The `Mention.labels` of a triage result: the labels, the sensitive spans (kind and
    character offsets; masked previews only), the incident and the urgency score."""
    labels = result.labels
    return {
        "priority": labels.priority,
        "category": labels.category,
        "sentiment": labels.sentiment,
        "sensitive_data": [
            {
                "kind": match.kind.value,
                "start": match.start,
                "end": match.end,
                "preview": match.value_preview,
            }
            for match in result.sensitive_matches
        ],
        "needs_private": labels.needs_private,
        "escalate_to": labels.escalate_to,
        "incident": result.incident,
        "score": result.score,
    }


class PipelineTriage:
    """Labels stored mentions with the triage pipeline, in the ingesting transaction.

    Implements `domain.ingestion.processing.TriageService`. Safe to share across jobs
    and tenants: it keeps no state between calls besides the `Triager`.
    """

    def __init__(
        self,
        triager: Triager,
        *,
        serious_history: timedelta = SERIOUS_HISTORY,
        corrections: TenantCorrections | None = None,
    ) -> None:
        self.triager = triager
        self.serious_history = serious_history
        self.corrections = corrections if corrections is not None else TenantCorrections()

    async def mentions_stored(self, uow: UnitOfWork, *, mention_ids: Sequence[uuid.UUID]) -> None:
        """Triage the inbound, not deleted mentions among `mention_ids` and update their
        conversations and incidents (see the module). Never commits."""
        if not mention_ids:
            return
        now = utcnow()
        mentions = await _load_mentions(uow, mention_ids)
        if not mentions:
            return
        replayed = await _recent_triaged(uow, mentions, exclude=mention_ids)
        profiles = await brand_profiles(uow, {mention.brand_id for mention in mentions})
        profiles = await _with_calendars(uow, profiles, [*replayed, *mentions])
        contexts = await self._contexts(uow, mentions, now)
        corrections = await self.corrections.memory(uow)

        triager = _with_brands(self.triager, profiles.values(), corrections)
        spikes = triager.new_spike_detector()
        ordered = sorted(replayed + mentions, key=_time_order)
        inputs = [_mention_input(item, profiles[item.brand_id]) for item in ordered]
        # The models are CPU-bound (the full stage embeds texts): a worker thread keeps
        # the event loop serving the other jobs meanwhile.
        results = await asyncio.to_thread(
            triager.triage_batch, inputs, contexts=contexts, spikes=spikes
        )
        result_of = {result.mention_id: result for result in results}
        fresh = [result_of[str(item.id)] for item in mentions]
        previous = {str(item.id): _incident_of(item) for item in replayed + mentions}
        keys = stored_keys(spikes.incidents, previous)

        for mention, result in zip(mentions, fresh, strict=True):
            mention.language = result.labels.language
            labels = mention_labels(result)
            if result.incident is not None:
                labels["incident"] = keys.get(result.incident, result.incident)
            mention.labels = _keep_corrections(mention.labels, labels)
            mention.reasons = list(result.reasons)
            mention.triage_status = TriageStatus.DONE
        backfilled = []
        for mention in replayed:
            result = result_of[str(mention.id)]
            key = keys.get(result.incident) if result.incident is not None else None
            if key is not None and previous[str(mention.id)] != key:
                backfill_incident(mention, result, key)
                backfilled.append(mention)
        await uow.session.flush()
        await queue_outbox(uow, [index_message(item, now) for item in backfilled])
        await record_incidents(
            uow,
            incidents=spikes.incidents,
            keys=keys,
            mentions={str(item.id): item for item in replayed + mentions},
            previous=previous,
            brand_names={brand_id: profile.names for brand_id, profile in profiles.items()},
            now=now,
        )
        changed = [*mentions, *backfilled]
        await refresh_conversation_priorities(
            uow,
            conversation_ids={item.conversation_id for item in changed if item.conversation_id},
            triaged=changed,
            now=now,
        )

    async def _contexts(
        self, uow: UnitOfWork, mentions: Sequence[Mention], now: datetime
    ) -> dict[str, TriageContext]:
        tenant_id = str(uow.require_scope().tenant_id)
        customer_ids = sorted({item.customer_id for item in mentions if item.customer_id})
        vip: set[uuid.UUID] = set()
        serious: dict[uuid.UUID, list[Conversation]] = defaultdict(list)
        if customer_ids:
            vip_result = await uow.session.execute(
                select(Customer.id).where(Customer.id.in_(customer_ids), Customer.is_vip.is_(True))
            )
            vip = set(vip_result.scalars())
            since = now - self.serious_history
            conversations = await uow.session.execute(
                select(Conversation).where(
                    Conversation.customer_id.in_(customer_ids),
                    Conversation.priority == Priority.HOT.value,
                    or_(
                        Conversation.status.not_in(_CLOSED_STATUSES),
                        Conversation.last_message_at >= since,
                    ),
                )
            )
            for conversation in conversations.scalars():
                serious[conversation.customer_id].append(conversation)
        contexts = {}
        for mention in mentions:
            # The mention's own conversation is not history: its priority follows the
            # mention, and counting it would let a mention raise itself on a re-triage.
            customer_issues = serious[mention.customer_id] if mention.customer_id else []
            issues = [
                conversation
                for conversation in customer_issues
                if conversation.id != mention.conversation_id
            ]
            contexts[str(mention.id)] = TriageContext(
                tenant_id=tenant_id,
                open_serious_issues=len(issues),
                history_note=_history_note(issues),
                is_vip=mention.customer_id in vip,
            )
        return contexts


def _history_note(issues: Sequence[Conversation]) -> str | None:
    if not issues:
        return None
    if any(conversation.status not in _CLOSED_STATUSES for conversation in issues):
        return "unresolved hot conversation"
    return "hot conversation recently"


def _with_brands(
    triager: Triager, profiles: Iterable[BrandProfile], corrections: CorrectionMemory
) -> Triager:
    """The shared triager's model and detector with the tenant's brands and corrections."""
    return Triager(
        brands={profile.slug: profile for profile in profiles},
        model=triager.model,
        embedder=triager.embedder,
        language_detector=triager.language_detector,
        corrections=corrections,
        cascade_threshold=triager.cascade_threshold,
    )


async def _load_mentions(uow: UnitOfWork, mention_ids: Sequence[uuid.UUID]) -> list[Mention]:
    result = await uow.session.execute(
        select(Mention)
        .where(
            Mention.id.in_(sorted(set(mention_ids))),
            Mention.direction == MentionDirection.INBOUND,
            Mention.deleted_at.is_(None),
        )
        .execution_options(populate_existing=True)
    )
    return sorted(result.scalars(), key=_time_order)


async def _recent_triaged(
    uow: UnitOfWork, mentions: Sequence[Mention], *, exclude: Sequence[uuid.UUID]
) -> list[Mention]:
    """The brands' triaged inbound mentions posted from a spike window before the batch
    to a spike window after it (newest `SPIKE_REPLAY_LIMIT`), in time order: a mention
    triaged again (an edit, a retry) still finds the burst it was part of."""
    timed = [item.posted_at for item in mentions if item.posted_at is not None]
    if not timed:
        return []
    result = await uow.session.execute(
        select(Mention)
        .where(
            Mention.brand_id.in_(sorted({item.brand_id for item in mentions})),
            Mention.id.not_in(sorted(set(exclude))),
            Mention.direction == MentionDirection.INBOUND,
            Mention.triage_status == TriageStatus.DONE,
            Mention.deleted_at.is_(None),
            and_(
                Mention.posted_at >= min(timed) - DEFAULT_WINDOW,
                Mention.posted_at <= max(timed) + DEFAULT_WINDOW,
            ),
        )
        .order_by(Mention.posted_at.desc(), Mention.id)
        .limit(SPIKE_REPLAY_LIMIT)
    )
    return sorted(result.scalars(), key=_time_order)


def _incident_of(mention: Mention) -> str | None:
    value = mention.labels.get("incident") if isinstance(mention.labels, Mapping) else None
    return value if isinstance(value, str) else None


def _keep_corrections(stored: Mapping[str, Any], labels: dict[str, Any]) -> dict[str, Any]:
    """A re-triage (an edited text) keeps what agents corrected on the mention."""
    fields = stored.get("corrected_fields") if isinstance(stored, Mapping) else None
    if not stored.get("corrected") or not isinstance(fields, list):
        return labels
    kept = dict(labels)
    kept["model"] = {name: labels.get(name) for name in MODEL_LABELS}
    for field in fields:
        name = LABEL_OF_FIELD.get(str(field))
        if name is not None and name in stored:
            kept[name] = stored[name]
    kept["corrected"] = True
    kept["corrected_fields"] = list(fields)
    return kept


def _time_order(mention: Mention) -> tuple[datetime, str]:
    return (mention.posted_at or mention.received_at, str(mention.id))


async def brand_profiles(
    uow: UnitOfWork, brand_ids: set[uuid.UUID]
) -> dict[uuid.UUID, BrandProfile]:
    """Triage profiles of the brands, from their stored settings and escalation routes."""
    wanted = sorted(brand_ids)
    brands = (await uow.session.execute(select(Brand).where(Brand.id.in_(wanted)))).scalars()
    routes: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    route_rows = await uow.session.execute(
        select(EscalationRoute)
        .where(EscalationRoute.brand_id.in_(wanted))
        .order_by(EscalationRoute.department)
    )
    for route in route_rows.scalars():
        routes[route.brand_id].append(
            {"department": route.department, "criteria": dict(route.criteria)}
        )
    profiles = {}
    for brand in brands:
        settings: dict[str, Any] = dict(brand.settings)
        settings.update(
            slug=brand.slug,
            name=brand.name,
            locales=list(brand.locales),
            primary_language=brand.primary_language,
            premium_tier=brand.service_tier is ServiceTier.PREMIUM,
        )
        if brand.id in routes:
            settings["escalation_routes"] = routes[brand.id]
        profiles[brand.id] = brand_profile(settings)
    return profiles


async def _with_calendars(
    uow: UnitOfWork, profiles: Mapping[uuid.UUID, BrandProfile], mentions: Sequence[Mention]
) -> dict[uuid.UUID, BrandProfile]:
    """The profiles with their brands' calendar events over the mentions' time span (and
    those replacing settings events of the same title)."""
    times = [_time_order(item)[0] for item in mentions]
    found = await calendar_events(
        uow,
        brand_ids=set(profiles),
        start=min(times),
        end=max(times),
        titles={event.title for profile in profiles.values() for event in profile.events},
    )
    return {
        brand_id: with_calendar(profile, found.get(brand_id, ()))
        for brand_id, profile in profiles.items()
    }


def _mention_input(mention: Mention, profile: BrandProfile) -> MentionInput:
    return MentionInput(
        id=str(mention.id),
        brand=profile.slug,
        channel_kind=mention.platform,
        kind=mention.kind,
        text=mention.text,
        author_handle=mention.author_platform_id or mention.author_handle,
        posted_at=mention.posted_at or mention.received_at,
        thread_key=mention.root_external_id or mention.external_id,
        channel_id=str(mention.channel_id),
    )


async def refresh_conversation_priorities(
    uow: UnitOfWork,
    *,
    conversation_ids: Iterable[uuid.UUID],
    triaged: Sequence[Mention] = (),
    now: datetime | None = None,
) -> None:
    """Set each conversation's priority from its open (inbound, not deleted, not hidden)
    mentions (`conversation_priority`; hot while a breached SLA clock whose policy raises
    the priority still runs — one batched query) and record a `triaged` event, with an
    `inbox_event` outbox message, for each conversation that has `triaged` mentions or
    whose priority changed. Ingestion calls it for conversations whose mentions were
    deleted, hidden, unhidden or restored: without labels nothing changes."""
    wanted = sorted(set(conversation_ids))
    if not wanted:
        return
    now = now or utcnow()
    rows = await uow.session.execute(
        select(Mention.conversation_id, Mention.labels).where(
            Mention.conversation_id.in_(wanted),
            Mention.direction == MentionDirection.INBOUND,
            Mention.deleted_at.is_(None),
            Mention.hidden_at.is_(None),
        )
    )
    priorities: dict[uuid.UUID, list[str | None]] = defaultdict(list)
    for conversation_id, labels in rows:
        value = labels.get("priority") if isinstance(labels, Mapping) else None
        priorities[conversation_id].append(value if isinstance(value, str) else None)
    conversations = await uow.session.execute(
        select(Conversation)
        .where(Conversation.id.in_(wanted))
        .order_by(Conversation.id)
        .execution_options(populate_existing=True)
    )
    mentions_by_conversation: dict[uuid.UUID, list[str]] = defaultdict(list)
    for mention in triaged:
        if mention.conversation_id is not None:
            mentions_by_conversation[mention.conversation_id].append(str(mention.id))
    events: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    actor = uow.actor
    raised_by_breach = await ClockRepository(uow).raised_by_running_breach(wanted)
    for conversation in conversations.scalars():
        previous = conversation.priority
        conversation.priority = conversation_priority(
            priorities.get(conversation.id, []),
            sla_breach_running=conversation.id in raised_by_breach,
        )
        if conversation.priority == previous and conversation.id not in mentions_by_conversation:
            continue
        events.append(
            {
                "id": new_id(),
                "created_at": now + timedelta(microseconds=len(events)),
                "conversation_id": conversation.id,
                "kind": TRIAGED_EVENT,
                "actor_kind": actor.kind.value,
                "actor_id": actor.id,
                "data": {
                    "priority": conversation.priority,
                    "previous_priority": previous,
                    "mention_ids": sorted(mentions_by_conversation[conversation.id]),
                },
            }
        )
        messages.append(
            {
                "id": new_id(),
                "created_at": now,
                "topic": INBOX_EVENT_TOPIC,
                "payload": {
                    "conversation_id": str(conversation.id),
                    "brand_id": str(conversation.brand_id),
                    "kind": TRIAGED_EVENT,
                    "mention_id": None,
                },
                "attempts": 0,
                "next_attempt_at": now,
                "done_at": None,
                "last_error": None,
            }
        )
    if not events:
        return
    await uow.session.flush()
    await ConversationRepository(uow).insert_events(events)
    await queue_outbox(uow, messages)
