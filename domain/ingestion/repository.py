"""Queries of ingestion: webhook endpoints, platform apps, inbound events, channel routing.

Inserts that can race (a platform retrying while the first delivery is still being
stored, two operators registering the same app) use `INSERT … ON CONFLICT DO NOTHING
RETURNING id`: the database decides who wins, and the loser learns it from the
missing id, never from a check made before the insert.
"""

import functools
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Insert, Select, Table, bindparam, exists, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from domain.channels.models import Channel, ChannelKind
from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.ingestion.models import (
    AppPlatform,
    InboundEvent,
    InboundEventStatus,
    PlatformApp,
    WebhookEndpoint,
)
from domain.shared.clock import utcnow
from domain.shared.ids import new_id

#: Longest `channels.last_error` the column holds.
_LAST_ERROR_LENGTH = 500

#: How stale a receiver lets `channels.last_event_at` get before writing it again.
LAST_EVENT_RESOLUTION = timedelta(seconds=1)


def _insert_ignoring_conflicts(
    dialect: str, model: type[Any], values: Mapping[str, Any], conflict_columns: Sequence[str]
) -> Insert:
    """`INSERT … ON CONFLICT (<columns>) DO NOTHING RETURNING id` on either database."""
    if dialect == "postgresql":
        return (
            postgresql.insert(model)
            .values(**values)
            .on_conflict_do_nothing(index_elements=list(conflict_columns))
            .returning(model.id)
        )
    if dialect == "sqlite":
        return (
            sqlite.insert(model)
            .values(**values)
            .on_conflict_do_nothing(index_elements=list(conflict_columns))
            .returning(model.id)
        )
    raise NotImplementedError(f"no idempotent insert for the {dialect} dialect")


_INBOUND_EVENT_COLUMNS = (
    "id",
    "tenant_id",
    "source",
    "dedupe_key",
    "app_id",
    "channel_id",
    "body",
    "headers",
    "received_at",
    "status",
    "attempts",
    "error",
    "created_at",
)


@functools.cache
def _inbound_event_insert(dialect: str) -> Insert:
    """The receivers' insert of one event, built once per dialect with bound parameters.

    Every webhook runs it: building the statement from values each time cost more
    CPU than the rest of storing the event.
    """
    table = cast(Table, InboundEvent.__table__)
    values = {name: bindparam(name, type_=table.c[name].type) for name in _INBOUND_EVENT_COLUMNS}
    if dialect == "postgresql":
        return (
            postgresql.insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["tenant_id", "source", "dedupe_key"])
            .returning(table.c.id)
        )
    if dialect == "sqlite":
        return (
            sqlite.insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["tenant_id", "source", "dedupe_key"])
            .returning(table.c.id)
        )
    raise NotImplementedError(f"no idempotent insert for the {dialect} dialect")


async def get_webhook_endpoint_or_none(
    uow: UnitOfWork, *, source: str, key: str
) -> WebhookEndpoint | None:
    """The endpoint of a webhook URL. Needs no scope: the routing table is not tenant-owned."""
    result = await uow.session.execute(
        select(WebhookEndpoint).where(WebhookEndpoint.source == source, WebhookEndpoint.key == key)
    )
    return result.scalar_one_or_none()


async def claim_webhook_endpoint(
    uow: UnitOfWork, *, source: str, key: str, tenant_id: uuid.UUID, target_id: uuid.UUID
) -> bool:
    """Register `(source, key)` for the tenant's app or channel; False when already taken."""
    statement = _insert_ignoring_conflicts(
        uow.dialect,
        WebhookEndpoint,
        {
            "id": new_id(),
            "source": source,
            "key": key,
            "tenant_id": tenant_id,
            "target_id": target_id,
            "created_at": utcnow(),
        },
        ("source", "key"),
    )
    result = await uow.session.execute(statement)
    return result.scalar_one_or_none() is not None


@functools.cache
def _inbound_event_insert_touching_channels() -> Select[uuid.UUID]:
    """PostgreSQL: the event insert and the channels' `last_event_at` in one statement.

    `WITH inserted AS (INSERT … ON CONFLICT DO NOTHING RETURNING id), touched AS
    (UPDATE channels … WHERE EXISTS (SELECT FROM inserted)) SELECT id FROM inserted`:
    the same two writes as `insert_if_new` then `record_delivery` for a readable
    event, and a duplicate still touches no channel, for one round trip instead of two.
    """
    channels = cast(Table, Channel.__table__)
    events = cast(Table, InboundEvent.__table__)
    # Parameters named apart from every column: execution parameters named like a
    # column of `channels` would be added to the UPDATE's SET clause.
    inserted = (
        postgresql.insert(events)
        .values(
            {
                name: bindparam(f"event_{name}", type_=events.c[name].type)
                for name in _INBOUND_EVENT_COLUMNS
            }
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "source", "dedupe_key"])
        .returning(events.c.id)
        .cte("inserted")
    )
    touched = (
        update(channels)
        .where(
            channels.c.tenant_id == bindparam("scope_tenant_id", type_=channels.c.tenant_id.type),
            channels.c.id.in_(bindparam("channel_ids", expanding=True)),
            or_(
                channels.c.last_event_at.is_(None),
                channels.c.last_event_at < bindparam("stale_before"),
            ),
            exists(select(inserted.c.id)),
        )
        .values(last_event_at=bindparam("touched_at", type_=channels.c.last_event_at.type))
        .cte("touched")
    )
    return select(inserted.c.id).add_cte(touched)


class PlatformAppRepository(ScopedRepository[PlatformApp]):
    model = PlatformApp

    async def get_by_app_id_or_none(self, platform: AppPlatform, app_id: str) -> PlatformApp | None:
        result = await self.session.execute(
            self._select().where(PlatformApp.platform == platform, PlatformApp.app_id == app_id)
        )
        return result.scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class NewInboundEvent:
    """A verified delivery as it is stored, before any parsing."""

    source: str
    dedupe_key: str
    body: bytes
    headers: Mapping[str, str]
    received_at: datetime
    status: InboundEventStatus
    error: str | None
    app_id: uuid.UUID | None
    channel_id: uuid.UUID | None


class InboundEventRepository(ScopedRepository[InboundEvent]):
    model = InboundEvent

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self.dialect = uow.dialect
        self._uow = uow

    def _event_values(self, event: NewInboundEvent) -> dict[str, Any]:
        """The column values of `event` as a new row of the scope's tenant."""
        return {
            "id": new_id(),
            "tenant_id": self.scope.tenant_id,
            "source": event.source,
            "dedupe_key": event.dedupe_key,
            "app_id": event.app_id,
            "channel_id": event.channel_id,
            "body": event.body,
            "headers": dict(event.headers),
            "received_at": event.received_at,
            "status": event.status,
            "attempts": 0,
            "error": event.error,
            "created_at": event.received_at,
        }

    async def insert_if_new(self, event: NewInboundEvent) -> uuid.UUID | None:
        """Store one delivery; its id, or None when `(tenant, source, dedupe_key)` exists.

        Concurrent inserts of the same key wait for each other in the database:
        exactly one of them gets an id.
        """
        result = await self.session.execute(
            _inbound_event_insert(self.dialect), self._event_values(event)
        )
        inserted: uuid.UUID | None = result.scalar_one_or_none()
        return inserted

    async def insert_if_new_touching_channels(
        self, event: NewInboundEvent, *, channel_ids: Collection[uuid.UUID]
    ) -> uuid.UUID | None:
        """`insert_if_new`, then, when it stored the event, `record_delivery` on `channel_ids`.

        On PostgreSQL a readable event (`error` None) does both in one statement;
        otherwise they are the two calls. Same outcome either way: the id, or None
        (and no channel touched) when `(tenant, source, dedupe_key)` exists.
        """
        if self.dialect != "postgresql" or event.error is not None or not channel_ids:
            event_id = await self.insert_if_new(event)
            if event_id is not None:
                await RoutingChannelRepository(self._uow).record_delivery(
                    channel_ids, at=event.received_at, error=event.error
                )
            return event_id
        values = {
            **{f"event_{name}": value for name, value in self._event_values(event).items()},
            "scope_tenant_id": self.scope.tenant_id,
            "channel_ids": list(channel_ids),
            "stale_before": event.received_at - LAST_EVENT_RESOLUTION,
            "touched_at": event.received_at,
        }
        result = await self.session.execute(_inbound_event_insert_touching_channels(), values)
        inserted: uuid.UUID | None = result.scalar_one_or_none()
        return inserted

    async def list_failed(self, *, channel_id: uuid.UUID | None, limit: int) -> list[InboundEvent]:
        """Failed events of the tenant (of one channel when given), newest first."""
        statement = self._select().where(InboundEvent.status == InboundEventStatus.FAILED)
        if channel_id is not None:
            statement = statement.where(InboundEvent.channel_id == channel_id)
        result = await self.session.execute(
            statement.order_by(InboundEvent.received_at.desc(), InboundEvent.id).limit(limit)
        )
        return list(result.scalars())

    async def page_failed_for_channels(
        self,
        channel_ids: Sequence[uuid.UUID],
        *,
        before: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[InboundEvent]:
        """Failed events of these channels, newest first by `(received_at, id)`, per channel.

        At most `limit` rows per channel, older than the key `before`: one
        statement with a window function, whatever the number of channels.
        """
        if not channel_ids:
            return []
        statement = self._select().where(
            InboundEvent.status == InboundEventStatus.FAILED,
            InboundEvent.channel_id.in_(channel_ids),
        )
        if before is not None:
            statement = statement.where(tuple_(InboundEvent.received_at, InboundEvent.id) < before)
        position = (
            func.row_number()
            .over(
                partition_by=InboundEvent.channel_id,
                order_by=(InboundEvent.received_at.desc(), InboundEvent.id.desc()),
            )
            .label("position")
        )
        ranked = statement.add_columns(position).subquery()
        event = aliased(InboundEvent, ranked)
        result = await self.session.execute(
            select(event)
            .where(ranked.c.position <= limit)
            .order_by(event.channel_id, event.received_at.desc(), event.id.desc())
        )
        return list(result.scalars())


class RoutingChannelRepository(ScopedRepository[Channel]):
    """The channel reads and health writes the receivers need."""

    model = Channel

    async def list_by_accounts(
        self, kind: ChannelKind, account_ids: Collection[str]
    ) -> list[Channel]:
        """The tenant's channels of `kind` whose external account id is one of `account_ids`."""
        if not account_ids:
            return []
        result = await self.session.execute(
            self._select()
            .where(Channel.kind == kind, Channel.external_account_id.in_(list(account_ids)))
            .order_by(Channel.id)
        )
        return list(result.scalars())

    async def record_delivery(
        self, channel_ids: Collection[uuid.UUID], *, at: datetime, error: str | None
    ) -> None:
        """Bump the health counters of channels that just received an event.

        One UPDATE, not an ORM change: a counter bump per delivery is not an
        operator's change and does not belong in the audit log.

        A readable event moves `last_event_at` only when the stored time is more
        than `LAST_EVENT_RESOLUTION` older than `at` (processing sets the exact
        time later). Writing the channel row on every delivery made all the
        deliveries of a busy channel wait for each other's row lock; rows that
        are recent enough are now skipped without being locked. Unreadable
        events always count their error.
        """
        if not channel_ids:
            return
        statement = update(Channel).where(
            Channel.tenant_id == self.scope.tenant_id, Channel.id.in_(list(channel_ids))
        )
        if error is None:
            statement = statement.where(
                or_(
                    Channel.last_event_at.is_(None),
                    Channel.last_event_at < at - LAST_EVENT_RESOLUTION,
                )
            ).values(last_event_at=at)
        else:
            statement = statement.values(
                last_event_at=at,
                error_count=Channel.error_count + 1,
                last_error_at=at,
                last_error=error[:_LAST_ERROR_LENGTH],
            )
        await self.session.execute(statement.execution_options(synchronize_session=False))


async def stale_inbound_event_ids(
    uow: UnitOfWork, *, received_before: datetime, limit: int
) -> list[uuid.UUID]:
    """The scope's inbound events still pending that arrived before `received_before`."""
    result = await uow.session.execute(
        select(InboundEvent.id)
        .where(
            InboundEvent.status == InboundEventStatus.PENDING,
            InboundEvent.received_at <= received_before,
        )
        .order_by(InboundEvent.received_at, InboundEvent.id)
        .limit(limit)
    )
    return list(result.scalars())
