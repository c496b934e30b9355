"""`node(id:)` and `nodes(ids:)`, and the node types of the agents' areas.

Other areas register their own node types with `register_node` next to their types.
"""

import uuid
from collections.abc import Sequence

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.conversations.types import Conversation
from api.graphql.customers.types import Customer
from api.graphql.mentions.types import Mention
from api.graphql.relay import (
    MAX_PAGE_SIZE,
    InvalidPageArgumentsError,
    Node,
    register_node,
    resolve_nodes,
)


async def _conversations(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    found = await context.loaders.conversation.load_many(ids)
    return [None if row is None else Conversation.from_model(row) for row in found]


async def _customers(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    found = await context.loaders.customer_node.load_many(ids)
    return [None if row is None else Customer.from_model(row) for row in found]


async def _mentions(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    found = await context.loaders.mention.load_many(ids)
    return [None if row is None else Mention.from_model(row) for row in found]


register_node("Conversation", _conversations)
register_node("Customer", _customers)
register_node("Mention", _mentions)


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description=(
            "The object with this global id; null when it does not exist, is of another "
            "tenant, or the caller may not see it."
        )
    )
    async def node(self, info: Info[ParleyContext, None], id: strawberry.ID) -> Node | None:
        await info.context.grantee()
        found = await resolve_nodes(info.context, [id])
        return found[0]  # type: ignore[return-value]

    @strawberry.field(
        description=(
            f"The objects with these global ids, in order (at most {MAX_PAGE_SIZE}); null "
            "for each that does not exist or the caller may not see."
        )
    )
    async def nodes(
        self, info: Info[ParleyContext, None], ids: list[strawberry.ID]
    ) -> list[Node | None]:
        if len(ids) > MAX_PAGE_SIZE:
            raise InvalidPageArgumentsError(f"at most {MAX_PAGE_SIZE} ids")
        await info.context.grantee()
        return await resolve_nodes(info.context, ids)  # type: ignore[return-value]
