"""The inbox event message: its wire shape and who may see it (pure, no I/O).

A message is the JSON object `publish_inbox_events` sends on a tenant's
channel: `tenant_id`, `at` (when the change was recorded, ISO 8601), `kind`,
`brand_id`, and `conversation_id` / `mention_id` where the change has them.
Other keys (an incident's id, counts) may ride along and are ignored here.
"""

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """One change a live inbox shows: ids only, never message content."""

    tenant_id: uuid.UUID
    kind: str
    brand_id: uuid.UUID
    occurred_at: datetime
    conversation_id: uuid.UUID | None = None
    mention_id: uuid.UUID | None = None


def encode_inbox_event(
    *, tenant_id: uuid.UUID, occurred_at: datetime, payload: dict[str, Any]
) -> str:
    """The message published for an `inbox_event` outbox row (keys sorted)."""
    return json.dumps(
        {"tenant_id": str(tenant_id), "at": occurred_at.isoformat(), **payload}, sort_keys=True
    )


def decode_inbox_event(message: str | bytes) -> InboxEvent | None:
    """The event in `message`, or None when it is not a well-formed inbox event.

    A subscriber skips what it cannot read rather than failing the stream.
    """
    try:
        data = json.loads(message)
        return InboxEvent(
            tenant_id=uuid.UUID(data["tenant_id"]),
            kind=str(data["kind"]),
            brand_id=uuid.UUID(data["brand_id"]),
            occurred_at=datetime.fromisoformat(data["at"]),
            conversation_id=_optional_id(data.get("conversation_id")),
            mention_id=_optional_id(data.get("mention_id")),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def is_delivered(
    event: InboxEvent,
    *,
    tenant_id: uuid.UUID,
    brand_ids: Collection[uuid.UUID],
    conversation_id: uuid.UUID | None = None,
) -> bool:
    """Whether a subscriber of `tenant_id` watching `brand_ids` (and, when given,
    only `conversation_id`) receives `event`.

    The tenant is checked again even though channels are per tenant: a message
    on the wrong channel must never leak.
    """
    if event.tenant_id != tenant_id or event.brand_id not in brand_ids:
        return False
    return conversation_id is None or event.conversation_id == conversation_id


def _optional_id(value: Any) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))
