"""Realtime inbox events: outbox rows published for live agent apps.

Processing writes an `inbox_event` outbox row with every conversation change,
in the same transaction. This use case publishes the due rows of one tenant
to that tenant's channel and marks them done; the API's subscriptions listen
there. Delivery is at least once: a subscriber may see an event twice.

Processing asks for `publish_inbox_events` right after its commit (job id
`realtime:{tenant_id}`, so a burst coalesces into one run); the outbox drain
cron is the safety net for a request that was lost.

Subscribers are authorised once, when they subscribe
(`inbox_subscription_brands`, `conversation_subscription_brand`), like the
matching queries; each message is then filtered with `rules.is_delivered`.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from domain.authz.policy import (
    Grantee,
    Permission,
    effective_permissions,
    require,
    visible_brand_ids,
)
from domain.brands.repository import BrandRepository
from domain.conversations.repository import ConversationRepository
from domain.conversations.service import INBOX_EVENT_TOPIC
from domain.db.outbox import (
    claim_due_messages,
    has_due_messages,
    mark_messages_done,
    postpone_messages,
)
from domain.db.uow import UnitOfWork
from domain.realtime.rules import encode_inbox_event
from domain.shared.errors import NotFoundError, PermissionDeniedError

DEFAULT_BATCH_SIZE = 200

#: The job that publishes a tenant's due inbox events (one queued or running per tenant).
PUBLISH_INBOX_EVENTS_JOB: Final = "publish_inbox_events"


class EventPublisher(Protocol):
    """Publishes a message on a named channel (Redis pub/sub, or in-process)."""

    async def publish(self, channel: str, message: str) -> None:
        """Send `message`; raises `ConnectionError`/`OSError` when the broker is away."""
        ...

    async def publish_many(self, channel: str, messages: Sequence[str]) -> None:
        """Send `messages` in order, in one exchange with the broker where it allows;
        raises like `publish`, and then any of them may have been sent."""
        ...


def inbox_channel(tenant_id: uuid.UUID) -> str:
    """The pub/sub channel of a tenant's inbox events."""
    return f"parley:inbox:{tenant_id}"


def realtime_job_id(tenant_id: uuid.UUID) -> str:
    """The id of a tenant's `publish_inbox_events` job."""
    return f"realtime:{tenant_id}"


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
    messages = [
        encode_inbox_event(
            tenant_id=scope.tenant_id, occurred_at=row.created_at, payload=row.payload
        )
        for row in rows
    ]
    try:
        await publisher.publish_many(channel, messages)
    except (ConnectionError, OSError) as error:
        # The whole batch is tried again later: subscribers may see some of these
        # events twice (pub/sub delivery is at least once), never lose one.
        by_attempts: dict[int, list[uuid.UUID]] = {}
        for row in rows:
            by_attempts.setdefault(row.attempts + 1, []).append(row.id)
        for attempts, ids in by_attempts.items():
            await postpone_messages(
                uow, ids, attempts=attempts, now=now, reason=type(error).__name__
            )
        await uow.commit()
        return PublishRun(claimed=len(rows), published=0, postponed=len(rows))
    await mark_messages_done(uow, [row.id for row in rows], now=now)
    await uow.commit()
    return PublishRun(claimed=len(rows), published=len(rows), postponed=0)


async def inbox_subscription_brands(
    uow: UnitOfWork, grantee: Grantee, *, brand_ids: Sequence[uuid.UUID] | None
) -> frozenset[uuid.UUID]:
    """The brands whose inbox events `grantee` receives: `brand_ids`, or every brand
    of the scope's tenant on which `grantee` may read the inbox when None.

    `PermissionDeniedError` when `grantee` may not read any inbox;
    `NotFoundError` when a requested brand is not in the tenant or not readable
    (another tenant's brand looks the same as a missing one). The set is fixed
    for the subscription: a brand granted later needs a new subscription.
    """
    if Permission.INBOX_READ not in effective_permissions(grantee):
        raise PermissionDeniedError(f"{grantee.role} may not read the inbox")
    tenant_brands = await BrandRepository(uow).all_ids()
    readable = frozenset(visible_brand_ids(grantee, Permission.INBOX_READ, tenant_brands))
    if brand_ids is None:
        return readable
    requested = frozenset(brand_ids)
    if not requested <= readable:
        raise NotFoundError("no such brand")
    return requested


async def conversation_subscription_brand(
    uow: UnitOfWork, grantee: Grantee, *, conversation_id: uuid.UUID
) -> uuid.UUID:
    """The brand of the conversation whose events `grantee` subscribes to.

    The conversation is fetched in the scope's tenant first (`NotFoundError`,
    also for another tenant's id), then `PermissionDeniedError` unless
    `grantee` may read the inbox of its brand.
    """
    conversation = await ConversationRepository(uow).get(conversation_id)
    require(grantee, Permission.INBOX_READ, brand_id=conversation.brand_id)
    return conversation.brand_id
