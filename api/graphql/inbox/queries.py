"""The inbox query: the conversations agents work, filtered, ordered and paged."""

import uuid
from collections.abc import Iterable

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.conversations.types import Conversation, ConversationPriority
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import query_errors
from api.graphql.inbox.inputs import InboxFilter
from api.graphql.relay import Connection, connection_from_rows, page_request
from domain.conversations import inbox as inbox_reads
from domain.conversations.models import ConversationStatus
from domain.shared.clock import utcnow
from domain.shared.errors import NotFoundError

#: Stands for an id that names nothing: filters on it match no row.
NO_SUCH_ID = uuid.UUID(int=0)


def ids_of(global_ids: Iterable[str] | None, type_name: str) -> list[uuid.UUID]:
    """Raw ids of `type_name`; malformed ids or ids of another type match nothing."""
    found: list[uuid.UUID] = []
    for global_id in global_ids or ():
        try:
            found.append(from_global_id(global_id, expected_type=type_name)[1])
        except NotFoundError:
            found.append(NO_SUCH_ID)
    return found


def domain_filter(given: InboxFilter | None) -> inbox_reads.InboxFilter:
    if given is None:
        return inbox_reads.InboxFilter()
    return inbox_reads.InboxFilter(
        brand_ids=ids_of(given.brand_ids, "Brand"),
        statuses=[ConversationStatus(status) for status in given.statuses or ()],
        priorities=[ConversationPriority(priority).value for priority in given.priorities or ()],
        assignee_ids=ids_of(given.assignee_ids, "User"),
        unassigned=given.unassigned,
        channel_ids=ids_of(given.channel_ids, "Channel"),
        languages=list(given.languages or ()),
        categories=list(given.categories or ()),
        incident_key=given.incident_key,
        text=given.text.strip() if given.text and given.text.strip() else None,
        include_snoozed=given.include_snoozed,
    )


@strawberry.type
class InboxQueries:
    @strawberry.field(
        description=(
            "Conversations on brands whose inbox the caller reads, hot first by default. "
            "Snoozed conversations are left out unless the filter asks for them. "
            "`first`/`last` at most 100 (default 20)."
        )
    )
    async def inbox(
        self,
        info: Info[ParleyContext, None],
        filter: InboxFilter | None = None,
        order_by: inbox_reads.InboxOrder = inbox_reads.InboxOrder.PRIORITY,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Conversation]:
        context = info.context
        order = inbox_reads.InboxOrder(order_by)
        keys = inbox_reads.SORT_KEYS[order]
        with query_errors():
            page = page_request(
                first=first, after=after, last=last, before=before, cursor_length=len(keys)
            )
            async with context.unit_of_work() as uow:
                grantee = await context.grantee_in(uow)
                rows = await inbox_reads.list_inbox(
                    uow,
                    grantee=grantee,
                    search=context.services.search,
                    inbox_filter=domain_filter(filter),
                    order=order,
                    window=page,
                    now=utcnow(),
                )
        return connection_from_rows(
            rows,
            page,
            cursor_of=lambda row: inbox_reads.sort_values(row, order),
            node_of=Conversation.from_model,
        )
