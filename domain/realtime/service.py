"""Realtime inbox events: outbox rows published for live agent apps.

Processing writes an `inbox_event` outbox row with every conversation change,
in the same transaction. This use case publishes the due rows of one tenant
to that tenant's channel and marks them done; the API's subscriptions listen
there. Delivery is at least once: a subscriber may see an event twice.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.conversations.service import INBOX_EVENT_TOPIC
from domain.db.outbox import (
    claim_due_messages,
    has_due_messages,
    mark_messages_done,
    postpone_messages,
)
from domain.db.uow import UnitOfWork

DEFAULT_BATCH_SIZE = 200


class EventPublisher(Protocol):
    """Publishes a message on a named channel (Redis pub/sub, or in-process)."""

    async def publish(self, channel: str, message: str) -> None:
        """Send `message`; raises `ConnectionError`/`OSError` when the broker is away."""
        ...


def inbox_channel(tenant_id: uuid.UUID) -> str:
    """The pub/sub channel of a tenant's inbox events."""
    return f"parley:inbox:{tenant_id}"


@dataclass(frozen=True, slots=True)
class PublishRun:
    claimed: int
    published: int
    postponed: int


async def has_due_inbox_events(uow: UnitOfWork, *, now: datetime) -> bool:
    """Whether the scope's tenant has inbox events waiting to be published."""
    return await has_due_messages(uow, topic=INBOX_EVENT_TOPIC, now=now)


async def publish_inbox_events(
    uow: UnitOfWork,
    *,
    publisher: EventPublisher,
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> PublishRun:
    """Publish up to `batch_size` due inbox events of the scope's tenant, in order; commits.

    When the broker is away the rest of the batch stays pending with a
    backoff (`postponed` > 0) and nothing is lost.
    """
    scope = uow.require_scope()
    rows = await claim_due_messages(uow, topic=INBOX_EVENT_TOPIC, now=now, batch_size=batch_size)
    channel = inbox_channel(scope.tenant_id)
    published: list[uuid.UUID] = []
    failure: str | None = None
    for row in rows:
        message = json.dumps(
            {"tenant_id": str(scope.tenant_id), "at": row.created_at.isoformat(), **row.payload},
            sort_keys=True,
        )
        try:
            await publisher.publish(channel, message)
        except (ConnectionError, OSError) as error:
            failure = type(error).__name__
            break
        published.append(row.id)
    await mark_messages_done(uow, published, now=now)
    waiting = [row for row in rows if row.id not in set(published)]
    for row in waiting:
        await postpone_messages(
            uow, [row.id], attempts=row.attempts + 1, now=now, reason=failure or "not published"
        )
    await uow.commit()
    return PublishRun(claimed=len(rows), published=len(published), postponed=len(waiting))
