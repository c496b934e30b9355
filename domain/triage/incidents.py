"""Incidents found by the spike detector, stored and announced.

The spike detector (`domain.triage.spikes`) works on the mentions of one triage run:
the new ones plus the brand's recently triaged ones, replayed. This module turns what
it found into `incidents` rows and mention labels:

* an incident's key is the one already stored on any of its members, so an incident
  that outlives the replay window (or a worker restart) keeps its key;
* members triaged before the burst crossed the threshold get the key afterwards
  (back-filled, with the priority the burst gives them unless an agent corrected it);
* the row is inserted once (`ON CONFLICT DO NOTHING`); the run that inserts it writes
  one `incident_opened` inbox event, unless the burst fell in planned maintenance.
"""

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from domain.conversations.service import INBOX_EVENT_TOPIC, queue_outbox
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention
from domain.mentions.search import INDEX_MENTION_TOPIC
from domain.shared.ids import new_id
from domain.triage.pipeline import TriageResult
from domain.triage.repository import IncidentRepository, IncidentSighting
from domain.triage.spikes import OUTAGE_TOPIC, Incident, content_terms

__all__ = [
    "INCIDENT_OPENED_EVENT",
    "INCIDENT_TERMS",
    "backfill_incident",
    "incident_kind",
    "incident_title",
    "index_message",
    "record_incidents",
    "shared_terms",
    "stored_keys",
]

#: The inbox event written once when an incident opens.
INCIDENT_OPENED_EVENT: Final = "incident_opened"

#: How many shared content terms an incident keeps.
INCIDENT_TERMS: Final = 5


def incident_kind(topic: str) -> str:
    """``outage`` for outage bursts, ``<category>_wave`` for other complaint bursts."""
    return "outage" if topic == OUTAGE_TOPIC else f"{topic}_wave"


def incident_title(topic: str, terms: Sequence[str]) -> str:
    """A short title from the kind and the shared terms (stems, never whole posts)."""
    head = "Outage reports" if topic == OUTAGE_TOPIC else f"Wave of {topic.replace('_', ' ')}s"
    return f"{head}: {', '.join(terms[:3])}" if terms else head


def shared_terms(texts: Iterable[str], *, ignored: Iterable[str] = ()) -> list[str]:
    """Content-word stems found in at least two of ``texts``, most shared first
    (ties alphabetical), at most `INCIDENT_TERMS`."""
    names = tuple(ignored)
    counts = Counter(term for text in texts for term in content_terms(text, ignored=names))
    ranked = sorted(
        (term for term, count in counts.items() if count >= 2), key=lambda t: (-counts[t], t)
    )
    return ranked[:INCIDENT_TERMS]


def stored_keys(
    incidents: Sequence[Incident], previous: Mapping[str, str | None]
) -> dict[str, str]:
    """The key each detected incident is stored under: the key already on its earliest
    member that has one (``previous`` maps mention ids to their stored incident key),
    else the detected key."""
    keys = {}
    for incident in incidents:
        known = [key for item in incident.mention_ids if (key := previous.get(item))]
        keys[incident.key] = known[0] if known else incident.key
    return keys


def backfill_incident(mention: Mention, result: TriageResult, key: str) -> None:
    """Give a mention triaged earlier the incident it turned out to belong to: the key,
    and the burst's priority, category and sentiment unless an agent corrected them.
    Bumps the version (the search index must take the new labels)."""
    labels: dict[str, Any] = dict(mention.labels)
    labels["incident"] = key
    if not labels.get("corrected"):
        labels["priority"] = result.labels.priority
        labels["category"] = result.labels.category
        labels["sentiment"] = result.labels.sentiment
    mention.labels = labels
    mention.reasons = [*mention.reasons, f"incident {key}: one of the posts that formed it"]
    mention.version += 1


def index_message(mention: Mention, now: datetime) -> dict[str, Any]:
    """The `index_mention` outbox row for the mention's current version."""
    return {
        "id": new_id(),
        "created_at": now,
        "topic": INDEX_MENTION_TOPIC,
        "payload": {"mention_id": str(mention.id), "version": mention.version},
        "attempts": 0,
        "next_attempt_at": now,
        "done_at": None,
        "last_error": None,
    }


async def record_incidents(
    uow: UnitOfWork,
    *,
    incidents: Sequence[Incident],
    keys: Mapping[str, str],
    mentions: Mapping[str, Mention],
    previous: Mapping[str, str | None],
    brand_names: Mapping[uuid.UUID, Sequence[str]],
    now: datetime,
) -> list[uuid.UUID]:
    """Upsert a row per detected incident and queue `incident_opened` for the ones this
    call created (and that are not planned). ``mentions`` by id are the run's mentions,
    ``previous`` their incident keys before the run. Returns the created incidents' ids.
    """
    repository = IncidentRepository(uow)
    created: list[uuid.UUID] = []
    messages: list[dict[str, Any]] = []
    for incident in incidents:
        members = [mentions[item] for item in incident.mention_ids if item in mentions]
        if not members:
            continue
        key = keys.get(incident.key, incident.key)
        brand_id = members[0].brand_id
        terms = shared_terms(
            (member.text for member in members), ignored=brand_names.get(brand_id, ())
        )
        sighting = IncidentSighting(
            brand_id=brand_id,
            key=key,
            kind=incident_kind(incident.topic),
            title=incident_title(incident.topic, terms),
            terms=terms,
            started_at=incident.opened_at,
            last_seen_at=incident.last_at,
            new_members=sum(1 for item in incident.mention_ids if previous.get(item) != key),
            planned_event=incident.planned_event,
        )
        incident_id = await repository.record(sighting, now=now)
        if incident_id is None:
            continue
        created.append(incident_id)
        if incident.raises_alert:
            messages.append(
                {
                    "id": new_id(),
                    "created_at": now,
                    "topic": INBOX_EVENT_TOPIC,
                    "payload": {
                        "kind": INCIDENT_OPENED_EVENT,
                        "incident_id": str(incident_id),
                        "incident_key": key,
                        "incident_kind": sighting.kind,
                        "brand_id": str(brand_id),
                        "mention_count": len(members),
                        "conversation_id": None,
                        "mention_id": None,
                    },
                    "attempts": 0,
                    "next_attempt_at": now,
                    "done_at": None,
                    "last_error": None,
                }
            )
    await queue_outbox(uow, messages)
    return created
