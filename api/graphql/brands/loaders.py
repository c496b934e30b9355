"""Per-request DataLoaders of the brands area: brands, channel health, failed events.

Each batch opens its own short unit of work in the caller's tenant and asks one
domain service with the caller's grantee; what the caller may not see loads as None.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from strawberry.dataloader import DataLoader

from api.graphql.context import ParleyContext
from domain.brands.models import Brand
from domain.brands.service import get_visible_brands
from domain.channels.health import ChannelHealthReport
from domain.channels.service import get_visible_channel_health
from domain.ingestion.models import InboundEvent
from domain.ingestion.service import list_failed_inbound_events_of_channels
from domain.shared.clock import utcnow


@dataclass(frozen=True, slots=True)
class FailedEventsKey:
    """One channel's page of failed events: `limit` rows older than `before`."""

    channel_id: uuid.UUID
    before: tuple[datetime, uuid.UUID] | None
    limit: int


class BrandLoaders:
    """The brands area's loaders of one request."""

    def __init__(self, context: ParleyContext) -> None:
        self._context = context
        self.brand: DataLoader[uuid.UUID, Brand | None] = DataLoader(load_fn=self._brands)
        self.health: DataLoader[uuid.UUID, ChannelHealthReport | None] = DataLoader(
            load_fn=self._health
        )
        self.failed_events: DataLoader[FailedEventsKey, list[InboundEvent]] = DataLoader(
            load_fn=self._failed_events
        )

    async def _brands(self, brand_ids: list[uuid.UUID]) -> Sequence[Brand | None]:
        grantee = await self._context.grantee()
        async with self._context.unit_of_work() as uow:
            found = await get_visible_brands(uow, grantee, brand_ids)
        return [found.get(brand_id) for brand_id in brand_ids]

    async def _health(self, channel_ids: list[uuid.UUID]) -> Sequence[ChannelHealthReport | None]:
        grantee = await self._context.grantee()
        async with self._context.unit_of_work() as uow:
            reports = await get_visible_channel_health(uow, grantee, channel_ids, now=utcnow())
        return [reports.get(channel_id) for channel_id in channel_ids]

    async def _failed_events(self, keys: list[FailedEventsKey]) -> Sequence[list[InboundEvent]]:
        # Sibling channels of one list ask for the same page: one query per distinct page.
        pages: dict[tuple[tuple[datetime, uuid.UUID] | None, int], list[uuid.UUID]] = {}
        for key in keys:
            pages.setdefault((key.before, key.limit), []).append(key.channel_id)
        found: dict[FailedEventsKey, list[InboundEvent]] = {}
        async with self._context.unit_of_work() as uow:
            for (before, limit), channel_ids in pages.items():
                events = await list_failed_inbound_events_of_channels(
                    uow, channel_ids=channel_ids, before=before, limit=limit
                )
                for channel_id, rows in events.items():
                    found[FailedEventsKey(channel_id, before, limit)] = rows
        return [found.get(key, []) for key in keys]


_STATE_KEY = "brand_loaders"


def brand_loaders(context: ParleyContext) -> BrandLoaders:
    """The request's brand-area loaders, created on first use."""
    # The context is one object per request; its instance dict carries our loaders.
    loaders = context.__dict__.get(_STATE_KEY)
    if not isinstance(loaders, BrandLoaders):
        loaders = BrandLoaders(context)
        context.__dict__[_STATE_KEY] = loaders
    return loaders
