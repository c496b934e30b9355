"""Queries of channels."""

import uuid
from collections.abc import Collection

from sqlalchemy import tuple_

from domain.channels.models import Channel, ChannelKind
from domain.db.repository import ScopedRepository


class ChannelRepository(ScopedRepository[Channel]):
    model = Channel

    async def list_for_brands(self, brand_ids: list[uuid.UUID]) -> list[Channel]:
        result = await self.session.execute(
            self._select().where(Channel.brand_id.in_(brand_ids)).order_by(Channel.name)
        )
        return list(result.scalars())

    async def page_for_brands(
        self,
        brand_ids: Collection[uuid.UUID],
        *,
        after: tuple[str, uuid.UUID] | None,
        limit: int,
    ) -> list[Channel]:
        """Channels of these brands by `(name, id)`, after that key."""
        statement = self._select().where(Channel.brand_id.in_(brand_ids))
        if after is not None:
            statement = statement.where(tuple_(Channel.name, Channel.id) > after)
        result = await self.session.execute(
            statement.order_by(Channel.name, Channel.id).limit(limit)
        )
        return list(result.scalars())

    async def get_by_handle_or_none(
        self, brand_id: uuid.UUID, kind: ChannelKind, handle: str
    ) -> Channel | None:
        result = await self.session.execute(
            self._select().where(
                Channel.brand_id == brand_id, Channel.kind == kind, Channel.handle == handle
            )
        )
        return result.scalar_one_or_none()
