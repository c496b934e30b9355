"""The conversation view's root field."""

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.conversations.types import Conversation
from api.graphql.errors import NotFoundGraphQLError
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import query_errors


@strawberry.type
class ConversationQueries:
    @strawberry.field(
        description=(
            "One conversation with its timeline, notes and events; NOT_FOUND when it does "
            "not exist or the caller may not read its brand's inbox."
        )
    )
    async def conversation(
        self, info: Info[ParleyContext, None], id: strawberry.ID
    ) -> Conversation:
        with query_errors():
            _, conversation_id = from_global_id(id, expected_type="Conversation")
            await info.context.grantee()
            found = await info.context.loaders.conversation.load(conversation_id)
        if found is None:
            raise NotFoundGraphQLError("no such conversation")
        return Conversation.from_model(found)
