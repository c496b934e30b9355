"""Use cases of triage: agents correct labels; incidents are listed and resolved.

Each use case takes a scoped unit of work and the caller's `Grantee`, fetches in the
tenant first (another tenant's objects are not found), then authorises.
"""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from domain.authz.policy import Grantee, Permission, require, visible_brand_ids
from domain.brands.repository import BrandRepository
from domain.conversations.repository import ConversationRepository
from domain.conversations.service import INBOX_EVENT_TOPIC, queue_outbox
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention, MentionDirection, TriageStatus
from domain.shared.clock import utcnow
from domain.shared.errors import NotFoundError, ValidationError
from domain.shared.ids import new_id
from domain.triage.feedback import (
    FieldChange,
    apply_changes,
    change_reason,
    label_changes,
    validate_correction,
    with_derived_priority,
)
from domain.triage.incidents import index_message
from domain.triage.ingestion import brand_profiles, refresh_conversation_priorities
from domain.triage.models import FeedbackField, Incident, IncidentStatus, TriageFeedback
from domain.triage.repository import (
    IncidentRepository,
    TriageFeedbackRepository,
    insert_feedback_rows,
    lock_mention,
)

__all__ = [
    "INCIDENT_RESOLVED_EVENT",
    "TRIAGE_CORRECTED_EVENT",
    "TriageCorrection",
    "correct_triage",
    "incidents_by_ids",
    "list_incidents",
    "list_triage_feedback",
    "resolve_incident",
]

#: The conversation event (and inbox event) a correction writes.
TRIAGE_CORRECTED_EVENT: Final = "triage_corrected"

#: The inbox event written when someone resolves an incident.
INCIDENT_RESOLVED_EVENT: Final = "incident_resolved"

MAX_FEEDBACK_LIMIT: Final = 10_000
MAX_INCIDENT_LIMIT: Final = 500


@dataclass(frozen=True, slots=True)
class TriageCorrection:
    """The corrected mention (labels as now stored) and what changed; no changes when
    every requested value was already the mention's."""

    mention: Mention
    changes: tuple[FieldChange, ...]


async def correct_triage(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    mention_id: uuid.UUID,
    priority: str | None = None,
    category: str | None = None,
    sentiment: str | None = None,
    department: str | None = None,
    note: str | None = None,
) -> TriageCorrection:
    """Set labels of an inbound mention as an agent says; commits.

    None leaves a label as it is; ``department="none"`` clears the escalation; a
    corrected category sets the priority it implies unless ``priority`` is given too.
    Raises `NotFoundError` (no such mention in the tenant), `PermissionDeniedError`
    (no `inbox:write` on the mention's brand), `InvalidTriageLabel` (unknown value;
    departments are the brand's escalation routes) and `ValidationError` for the
    brand's own messages. When something changes, in one transaction:

    * the mention's labels take the new values, keep the model's under ``"model"``,
      and say ``"corrected": True``; a reason line says what the agent changed; the
      version is bumped and an `index_mention` outbox row queued;
    * one `triage_feedback` row per changed label (who, when, old → new, the note),
      which later triage of this tenant consults for near-identical mentions;
    * the conversation's priority follows (`refresh_conversation_priorities`), and a
      `triage_corrected` conversation event is recorded with an inbox event.
    Two agents correcting one mention at once apply one after the other (row lock).
    """
    mention = await lock_mention(uow, mention_id)
    if mention is None or mention.deleted_at is not None:
        raise NotFoundError("Mention not found")
    require(grantee, Permission.INBOX_WRITE, brand_id=mention.brand_id)
    if mention.direction is not MentionDirection.INBOUND:
        raise ValidationError("the brand's own messages are not triaged", field="mentionId")
    departments: tuple[str, ...] = ()
    if department is not None:
        profile = (await brand_profiles(uow, {mention.brand_id}))[mention.brand_id]
        departments = tuple(route.department for route in profile.routes)
    requested = validate_correction(
        priority=priority,
        category=category,
        sentiment=sentiment,
        department=department,
        departments=departments,
    )
    changes = label_changes(mention.labels, with_derived_priority(requested))
    if not changes:
        return TriageCorrection(mention=mention, changes=())

    now = utcnow()
    actor = uow.actor
    mention.labels = apply_changes(mention.labels, changes)
    mention.reasons = [*mention.reasons, change_reason(changes)]
    mention.triage_status = TriageStatus.DONE
    mention.version += 1
    correction_id = new_id()
    insert_feedback_rows(
        uow,
        [
            TriageFeedback(
                id=new_id(),
                created_at=now,
                correction_id=correction_id,
                mention_id=mention.id,
                brand_id=mention.brand_id,
                field=FeedbackField(change.field),
                old_value=change.old_value,
                new_value=change.new_value,
                note=note,
                actor_kind=actor.kind.value,
                actor_id=actor.id,
            )
            for change in changes
        ],
    )
    await uow.flush()
    messages = [index_message(mention, now)]
    # After the `triaged` event (and its inbox event) a priority change may write.
    corrected_at = now + timedelta(milliseconds=1)
    if mention.conversation_id is not None:
        await refresh_conversation_priorities(
            uow, conversation_ids={mention.conversation_id}, now=now
        )
        await ConversationRepository(uow).insert_events(
            [
                {
                    "id": new_id(),
                    "created_at": corrected_at,
                    "conversation_id": mention.conversation_id,
                    "kind": TRIAGE_CORRECTED_EVENT,
                    "actor_kind": actor.kind.value,
                    "actor_id": actor.id,
                    "data": {
                        "mention_id": str(mention.id),
                        "correction_id": str(correction_id),
                        "changes": [
                            {"field": item.field, "old": item.old_value, "new": item.new_value}
                            for item in changes
                        ],
                    },
                }
            ]
        )
        messages.append(
            _inbox_event(
                corrected_at,
                kind=TRIAGE_CORRECTED_EVENT,
                brand_id=mention.brand_id,
                conversation_id=mention.conversation_id,
                mention_id=mention.id,
            )
        )
    await queue_outbox(uow, messages)
    await uow.commit()
    return TriageCorrection(mention=mention, changes=tuple(changes))


async def list_triage_feedback(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    brand_ids: Collection[uuid.UUID] | None = None,
    limit: int = 100,
    since: datetime | None = None,
) -> list[TriageFeedback]:
    """The tenant's feedback rows on brands the grantee may read the inbox of (narrowed
    to ``brand_ids`` when given), newest first, at most ``limit`` (1–10,000), created
    at or after ``since`` when given. Brands not visible are silently left out."""
    _check_limit(limit, MAX_FEEDBACK_LIMIT)
    brands = await _readable_brands(uow, grantee, brand_ids)
    if not brands:
        return []
    return await TriageFeedbackRepository(uow).list_recent(
        brand_ids=brands, since=since, limit=limit
    )


async def list_incidents(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    brand_ids: Collection[uuid.UUID] | None = None,
    status: IncidentStatus | str | None = None,
    limit: int = 50,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[Incident]:
    """The tenant's incidents on brands the grantee may read the inbox of (narrowed to
    ``brand_ids`` when given), most recently active first (by ``(last_seen_at, id)``
    descending), at most ``limit`` (1–500), only those sorting after the key ``after``
    when given (keyset paging). Raises `ValidationError` for an unknown status."""
    _check_limit(limit, MAX_INCIDENT_LIMIT)
    try:
        wanted = IncidentStatus(status) if status is not None else None
    except ValueError:
        raise ValidationError(f"unknown incident status '{status}'", field="status") from None
    brands = await _readable_brands(uow, grantee, brand_ids)
    if not brands:
        return []
    return await IncidentRepository(uow).list_recent(
        brand_ids=brands, status=wanted, limit=limit, after=after
    )


async def incidents_by_ids(
    uow: UnitOfWork, *, grantee: Grantee, incident_ids: Sequence[uuid.UUID]
) -> list[Incident | None]:
    """The incidents with these ids, in order; None for an id not in the tenant or on a
    brand whose inbox the grantee may not read (the two look alike)."""
    found = {item.id: item for item in await IncidentRepository(uow).by_ids(set(incident_ids))}
    brands = {item.brand_id for item in found.values()}
    readable = set(visible_brand_ids(grantee, Permission.INBOX_READ, brands))
    return [
        found[incident_id]
        if incident_id in found and found[incident_id].brand_id in readable
        else None
        for incident_id in incident_ids
    ]


async def resolve_incident(
    uow: UnitOfWork, *, grantee: Grantee, incident_id: uuid.UUID
) -> Incident:
    """Mark an incident resolved (who, when) and write an `incident_resolved` inbox
    event; commits. Resolving a resolved incident changes nothing. Raises
    `NotFoundError` (not in the tenant) and `PermissionDeniedError` (no `inbox:write`
    on its brand). Later similar posts join it without a new alert."""
    incident = await IncidentRepository(uow).get_for_update(incident_id)
    if incident is None:
        raise NotFoundError("Incident not found")
    require(grantee, Permission.INBOX_WRITE, brand_id=incident.brand_id)
    if incident.status is IncidentStatus.RESOLVED:
        return incident
    now = utcnow()
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = now
    incident.resolved_by = f"{uow.actor.kind.value}:{uow.actor.id}"
    await uow.flush()
    event = _inbox_event(now, kind=INCIDENT_RESOLVED_EVENT, brand_id=incident.brand_id)
    event["payload"].update(incident_id=str(incident.id), incident_key=incident.key)
    await queue_outbox(uow, [event])
    await uow.commit()
    return incident


async def _readable_brands(
    uow: UnitOfWork, grantee: Grantee, brand_ids: Collection[uuid.UUID] | None
) -> list[uuid.UUID]:
    tenant_brands = await BrandRepository(uow).all_ids()
    visible = visible_brand_ids(grantee, Permission.INBOX_READ, tenant_brands)
    if brand_ids is None:
        return visible
    wanted = set(brand_ids)
    return [brand_id for brand_id in visible if brand_id in wanted]


def _check_limit(limit: int, maximum: int) -> None:
    if not 1 <= limit <= maximum:
        raise ValidationError(f"limit must be between 1 and {maximum}", field="limit")


def _inbox_event(
    now: datetime,
    *,
    kind: str,
    brand_id: uuid.UUID,
    conversation_id: uuid.UUID | None = None,
    mention_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "created_at": now,
        "topic": INBOX_EVENT_TOPIC,
        "payload": {
            "conversation_id": str(conversation_id) if conversation_id else None,
            "brand_id": str(brand_id),
            "kind": kind,
            "mention_id": str(mention_id) if mention_id else None,
        },
        "attempts": 0,
        "next_attempt_at": now,
        "done_at": None,
        "last_error": None,
    }
