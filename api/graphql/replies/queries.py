"""Queries of replies."""

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import query_errors
from api.graphql.relay import Connection, connection_from_rows, page_request
from api.graphql.replies.types import Reply
from domain.replies.repository import REPLY_KEYS
from domain.replies.service import list_conversation_replies


@strawberry.type
class ReplyQueries:
    @strawberry.field(
        description="A conversation's replies, oldest first, with their delivery status; "
        "needs inbox:read on its brand (NOT_FOUND for another tenant's conversation)."
    )
    async def conversation_replies(
        self,
        info: Info[ParleyContext, None],
        conversation_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Reply]:
        context = info.context
        grantee = await context.grantee()
        page = page_request(
            first=first, after=after, last=last, before=before, cursor_length=len(REPLY_KEYS)
        )
        with query_errors():
            _, conversation_id_value = from_global_id(conversation_id, expected_type="Conversation")
            async with context.unit_of_work() as uow:
                rows = await list_conversation_replies(
                    uow, grantee=grantee, conversation_id=conversation_id_value, window=page
                )
        return connection_from_rows(
            rows,
            page,
            cursor_of=lambda reply: (reply.created_at, reply.id),
            node_of=Reply.from_model,
        )
