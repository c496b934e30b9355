"""Queries of replies and twin links."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite

from domain.conversations.keyset import KeysetWindow, SortKey, apply_window
from domain.db.repository import ScopedRepository
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention, MentionDirection
from domain.replies.models import ConversationTwin, Reply
from domain.shared.clock import utcnow

#: The order replies are listed and paged in: oldest first.
REPLY_KEYS: tuple[SortKey, ...] = (
    SortKey(Reply.created_at.expression, datetime),
    SortKey(Reply.id.expression, uuid.UUID),
)


class ReplyRepository(ScopedRepository[Reply]):
    model = Reply

    async def get_for_update(self, reply_id: uuid.UUID) -> Reply | None:
        """The reply, locked until the transaction ends (PostgreSQL), or None."""
        statement = self._select().where(Reply.id == reply_id).with_for_update()
        result = await self.session.execute(statement)
        return result.scalar_one_or_none()

    async def list_for_conversation(self, conversation_id: uuid.UUID) -> list[Reply]:
        result = await self.session.execute(
            self._select()
            .where(Reply.conversation_id == conversation_id)
            .order_by(Reply.created_at, Reply.id)
        )
        return list(result.scalars())

    async def page_for_conversation(
        self, conversation_id: uuid.UUID, window: KeysetWindow
    ) -> list[Reply]:
        """Up to `window.limit + 1` replies of the conversation in the window (`REPLY_KEYS`;
        reversed for a backward window)."""
        statement = self._select().where(Reply.conversation_id == conversation_id)
        result = await self.session.execute(apply_window(statement, REPLY_KEYS, window))
        return list(result.scalars())


class TwinRepository(ScopedRepository[ConversationTwin]):
    model = ConversationTwin

    async def twin_of(self, conversation_id: uuid.UUID) -> uuid.UUID | None:
        result = await self.session.execute(
            select(ConversationTwin.twin_conversation_id).where(
                ConversationTwin.tenant_id == self.scope.tenant_id,
                ConversationTwin.conversation_id == conversation_id,
            )
        )
        return result.scalar_one_or_none()


async def link_twins(uow: UnitOfWork, first: uuid.UUID, second: uuid.UUID) -> None:
    """Link two conversations both ways; an existing link of either is kept (ON CONFLICT)."""
    scope = uow.require_scope()
    table = ConversationTwin.__table__
    assert isinstance(table, Table)
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": scope.tenant_id,
            "conversation_id": a,
            "twin_conversation_id": b,
            "created_at": utcnow(),
        }
        for a, b in ((first, second), (second, first))
    ]
    dialect = postgresql if uow.dialect == "postgresql" else sqlite
    for row in rows:
        statement = (
            dialect.insert(table)
            .values(row)
            .on_conflict_do_nothing(index_elements=["tenant_id", "conversation_id"])
        )
        await uow.session.execute(statement)


async def latest_inbound_mention(uow: UnitOfWork, conversation_id: uuid.UUID) -> Mention | None:
    """The customer's latest message in the conversation (what a reply answers by default)."""
    result = await uow.session.execute(
        select(Mention)
        .where(
            Mention.conversation_id == conversation_id,
            Mention.direction == MentionDirection.INBOUND,
            Mention.deleted_at.is_(None),
        )
        .order_by(Mention.posted_at.desc().nulls_last(), Mention.received_at.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def replies_by_ids(uow: UnitOfWork, reply_ids: Sequence[uuid.UUID]) -> list[Reply]:
    """The tenant's replies among these ids (for loaders)."""
    return await ReplyRepository(uow).get_many(reply_ids)
