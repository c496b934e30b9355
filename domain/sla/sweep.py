"""The SLA sweep: warnings and breaches claimed once per clock, and escalation.

`sweep_sla_clocks` runs per tenant from the worker's cron (`workers/jobs/sla.py`).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update

from domain.assignment.repository import TeamRepository
from domain.conversations.models import Conversation
from domain.conversations.repository import ConversationRepository
from domain.conversations.service import INBOX_EVENT_TOPIC, queue_outbox
from domain.db.uow import UnitOfWork
from domain.shared.ids import new_id
from domain.sla.repository import ClaimedClock, ClockRepository, PolicyRepository

#: Outbox topic of breach escalations to a team lead (delivered by the notifications consumer).
SLA_ESCALATION_TOPIC = "sla_escalation"
#: Clocks one sweep claims per kind of claim at most; the next sweep takes the rest.
DEFAULT_SWEEP_BATCH = 10_000
#: The conversation event recording that a breach raised the conversation's priority.
SLA_ESCALATED_EVENT = "sla_escalated"
#: Priority a breached conversation is raised to when its policy says so.
ESCALATED_PRIORITY = "hot"


@dataclass(frozen=True, slots=True)
class SweepRun:
    """What one sweep of one tenant did (counts only)."""

    warnings: int
    breaches: int
    priorities_raised: int
    leads_notified: int

    @property
    def claimed(self) -> int:
        return self.warnings + self.breaches


def _event_message(clock: ClaimedClock, *, kind: str, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "created_at": now,
        "topic": INBOX_EVENT_TOPIC,
        "payload": {
            "conversation_id": str(clock.conversation_id),
            "brand_id": str(clock.brand_id),
            "kind": kind,
            "clock": clock.kind,
            "clock_id": str(clock.id),
            "due_at": clock.due_at.isoformat(),
        },
        "attempts": 0,
        "next_attempt_at": now,
        "done_at": None,
        "last_error": None,
    }


async def sweep_sla_clocks(
    uow: UnitOfWork, *, now: datetime, batch_size: int = DEFAULT_SWEEP_BATCH
) -> SweepRun:
    """Emit due breaches and warnings of the scope's tenant, escalate breaches; commits.

    Each clock is claimed with an atomic UPDATE … WHERE breached_at/warned_at IS
    NULL … RETURNING, so two concurrent sweeps emit one event per clock. For
    each claim an `sla_breached`/`sla_warning` inbox event goes to the outbox
    (published on the tenant's realtime channel). Breaches escalate as the
    clock's policy says: the conversation's priority is raised to hot (with an
    `sla_escalated` conversation event; triage keeps it hot while the breached
    clock runs), and each
    team lead of the brand gets an `sla_escalation` outbox message. At most
    `batch_size` clocks per kind of claim; the next sweep takes the rest.
    """
    clocks = ClockRepository(uow)
    breaches = await clocks.claim_breaches(now=now, limit=batch_size, dialect=uow.dialect)
    warnings = await clocks.claim_warnings(now=now, limit=batch_size, dialect=uow.dialect)
    messages = [_event_message(clock, kind="sla_breached", now=now) for clock in breaches]
    messages += [_event_message(clock, kind="sla_warning", now=now) for clock in warnings]
    raised, notified = await _escalate(uow, breaches, now=now)
    await queue_outbox(uow, messages)
    await uow.commit()
    return SweepRun(
        warnings=len(warnings),
        breaches=len(breaches),
        priorities_raised=raised,
        leads_notified=notified,
    )


def _escalated_events(
    uow: UnitOfWork,
    breaches: Sequence[ClaimedClock],
    raised: set[uuid.UUID],
    *,
    now: datetime,
) -> list[dict[str, Any]]:
    """One `sla_escalated` conversation event per raised conversation (its first breach)."""
    first_breach: dict[uuid.UUID, ClaimedClock] = {}
    for clock in breaches:
        if clock.conversation_id in raised:
            first_breach.setdefault(clock.conversation_id, clock)
    return [
        {
            "id": new_id(),
            "created_at": now,
            "conversation_id": conversation_id,
            "kind": SLA_ESCALATED_EVENT,
            "actor_kind": uow.actor.kind.value,
            "actor_id": uow.actor.id,
            "data": {
                "priority": ESCALATED_PRIORITY,
                "clock": clock.kind,
                "clock_id": str(clock.id),
                "due_at": clock.due_at.isoformat(),
            },
        }
        for conversation_id, clock in sorted(first_breach.items())
    ]


async def _escalate(
    uow: UnitOfWork, breaches: Sequence[ClaimedClock], *, now: datetime
) -> tuple[int, int]:
    if not breaches:
        return 0, 0
    policies = {
        policy.id: policy
        for policy in await PolicyRepository(uow).get_many(
            list({clock.policy_id for clock in breaches})
        )
    }
    to_raise = {
        clock.conversation_id
        for clock in breaches
        if policies[clock.policy_id].breach_actions.get("raise_priority")
    }
    if to_raise:
        await uow.session.execute(
            update(Conversation)
            .where(Conversation.id.in_(list(to_raise)))
            .values(priority=ESCALATED_PRIORITY),
            execution_options={"synchronize_session": False},
        )
        await ConversationRepository(uow).insert_events(
            _escalated_events(uow, breaches, to_raise, now=now)
        )
    notify = [
        clock
        for clock in breaches
        if policies[clock.policy_id].breach_actions.get("notify_team_lead")
    ]
    leads = await TeamRepository(uow).leads_by_brand({clock.brand_id for clock in notify})
    messages = [
        {
            "id": new_id(),
            "created_at": now,
            "topic": SLA_ESCALATION_TOPIC,
            "payload": {
                "kind": "sla_breached",
                "conversation_id": str(clock.conversation_id),
                "brand_id": str(clock.brand_id),
                "clock": clock.kind,
                "due_at": clock.due_at.isoformat(),
                "recipient_user_id": str(lead_id),
            },
            "attempts": 0,
            "next_attempt_at": now,
            "done_at": None,
            "last_error": None,
        }
        for clock in notify
        for lead_id in leads.get(clock.brand_id, ())
    ]
    await queue_outbox(uow, messages)
    return len(to_raise), len(messages)
