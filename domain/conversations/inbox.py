"""The inbox: conversations an agent works, filtered, ordered and paged by keyset.

Reads only; the work on a conversation (assigning, status, snooze …) lives in
`domain.conversations.work`.
"""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import ColumnElement, exists, or_, select

from domain.authz.policy import Grantee, Permission, decide, visible_brand_ids
from domain.brands.repository import BrandRepository
from domain.conversations.keyset import KeysetWindow, SortKey, apply_window
from domain.conversations.models import Conversation, ConversationStatus
from domain.db.uow import UnitOfWork
from domain.mentions.documents import MENTIONS_INDEX
from domain.mentions.models import Mention
from domain.shared.errors import PermissionDeniedError
from domain.shared.ports import SearchIndex

#: How many best text matches the inbox's text filter considers.
TEXT_MATCH_LIMIT: Final = 500


class InboxOrder(StrEnum):
    """Orders of the inbox. `PRIORITY`: hot first, then SLA due soonest (none last),
    then oldest."""

    PRIORITY = "priority"
    NEWEST = "newest"
    OLDEST = "oldest"
    LAST_MESSAGE = "last_message"


_c = Conversation
SORT_KEYS: dict[InboxOrder, tuple[SortKey, ...]] = {
    InboxOrder.PRIORITY: (
        SortKey(_c.priority_rank.expression, int),
        SortKey(_c.sla_due_at.expression, datetime, nullable=True),
        SortKey(_c.opened_at.expression, datetime),
        SortKey(_c.id.expression, uuid.UUID),
    ),
    InboxOrder.NEWEST: (
        SortKey(_c.opened_at.expression, datetime, descending=True),
        SortKey(_c.id.expression, uuid.UUID, descending=True),
    ),
    InboxOrder.OLDEST: (
        SortKey(_c.opened_at.expression, datetime),
        SortKey(_c.id.expression, uuid.UUID),
    ),
    InboxOrder.LAST_MESSAGE: (
        SortKey(_c.last_message_at.expression, datetime, descending=True),
        SortKey(_c.id.expression, uuid.UUID, descending=True),
    ),
}


def sort_values(conversation: Conversation, order: InboxOrder) -> tuple[Any, ...]:
    """The conversation's sort tuple in `order` (what its cursor carries)."""
    if order is InboxOrder.PRIORITY:
        return (
            conversation.priority_rank,
            conversation.sla_due_at,
            conversation.opened_at,
            conversation.id,
        )
    if order is InboxOrder.LAST_MESSAGE:
        return (conversation.last_message_at, conversation.id)
    return (conversation.opened_at, conversation.id)


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """What the inbox shows; empty collections do not filter.

    `assignee_ids` and `unassigned` combine with OR (mine or nobody's).
    Languages, categories and the incident match when any of the
    conversation's mentions carries them. `text` matches through the search
    index. Snoozed conversations are left out unless `include_snoozed`.
    """

    brand_ids: Collection[uuid.UUID] = ()
    statuses: Collection[ConversationStatus] = ()
    priorities: Collection[str] = ()
    assignee_ids: Collection[uuid.UUID] = ()
    unassigned: bool = False
    channel_ids: Collection[uuid.UUID] = ()
    languages: Collection[str] = ()
    categories: Collection[str] = ()
    incident_key: str | None = None
    text: str | None = None
    include_snoozed: bool = False


async def readable_brand_ids(uow: UnitOfWork, grantee: Grantee) -> list[uuid.UUID]:
    """The tenant's brands whose inbox `grantee` may read; `PermissionDeniedError` when
    the grantee may read no inbox at all."""
    tenant_brand_ids = await BrandRepository(uow).all_ids()
    readable = visible_brand_ids(grantee, Permission.INBOX_READ, tenant_brand_ids)
    if not readable and not decide(grantee, Permission.INBOX_READ).allowed:
        raise PermissionDeniedError("this caller may read no inbox")
    return readable


async def list_inbox(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    search: SearchIndex | None,
    inbox_filter: InboxFilter,
    order: InboxOrder,
    window: KeysetWindow,
    now: datetime,
) -> list[Conversation]:
    """One page of the inbox: up to `window.limit + 1` conversations in `order`
    (reversed for backward windows), each on a brand whose inbox `grantee` may read.

    Raises `PermissionDeniedError` when the grantee may read no inbox,
    `ValidationError` for a cursor of another order, and (text filter only)
    `SearchUnavailableError` when the search index cannot answer. Brands the
    grantee may not read, or of another tenant, in `inbox_filter.brand_ids`
    simply match nothing. The text filter considers the `TEXT_MATCH_LIMIT`
    best-matching mentions: a search index answers it in the time a page
    takes, where a `LIKE` over every message would read the whole table.
    """
    readable = await readable_brand_ids(uow, grantee)
    searched = (
        [brand_id for brand_id in readable if brand_id in set(inbox_filter.brand_ids)]
        if inbox_filter.brand_ids
        else readable
    )
    if not searched:
        return []
    conditions = [Conversation.brand_id.in_(searched), *_conditions(inbox_filter, now=now)]
    if inbox_filter.text:
        if search is None:
            return []
        matched = await _text_matches(
            uow, search=search, text=inbox_filter.text, brand_ids=searched
        )
        if not matched:
            return []
        conditions.append(Conversation.id.in_(matched))
    statement = select(Conversation).where(
        Conversation.tenant_id == uow.require_scope().tenant_id, *conditions
    )
    statement = apply_window(statement, SORT_KEYS[order], window)
    result = await uow.session.execute(statement)
    return list(result.scalars())


def _mentions_with(
    condition: ColumnElement[bool],
) -> ColumnElement[bool]:
    return exists(
        select(Mention.id).where(
            Mention.tenant_id == Conversation.tenant_id,
            Mention.conversation_id == Conversation.id,
            condition,
        )
    )


def _conditions(inbox_filter: InboxFilter, *, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if inbox_filter.statuses:
        conditions.append(Conversation.status.in_(list(inbox_filter.statuses)))
    if inbox_filter.priorities:
        conditions.append(Conversation.priority.in_(list(inbox_filter.priorities)))
    if inbox_filter.assignee_ids or inbox_filter.unassigned:
        assigned: list[ColumnElement[bool]] = []
        if inbox_filter.assignee_ids:
            assigned.append(Conversation.assignee_id.in_(list(inbox_filter.assignee_ids)))
        if inbox_filter.unassigned:
            assigned.append(Conversation.assignee_id.is_(None))
        conditions.append(or_(*assigned))
    if inbox_filter.channel_ids:
        conditions.append(Conversation.channel_id.in_(list(inbox_filter.channel_ids)))
    if inbox_filter.languages:
        conditions.append(_mentions_with(Mention.language.in_(list(inbox_filter.languages))))
    if inbox_filter.categories:
        category = Mention.labels["category"].as_string()
        conditions.append(_mentions_with(category.in_(list(inbox_filter.categories))))
    if inbox_filter.incident_key:
        incident = Mention.labels["incident"].as_string()
        conditions.append(_mentions_with(incident == inbox_filter.incident_key))
    if not inbox_filter.include_snoozed:
        conditions.append(
            or_(Conversation.snoozed_until.is_(None), Conversation.snoozed_until <= now)
        )
    return conditions


async def _text_matches(
    uow: UnitOfWork, *, search: SearchIndex, text: str, brand_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    page = await search.search(
        MENTIONS_INDEX,
        tenant_id=uow.require_scope().tenant_id,
        query=text,
        brand_ids=list(brand_ids),
        limit=TEXT_MATCH_LIMIT,
    )
    found: set[uuid.UUID] = set()
    for hit in page.hits:
        conversation_id = hit.fields.get("conversation_id")
        if isinstance(conversation_id, str):
            found.add(uuid.UUID(conversation_id))
    return sorted(found)
