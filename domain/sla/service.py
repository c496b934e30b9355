"""SLA clocks: the hooks other modules call, and the conversation SLA they read.

Hooks, called inside the caller's own transaction (they never commit):

- `start_clocks_for_customer_message(s)` — processing, for each customer message
  placed in a conversation;
- `record_first_response` — replies, when a reply is sent;
- `on_status_change` / `on_snooze_change` — the inbox, when an agent changes
  the status or snoozes.

Each keeps `conversations.sla_due_at` equal to the earliest due time of the
conversation's running, unpaused clocks. Policies are in `domain.sla.policies`,
the sweep that emits warnings and breaches in `domain.sla.sweep`.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from domain.authz.policy import Grantee, Permission, require
from domain.brand_events.models import BrandEvent
from domain.brand_events.rules import affects_channel, is_active, sla_reason
from domain.brand_events.service import ActiveBrandEvent, import_brand_events
from domain.brands.models import Brand
from domain.brands.repository import BrandRepository
from domain.conversations.models import Conversation, ConversationStatus
from domain.db.uow import UnitOfWork
from domain.shared.clock import utcnow
from domain.shared.errors import NotFoundError
from domain.shared.ids import new_id
from domain.sla.calendar import always_open_calendar, brand_calendar
from domain.sla.models import ANY, ClockKind, SlaClock, SlaPolicy

# Re-exported: callers seeding a brand use it next to the hooks.
from domain.sla.policies import ensure_default_policy as ensure_default_policy
from domain.sla.repository import ClockRepository, PolicyRepository
from domain.sla.rules import (
    BusinessCalendar,
    CalendarError,
    EventFactor,
    PolicyChoice,
    choose_policy,
    clock_kinds_to_start,
    due_and_warning,
    remaining_business_time,
    resumed_due_time,
    scaled_target,
    strongest_event_factor,
)

_RESPONSE_KINDS = (ClockKind.FIRST_RESPONSE.value, ClockKind.NEXT_RESPONSE.value)


# --- calendars ------------------------------------------------------------------------------


class _Calendars:
    """Calendars per policy, built once per use case."""

    def __init__(self, brands: Mapping[uuid.UUID, Brand]) -> None:
        self._brands = brands
        self._built: dict[tuple[uuid.UUID, int], BusinessCalendar] = {}

    def for_policy(self, policy: SlaPolicy, at: datetime) -> BusinessCalendar:
        key = (policy.id, at.year)
        if key not in self._built:
            brand = self._brands[policy.brand_id]
            hours = brand.business_hours if policy.business_hours is None else policy.business_hours
            # No hours configured at all means no closing time, not "never open"
            # (which would leave the brand without any SLA).
            if policy.around_the_clock or not any(hours.values()):
                calendar = always_open_calendar(brand)
            else:
                calendar = brand_calendar(
                    brand,
                    years=range(at.year - 1, at.year + 3),
                    business_hours=policy.business_hours,
                )
            self._built[key] = calendar
        return self._built[key]


async def _calendars_for(uow: UnitOfWork, brand_ids: Iterable[uuid.UUID]) -> _Calendars:
    brands = await BrandRepository(uow).get_many(list(set(brand_ids)))
    return _Calendars({brand.id: brand for brand in brands})


def _policy_target(policy: SlaPolicy, kind: str) -> timedelta | None:
    minutes = {
        ClockKind.FIRST_RESPONSE.value: policy.first_response_minutes,
        ClockKind.NEXT_RESPONSE.value: policy.next_response_minutes,
        ClockKind.RESOLUTION.value: policy.resolution_minutes,
    }[kind]
    return None if minutes is None else timedelta(minutes=minutes)


# --- hooks ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ConversationState:
    id: uuid.UUID
    brand_id: uuid.UUID
    channel_id: uuid.UUID
    status: ConversationStatus
    priority: str | None
    snoozed_until: datetime | None

    def is_waiting(self, at: datetime) -> bool:
        """Whether clocks are paused: waiting on the customer, or snoozed."""
        if self.status is ConversationStatus.PENDING_CUSTOMER:
            return True
        return self.snoozed_until is not None and self.snoozed_until > at


async def _conversation_states(
    uow: UnitOfWork, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, _ConversationState]:
    result = await uow.session.execute(
        select(
            Conversation.id,
            Conversation.brand_id,
            Conversation.channel_id,
            Conversation.status,
            Conversation.priority,
            Conversation.snoozed_until,
        ).where(Conversation.id.in_(list(conversation_ids)))
    )
    return {row[0]: _ConversationState(*row) for row in result}


async def _conversation_state(uow: UnitOfWork, conversation_id: uuid.UUID) -> _ConversationState:
    state = (await _conversation_states(uow, [conversation_id])).get(conversation_id)
    if state is None:
        raise NotFoundError("conversation not found")
    return state


async def start_clocks_for_customer_message(
    uow: UnitOfWork, *, conversation_id: uuid.UUID, at: datetime
) -> None:
    """Start the clocks a customer message at `at` starts (see `clock_kinds_to_start`).

    The first message starts first response; later ones next response (never
    touching the first-response target); a resolution clock runs until resolved.
    Clocks paused while the conversation waited are resumed unless it still waits
    (pending on the customer, or snoozed). The policy is the brand's most
    specific current one for the conversation's priority and the brand's tier;
    no policy, no clocks. An active brand event with an SLA factor scales the
    response targets and is recorded on the clock. Idempotent per running kind;
    `NotFoundError` for a conversation not in the scope; does not commit.
    """
    await start_clocks_for_customer_messages(uow, messages=[(conversation_id, at)])


async def start_clocks_for_customer_messages(
    uow: UnitOfWork, *, messages: Iterable[tuple[uuid.UUID, datetime]]
) -> None:
    """`start_clocks_for_customer_message` for a batch of (conversation id, message time)
    pairs, as processing stores them: within one batch only each conversation's
    earliest message can start a clock, so it is the one passed on.

    The batch costs a fixed number of statements whatever its size (states, clocks,
    brands, policies and events are read with IN queries; clocks are inserted in
    multi-row statements), plus one per paused clock resumed. Does not commit.
    """
    earliest: dict[uuid.UUID, datetime] = {}
    for conversation_id, at in messages:
        if conversation_id not in earliest or at < earliest[conversation_id]:
            earliest[conversation_id] = at
    if not earliest:
        return
    ids = sorted(earliest, key=lambda item: (earliest[item], item))
    states = await _conversation_states(uow, ids)
    if len(states) != len(ids):
        raise NotFoundError("conversation not found")
    clocks = ClockRepository(uow)
    existing: dict[uuid.UUID, list[SlaClock]] = {conversation_id: [] for conversation_id in ids}
    for clock in await clocks.for_conversations(ids):
        existing[clock.conversation_id].append(clock)
    context = await _StartContext.load(uow, states.values(), earliest.values())
    rows: list[dict[str, Any]] = []
    for conversation_id in ids:
        conversation, at, mine = (
            states[conversation_id],
            earliest[conversation_id],
            existing[conversation_id],
        )
        if not conversation.is_waiting(at):
            await _resume(uow, mine, at=at)
        kinds = clock_kinds_to_start(
            first_response_ever=any(clock.kind == ClockKind.FIRST_RESPONSE for clock in mine),
            running=[clock.kind.value for clock in mine if clock.stopped_at is None],
        )
        rows.extend(context.clock_rows(conversation, kinds=kinds, at=at))
    await clocks.insert_running(rows, dialect=uow.dialect)
    await clocks.refresh_conversation_due(ids)


@dataclass
class _StartContext:
    """What starting clocks reads about brands, read once per batch."""

    brands: dict[uuid.UUID, Brand]
    policies: dict[uuid.UUID, list[SlaPolicy]]
    events: list[BrandEvent]
    calendars: _Calendars

    @classmethod
    async def load(
        cls,
        uow: UnitOfWork,
        conversations: Iterable[_ConversationState],
        times: Iterable[datetime],
    ) -> "_StartContext":
        brand_ids = sorted({conversation.brand_id for conversation in conversations})
        moments = list(times)
        brands = {brand.id: brand for brand in await BrandRepository(uow).get_many(brand_ids)}
        policies: dict[uuid.UUID, list[SlaPolicy]] = {brand_id: [] for brand_id in brand_ids}
        for policy in await PolicyRepository(uow).current_for_brands(brand_ids):
            policies[policy.brand_id].append(policy)
        result = await uow.session.execute(
            select(BrandEvent)
            .where(
                BrandEvent.brand_id.in_(brand_ids),
                BrandEvent.starts_at <= max(moments),
                BrandEvent.ends_at >= min(moments),
            )
            .order_by(BrandEvent.starts_at, BrandEvent.id)
        )
        return cls(brands, policies, list(result.scalars()), _Calendars(brands))

    def clock_rows(
        self, conversation: _ConversationState, *, kinds: Sequence[str], at: datetime
    ) -> list[dict[str, Any]]:
        if not kinds:
            return []
        brand = self.brands[conversation.brand_id]
        chosen = choose_policy(
            [
                PolicyChoice(key=policy, priority=policy.priority, service_tier=policy.service_tier)
                for policy in self.policies[brand.id]
            ],
            priority=conversation.priority,
            service_tier=brand.service_tier.value,
            any_value=ANY,
        )
        if not isinstance(chosen, SlaPolicy):
            return []
        calendar = self.calendars.for_policy(chosen, at)
        events = [
            ActiveBrandEvent.from_model(event)
            for event in self.events
            if event.brand_id == brand.id
            and is_active(starts_at=event.starts_at, ends_at=event.ends_at, at=at)
            and affects_channel(event.affected_channel_ids, conversation.channel_id)
        ]
        by_id = {event.id: event for event in events}
        applied = strongest_event_factor(
            EventFactor(key=event.id, factor=event.sla_factor) for event in events
        )
        rows = []
        for kind in kinds:
            target = _policy_target(chosen, kind)
            if target is None:
                continue
            event_values: dict[str, Any] = {
                "event_id": None,
                "event_factor": None,
                "event_reason": None,
            }
            if applied is not None and kind in _RESPONSE_KINDS:
                event = by_id[applied.key]  # type: ignore[index]
                target = scaled_target(target, applied.factor)
                event_values = {
                    "event_id": event.id,
                    "event_factor": applied.factor,
                    "event_reason": sla_reason(
                        kind=event.kind, title=event.title, factor=applied.factor
                    ),
                }
            try:
                due_at, warn_at = due_and_warning(
                    calendar, at, target, timedelta(minutes=chosen.warning_minutes)
                )
            except CalendarError:
                continue
            rows.append(
                {
                    "id": new_id(),
                    "created_at": at,
                    "conversation_id": conversation.id,
                    "brand_id": brand.id,
                    "kind": ClockKind(kind),
                    "policy_id": chosen.id,
                    "policy_version": chosen.version,
                    "target_seconds": int(target.total_seconds()),
                    "started_at": at,
                    "due_at": due_at,
                    "warn_at": warn_at,
                    "paused_at": at if conversation.is_waiting(at) else None,
                    "paused_seconds": 0,
                    "stopped_at": None,
                    "warned_at": None,
                    "breached_at": None,
                    **event_values,
                }
            )
        return rows


async def record_first_response(
    uow: UnitOfWork, *, conversation_id: uuid.UUID, at: datetime
) -> None:
    """A reply was sent at `at`: stop the running first- and next-response clocks.

    The stopped clocks keep their due time, so a late reply stays visible as a
    broken promise. Does not commit.
    """
    clocks = ClockRepository(uow)
    await clocks.stop(conversation_id, kinds=_RESPONSE_KINDS, at=at)
    await clocks.refresh_conversation_due([conversation_id])


async def on_status_change(
    uow: UnitOfWork, *, conversation_id: uuid.UUID, status: ConversationStatus, at: datetime
) -> None:
    """Follow a status change at `at`: `pending_customer` pauses every running clock,
    `resolved`/`closed` stop them, any other status resumes paused clocks (unless the
    conversation is snoozed). Does not commit."""
    clocks = ClockRepository(uow)
    if status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        await clocks.stop(conversation_id, kinds=None, at=at)
    elif status is ConversationStatus.PENDING_CUSTOMER:
        await clocks.pause(conversation_id, at=at)
    else:
        conversation = await _conversation_state(uow, conversation_id)
        if conversation.snoozed_until is None or conversation.snoozed_until <= at:
            await _resume(uow, await clocks.for_conversations([conversation_id]), at=at)
    await clocks.refresh_conversation_due([conversation_id])


async def on_snooze_change(
    uow: UnitOfWork, *, conversation_id: uuid.UUID, snoozed_until: datetime | None, at: datetime
) -> None:
    """Follow a snooze set (`snoozed_until` in the future: pause) or lifted (resume unless
    the conversation waits on the customer). Does not commit."""
    clocks = ClockRepository(uow)
    if snoozed_until is not None and snoozed_until > at:
        await clocks.pause(conversation_id, at=at)
    else:
        conversation = await _conversation_state(uow, conversation_id)
        if conversation.status is not ConversationStatus.PENDING_CUSTOMER:
            await _resume(uow, await clocks.for_conversations([conversation_id]), at=at)
    await clocks.refresh_conversation_due([conversation_id])


async def _resume(uow: UnitOfWork, existing: Sequence[SlaClock], *, at: datetime) -> None:
    paused = [
        clock for clock in existing if clock.paused_at is not None and clock.stopped_at is None
    ]
    if not paused:
        return
    policies = {
        policy.id: policy
        for policy in await PolicyRepository(uow).get_many(
            list({clock.policy_id for clock in paused})
        )
    }
    calendars = await _calendars_for(uow, {policy.brand_id for policy in policies.values()})
    repository = ClockRepository(uow)
    for clock in paused:
        assert clock.paused_at is not None
        calendar = calendars.for_policy(policies[clock.policy_id], at)
        due_at = resumed_due_time(
            calendar, paused_at=clock.paused_at, resumed_at=at, due_at=clock.due_at
        )
        warn_at = resumed_due_time(
            calendar, paused_at=clock.paused_at, resumed_at=at, due_at=clock.warn_at
        )
        paused_for = max(int((at - clock.paused_at).total_seconds()), 0)
        await repository.set_resumed(
            clock.id,
            due_at=due_at,
            warn_at=min(warn_at, due_at),
            paused_seconds=clock.paused_seconds + paused_for,
        )


# --- reads ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConversationSla:
    """A conversation's SLA as the inbox shows it.

    Due times are those of running clocks (None when the kind does not run).
    `breached`: a clock was breached, is overdue, or was stopped late.
    `remaining_business_seconds`: business time left on the governing clock
    (the running one due soonest), negative once overdue (calendar seconds).
    The policy and the event are the governing clock's.
    """

    conversation_id: uuid.UUID
    first_response_due_at: datetime | None = None
    next_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    paused: bool = False
    breached: bool = False
    remaining_business_seconds: int | None = None
    policy_id: uuid.UUID | None = None
    policy_name: str | None = None
    policy_version: int | None = None
    event_id: uuid.UUID | None = None
    event_factor: float | None = None
    event_reason: str | None = None
    clock_ids: tuple[uuid.UUID, ...] = field(default=())


def _is_breached(clock: SlaClock, now: datetime) -> bool:
    if clock.breached_at is not None:
        return True
    if clock.stopped_at is not None:
        return clock.stopped_at > clock.due_at
    return clock.paused_at is None and clock.due_at < now


async def sla_for_conversations(
    uow: UnitOfWork, conversation_ids: Sequence[uuid.UUID], *, now: datetime | None = None
) -> dict[uuid.UUID, ConversationSla]:
    """The SLA of each conversation (one entry per id asked; empty SLA without clocks).

    A batch loader: three queries whatever the number of ids (clocks, their
    policies, their brands). No permission check: callers authorise the
    conversations first.
    """
    moment = now or utcnow()
    clocks = await ClockRepository(uow).for_conversations(conversation_ids)
    policies = {
        policy.id: policy
        for policy in await PolicyRepository(uow).get_many(
            list({clock.policy_id for clock in clocks})
        )
    }
    calendars = await _calendars_for(uow, {clock.brand_id for clock in clocks})
    by_conversation: dict[uuid.UUID, list[SlaClock]] = {}
    for clock in clocks:
        by_conversation.setdefault(clock.conversation_id, []).append(clock)
    answer: dict[uuid.UUID, ConversationSla] = {}
    for conversation_id in conversation_ids:
        own = by_conversation.get(conversation_id, [])
        running = [clock for clock in own if clock.stopped_at is None]
        due = {clock.kind: clock.due_at for clock in running}
        governing = min(running, key=lambda clock: clock.due_at, default=None) or (
            own[-1] if own else None
        )
        remaining: int | None = None
        policy = policies.get(governing.policy_id) if governing is not None else None
        if governing is not None and governing.stopped_at is None and policy is not None:
            calendar = calendars.for_policy(policy, moment)
            since = governing.paused_at or moment
            remaining = int(
                remaining_business_time(calendar, since, governing.due_at).total_seconds()
            )
        answer[conversation_id] = ConversationSla(
            conversation_id=conversation_id,
            first_response_due_at=due.get(ClockKind.FIRST_RESPONSE),
            next_response_due_at=due.get(ClockKind.NEXT_RESPONSE),
            resolution_due_at=due.get(ClockKind.RESOLUTION),
            paused=bool(running) and all(clock.paused_at is not None for clock in running),
            breached=any(_is_breached(clock, moment) for clock in own),
            remaining_business_seconds=remaining,
            policy_id=None if policy is None else policy.id,
            policy_name=None if policy is None else policy.name,
            policy_version=None if governing is None else governing.policy_version,
            event_id=None if governing is None else governing.event_id,
            event_factor=None if governing is None else governing.event_factor,
            event_reason=None if governing is None else governing.event_reason,
            clock_ids=tuple(clock.id for clock in own),
        )
    return answer


async def conversation_sla(
    uow: UnitOfWork, grantee: Grantee, *, conversation_id: uuid.UUID, now: datetime
) -> ConversationSla:
    """One conversation's SLA; needs `inbox:read` on its brand (`NotFoundError` if not in
    the tenant, `PermissionDeniedError` if not allowed)."""
    conversation = await _conversation_state(uow, conversation_id)
    require(grantee, Permission.INBOX_READ, brand_id=conversation.brand_id)
    found = await sla_for_conversations(uow, [conversation.id], now=now)
    return found[conversation.id]


async def clocks_of_conversation(
    uow: UnitOfWork, grantee: Grantee, *, conversation_id: uuid.UUID
) -> list[SlaClock]:
    """Every clock of a conversation, oldest first; needs `inbox:read` on its brand."""
    conversation = await _conversation_state(uow, conversation_id)
    require(grantee, Permission.INBOX_READ, brand_id=conversation.brand_id)
    return await ClockRepository(uow).for_conversations([conversation.id])


async def seed_brand_sla(
    uow: UnitOfWork, *, brand_id: uuid.UUID, events: Sequence[Mapping[str, Any]]
) -> None:
    """Seed a brand's events calendar from catalogue entries and its default policy.

    Idempotent (events upserted by their catalogue id; a policy only when the
    brand has none). For the demo seed; does not commit.
    """
    await import_brand_events(uow, brand_id=brand_id, entries=events)
    await ensure_default_policy(uow, brand_id=brand_id)
