"""Channel health report: is every channel still hearing from its platform?

Agencies must notice a silent or failing channel before a client does. The
report reads the channel's counters and what arrived in the last window.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from domain.channels.models import Channel, ChannelHealth
from domain.channels.rules import assess_health
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEvent, InboundEventStatus
from domain.mentions.models import Mention

DEFAULT_WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ChannelHealthReport:
    """One channel's health as of `now`.

    `mentions_in_window` counts content received in the window (posts,
    comments, DMs, edits update their mention); `failed_events_in_window`
    counts raw deliveries that could not be processed.
    """

    channel_id: uuid.UUID
    brand_id: uuid.UUID
    name: str
    kind: str
    health: ChannelHealth
    last_event_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    error_count: int
    mentions_in_window: int
    failed_events_in_window: int


async def channel_health_report(
    uow: UnitOfWork, *, now: datetime, window: timedelta = DEFAULT_WINDOW
) -> list[ChannelHealthReport]:
    """Every channel of the scope's tenant with its health, in three queries."""
    since = now - window
    channels = list((await uow.session.execute(select(Channel).order_by(Channel.name))).scalars())
    mention_counts = dict(
        (
            await uow.session.execute(
                select(Mention.channel_id, func.count())
                .where(Mention.received_at >= since)
                .group_by(Mention.channel_id)
            )
        ).all()
    )
    failure_counts = dict(
        (
            await uow.session.execute(
                select(InboundEvent.channel_id, func.count())
                .where(
                    InboundEvent.received_at >= since,
                    InboundEvent.status == InboundEventStatus.FAILED,
                )
                .group_by(InboundEvent.channel_id)
            )
        ).all()
    )
    return [
        ChannelHealthReport(
            channel_id=channel.id,
            brand_id=channel.brand_id,
            name=channel.name,
            kind=channel.kind.value,
            health=assess_health(
                is_active=channel.is_active,
                last_event_at=channel.last_event_at,
                last_error_at=channel.last_error_at,
                error_count=channel.error_count,
                now=now,
            ),
            last_event_at=channel.last_event_at,
            last_error_at=channel.last_error_at,
            last_error=channel.last_error,
            error_count=channel.error_count,
            mentions_in_window=int(mention_counts.get(channel.id, 0)),
            failed_events_in_window=int(failure_counts.get(channel.id, 0)),
        )
        for channel in channels
    ]
