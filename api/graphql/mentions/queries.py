"""Full-text mention search through the search port, with highlights."""

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.conversations.types import ConversationPriority
from api.graphql.inbox.errors import query_errors
from api.graphql.inbox.queries import ids_of
from api.graphql.mentions.inputs import MentionSearchFilter
from api.graphql.mentions.types import (
    Highlight,
    Mention,
    MentionSearchConnection,
    MentionSearchEdge,
)
from api.graphql.relay import InvalidPageArgumentsError, PageInfo, encode_cursor, page_request
from domain.mentions import service

#: Field the index highlights (the message text).
HIGHLIGHTED_FIELD = "text"


def _domain_filter(given: MentionSearchFilter | None) -> service.MentionSearchFilter:
    if given is None:
        return service.MentionSearchFilter()
    return service.MentionSearchFilter(
        brand_ids=ids_of(given.brand_ids, "Brand"),
        channel_ids=ids_of(given.channel_ids, "Channel"),
        languages=list(given.languages or ()),
        priorities=[ConversationPriority(priority).value for priority in given.priorities or ()],
        posted_from=given.from_,
        posted_to=given.to,
    )


def _offset(after: tuple[object, ...] | None) -> int:
    if after is None:
        return 0
    position = after[0]
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise InvalidPageArgumentsError("invalid cursor")
    return position


@strawberry.type
class MentionQueries:
    @strawberry.field(
        description=(
            "Mentions matching a full-text query on brands whose inbox the caller reads, "
            "best first, with highlighted passages. Pages reach the 1,000 best hits; "
            "`first` at most 100 (default 20); only forward paging."
        )
    )
    async def search_mentions(
        self,
        info: Info[ParleyContext, None],
        query: str,
        filter: MentionSearchFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> MentionSearchConnection:
        context = info.context
        with query_errors():
            page = page_request(first=first, after=after, last=None, before=None, cursor_length=1)
            offset = _offset(page.after)
            grantee = await context.grantee()
            async with context.unit_of_work() as uow:
                found = await service.search_mention_page(
                    uow,
                    grantee=grantee,
                    search=context.services.search,
                    query=query,
                    search_filter=_domain_filter(filter),
                    offset=offset,
                    limit=page.limit,
                )
        edges = [
            MentionSearchEdge(
                cursor=encode_cursor((hit.rank,)),
                node=Mention.from_model(hit.mention),
                score=hit.score,
                highlight=[Highlight(field=HIGHLIGHTED_FIELD, fragments=list(hit.highlights))]
                if hit.highlights
                else [],
            )
            for hit in found.hits
        ]
        return MentionSearchConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=found.has_more,
                has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                # Past the last hit the index gave, even one left out (mention gone).
                end_cursor=encode_cursor((found.end_rank,)) if found.end_rank > offset else None,
            ),
            total_count=found.total,
        )
