"""Builders for the indexing tests: mentions written as rows, with the outbox rows
processing writes for them (`index_mention`, payload `mention_id` and `version`)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from domain.authz.policy import Grantee, Role, scopes_for_role
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention, MentionDirection
from domain.mentions.search import INDEX_MENTION_TOPIC
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_tenant

POSTED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Place:
    """Where mentions land: a tenant, one of its brands and a channel of that brand."""

    tenant_id: uuid.UUID
    brand_id: uuid.UUID
    channel_id: uuid.UUID


async def make_place(
    database: Database, tenant_slug: str, brand_slug: str, *, tenant_id: uuid.UUID | None = None
) -> Place:
    """A brand with a Facebook page, in a new tenant (or in `tenant_id`)."""
    tenant = tenant_id or await make_tenant(database, tenant_slug)
    brand = await make_brand(database, tenant, brand_slug)
    channel = await make_channel(
        database, tenant, brand.id, external_account_id=f"page-{uuid.uuid4().hex[:8]}"
    )
    return Place(tenant_id=tenant, brand_id=brand.id, channel_id=channel.id)


def scope(tenant_id: uuid.UUID) -> TenantScope:
    return TenantScope(tenant_id)


def staff(role: Role = Role.AGENT) -> Grantee:
    return Grantee(role=role, brand_ids=frozenset(), scopes=frozenset(scopes_for_role(role)))


def outbox_row(mention: Mention, *, now: datetime | None = None) -> OutboxMessage:
    moment = now or utcnow()
    return OutboxMessage(
        topic=INDEX_MENTION_TOPIC,
        payload={"mention_id": str(mention.id), "version": mention.version},
        attempts=0,
        next_attempt_at=moment,
        created_at=moment,
    )


async def add_mentions(
    database: Database,
    place: Place,
    texts: Sequence[str],
    *,
    with_outbox: bool = True,
    **values: Any,
) -> list[uuid.UUID]:
    """Insert one inbound Facebook comment per text (plus its outbox row); their ids in order."""
    now = utcnow()
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(place.tenant_id)) as uow:
        mentions = [
            Mention(
                id=uuid.uuid4(),
                brand_id=place.brand_id,
                channel_id=place.channel_id,
                external_id=f"c-{uuid.uuid4().hex}",
                platform="facebook",
                kind="comment",
                direction=MentionDirection.INBOUND,
                author_platform_id="u-1",
                author_handle="jan.k",
                author_name="Jan K",
                text=text,
                posted_at=POSTED_AT,
                received_at=now,
                **values,
            )
            for text in texts
        ]
        uow.session.add_all(mentions)
        await uow.flush()
        if with_outbox:
            uow.session.add_all([outbox_row(mention, now=now) for mention in mentions])
        await uow.commit()
    return [mention.id for mention in mentions]


async def change_mention(
    database: Database,
    tenant_id: uuid.UUID,
    mention_id: uuid.UUID,
    *,
    with_outbox: bool = True,
    **values: Any,
) -> Mention:
    """Change a mention as processing does: new values, version + 1, an outbox row."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        mention = (
            await uow.session.execute(select(Mention).where(Mention.id == mention_id))
        ).scalar_one()
        for name, value in values.items():
            setattr(mention, name, value)
        mention.version += 1
        if with_outbox:
            uow.session.add(outbox_row(mention))
        await uow.commit()
    return mention


async def erase_mention(database: Database, tenant_id: uuid.UUID, mention_id: uuid.UUID) -> None:
    """Delete a mention's row (erasure), with the outbox row asking to index it."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        mention = (
            await uow.session.execute(select(Mention).where(Mention.id == mention_id))
        ).scalar_one()
        uow.session.add(outbox_row(mention))
        await uow.session.delete(mention)
        await uow.commit()


async def add_outbox_message(
    database: Database, tenant_id: uuid.UUID, *, topic: str, payload: dict[str, Any]
) -> uuid.UUID:
    now = utcnow()
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        message = OutboxMessage(
            topic=topic, payload=payload, attempts=0, next_attempt_at=now, created_at=now
        )
        uow.session.add(message)
        await uow.commit()
    return message.id


async def outbox_rows(database: Database, tenant_id: uuid.UUID) -> list[OutboxMessage]:
    """The tenant's outbox rows, oldest first."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
        return list(result.scalars())


async def postpone_outbox(database: Database, tenant_id: uuid.UUID, *, until: datetime) -> None:
    """Set every outbox row of the tenant due at `until`."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        await uow.session.execute(update(OutboxMessage).values(next_attempt_at=until))
        await uow.commit()


async def mention_count(database: Database, tenant_id: uuid.UUID) -> int:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        result = await uow.session.execute(select(Mention.id))
        return len(result.all())


def later(minutes: int = 60) -> datetime:
    """A moment after every backoff a test produces."""
    return utcnow() + timedelta(minutes=minutes)
