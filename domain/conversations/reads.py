"""Batch reads behind the conversation views: one statement per relation and batch.

Every function takes many ids at once (DataLoaders call them once per batch)
and returns a mapping by id; nothing here authorises except where a function
says so, since callers reach these rows through a conversation already checked.
"""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select

from domain.authz.policy import Grantee, Permission, decide
from domain.brands.models import Brand
from domain.channels.models import Channel
from domain.conversations.keyset import (
    KeysetWindow,
    SortKey,
    check_cursor,
    order_by,
    window_condition,
)
from domain.conversations.models import Conversation, ConversationEvent, ConversationNote
from domain.customers.models import Customer
from domain.db.base import Base
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention
from domain.tenants.models import Membership, User

ModelT = TypeVar("ModelT", bound=Base)

TIMELINE_KEYS: tuple[SortKey, ...] = (
    SortKey(func.coalesce(Mention.posted_at, Mention.received_at), datetime),
    SortKey(Mention.id.expression, uuid.UUID),
)


def _tenant(uow: UnitOfWork) -> uuid.UUID:
    return uow.require_scope().tenant_id


async def conversations_by_ids(
    uow: UnitOfWork, *, grantee: Grantee, conversation_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Conversation]:
    """The tenant's conversations among these ids on brands whose inbox `grantee`
    may read; others (another tenant's, a brand not granted) are left out."""
    if not conversation_ids:
        return {}
    result = await uow.session.execute(
        select(Conversation).where(
            Conversation.tenant_id == _tenant(uow), Conversation.id.in_(list(conversation_ids))
        )
    )
    return {
        conversation.id: conversation
        for conversation in result.scalars()
        if decide(grantee, Permission.INBOX_READ, brand_id=conversation.brand_id).allowed
    }


async def _by_ids(
    uow: UnitOfWork, model: type[ModelT], ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, ModelT]:
    if not ids:
        return {}
    column: Any = model.tenant_id  # type: ignore[attr-defined]
    result = await uow.session.execute(
        select(model).where(column == _tenant(uow), model.id.in_(list(ids)))
    )
    return {row.id: row for row in result.scalars()}


async def brands_by_ids(
    uow: UnitOfWork, brand_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Brand]:
    return await _by_ids(uow, Brand, brand_ids)


async def channels_by_ids(
    uow: UnitOfWork, channel_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Channel]:
    return await _by_ids(uow, Channel, channel_ids)


async def mentions_by_ids(
    uow: UnitOfWork, mention_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Mention]:
    return await _by_ids(uow, Mention, mention_ids)


async def members_by_user_ids(
    uow: UnitOfWork, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, User]:
    """Users among these ids who are (or were) members of the scope's tenant."""
    if not user_ids:
        return {}
    result = await uow.session.execute(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == _tenant(uow), User.id.in_(list(user_ids)))
    )
    return {user.id: user for user in result.scalars()}


async def latest_mentions(
    uow: UnitOfWork, conversation_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Mention]:
    """Each conversation's latest message (by posting time), deleted ones included."""
    if not conversation_ids:
        return {}
    posted = func.coalesce(Mention.posted_at, Mention.received_at)
    rank = (
        func.row_number()
        .over(partition_by=Mention.conversation_id, order_by=(posted.desc(), Mention.id.desc()))
        .label("rank")
    )
    ranked = (
        select(Mention.id, rank)
        .where(
            Mention.tenant_id == _tenant(uow),
            Mention.conversation_id.in_(list(conversation_ids)),
        )
        .subquery()
    )
    result = await uow.session.execute(
        select(Mention).join(ranked, ranked.c.id == Mention.id).where(ranked.c.rank == 1)
    )
    return {
        mention.conversation_id: mention
        for mention in result.scalars()
        if mention.conversation_id is not None
    }


async def _pages_per_parent(
    uow: UnitOfWork,
    *,
    model: type[ModelT],
    parent: ColumnElement[Any],
    parent_ids: Collection[uuid.UUID],
    keys: Sequence[SortKey],
    window: KeysetWindow,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> dict[uuid.UUID, list[ModelT]]:
    """Up to `window.limit + 1` rows per parent in one statement (a window function
    ranks each parent's rows in the keyset order)."""
    check_cursor(keys, window.after, field="after")
    check_cursor(keys, window.before, field="before")
    pages: dict[uuid.UUID, list[ModelT]] = {parent_id: [] for parent_id in parent_ids}
    if not parent_ids:
        return pages
    rank = (
        func.row_number()
        .over(partition_by=parent, order_by=order_by(keys, reverse=window.backward))
        .label("rank")
    )
    tenant_column: Any = model.tenant_id  # type: ignore[attr-defined]
    ranked = (
        select(model.id, parent.label("parent_id"), rank)
        .where(
            tenant_column == _tenant(uow),
            parent.in_(list(parent_ids)),
            window_condition(keys, window),
            *conditions,
        )
        .subquery()
    )
    statement: Select[Any] = (
        select(model, ranked.c.parent_id)
        .join(ranked, ranked.c.id == model.id)
        .where(ranked.c.rank <= window.limit + 1)
        .order_by(ranked.c.parent_id, ranked.c.rank)
    )
    for row, parent_id in (await uow.session.execute(statement)).all():
        pages[parent_id].append(row)
    return pages


async def timelines(
    uow: UnitOfWork, conversation_ids: Collection[uuid.UUID], window: KeysetWindow
) -> dict[uuid.UUID, list[Mention]]:
    """A page of each conversation's messages, oldest first (`TIMELINE_KEYS`)."""
    return await _pages_per_parent(
        uow,
        model=Mention,
        parent=Mention.conversation_id.expression,
        parent_ids=conversation_ids,
        keys=TIMELINE_KEYS,
        window=window,
    )


EVENT_KEYS: tuple[SortKey, ...] = (
    SortKey(ConversationEvent.created_at.expression, datetime),
    SortKey(ConversationEvent.id.expression, uuid.UUID),
)


async def event_pages(
    uow: UnitOfWork, conversation_ids: Collection[uuid.UUID], window: KeysetWindow
) -> dict[uuid.UUID, list[ConversationEvent]]:
    """A page of each conversation's events, oldest first."""
    return await _pages_per_parent(
        uow,
        model=ConversationEvent,
        parent=ConversationEvent.conversation_id.expression,
        parent_ids=conversation_ids,
        keys=EVENT_KEYS,
        window=window,
    )


async def notes_of(
    uow: UnitOfWork, conversation_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ConversationNote]]:
    """Every note of each conversation, oldest first."""
    notes: dict[uuid.UUID, list[ConversationNote]] = {key: [] for key in conversation_ids}
    if not conversation_ids:
        return notes
    result = await uow.session.execute(
        select(ConversationNote)
        .where(
            ConversationNote.tenant_id == _tenant(uow),
            ConversationNote.conversation_id.in_(list(conversation_ids)),
        )
        .order_by(ConversationNote.created_at, ConversationNote.id)
    )
    for note in result.scalars():
        notes[note.conversation_id].append(note)
    return notes


CUSTOMER_HISTORY_KEYS: tuple[SortKey, ...] = (
    SortKey(Conversation.opened_at.expression, datetime, descending=True),
    SortKey(Conversation.id.expression, uuid.UUID, descending=True),
)


async def customer_histories(
    uow: UnitOfWork,
    *,
    customer_ids: Collection[uuid.UUID],
    window: KeysetWindow,
    readable_brand_ids: Collection[uuid.UUID],
) -> dict[uuid.UUID, list[Conversation]]:
    """A page of each customer's conversations, newest first, on readable brands only."""
    return await _pages_per_parent(
        uow,
        model=Conversation,
        parent=Conversation.customer_id.expression,
        parent_ids=customer_ids,
        keys=CUSTOMER_HISTORY_KEYS,
        window=window,
        conditions=[Conversation.brand_id.in_(list(readable_brand_ids))],
    )


async def customers_of_conversations(
    uow: UnitOfWork, customer_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Customer]:
    """Customers by id, for conversations and mentions already shown to the caller."""
    return await _by_ids(uow, Customer, customer_ids)
