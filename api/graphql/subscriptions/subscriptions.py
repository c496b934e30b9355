"""Live subscriptions (graphql-transport-ws): the inbox and one conversation.

The connection is authenticated at `connection_init` (see `api.graphql.endpoint`);
each subscription is authorised when it starts, like the matching query, and
then receives only its tenant's events of the brands (or the conversation) it
was authorised for. It ends with `UNAUTHENTICATED` when the token expires.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, Collection
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.errors import ForbiddenError, NotFoundGraphQLError, UnauthenticatedError
from api.graphql.ids import from_global_id
from api.graphql.subscriptions.source import inbox_messages
from api.graphql.subscriptions.types import InboxEvent
from domain.realtime.rules import decode_inbox_event, is_delivered
from domain.realtime.service import conversation_subscription_brand, inbox_subscription_brands
from domain.shared.errors import NotFoundError, PermissionDeniedError

_Events = AsyncGenerator[InboxEvent, None]


@strawberry.type
class InboxSubscriptions:
    @strawberry.subscription(
        description=(
            "Changes in the inbox of the given brands (every brand whose inbox you may "
            "read when omitted). Needs `inbox:read`."
        )
    )
    async def inbox_events(
        self,
        info: Info[ParleyContext, None],
        brand_ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Only these brands; omit for all you may read."),
        ] = None,
    ) -> _Events:
        context = info.context
        grantee = await context.grantee()
        try:
            requested = (
                None
                if brand_ids is None
                else [from_global_id(bid, expected_type="Brand")[1] for bid in brand_ids]
            )
            async with context.unit_of_work() as uow:
                brands = await inbox_subscription_brands(uow, grantee, brand_ids=requested)
        except PermissionDeniedError as error:
            raise ForbiddenError() from error
        except NotFoundError as error:
            raise NotFoundGraphQLError("no such brand") from error
        async for event in _events(context, brands):
            yield event

    @strawberry.subscription(
        description="Changes of one conversation. Needs `inbox:read` on its brand."
    )
    async def conversation_events(
        self,
        info: Info[ParleyContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The conversation's id.")],
    ) -> _Events:
        context = info.context
        grantee = await context.grantee()
        try:
            conversation_id = from_global_id(id, expected_type="Conversation")[1]
            async with context.unit_of_work() as uow:
                brand_id = await conversation_subscription_brand(
                    uow, grantee, conversation_id=conversation_id
                )
        except PermissionDeniedError as error:
            raise ForbiddenError() from error
        except NotFoundError as error:
            raise NotFoundGraphQLError("no such conversation") from error
        async for event in _events(context, {brand_id}, conversation_id=conversation_id):
            yield event


async def _events(
    context: ParleyContext,
    brand_ids: Collection[uuid.UUID],
    *,
    conversation_id: uuid.UUID | None = None,
) -> _Events:
    """The tenant's events for these brands (and conversation) until the token expires."""
    token = context.token
    loop = asyncio.get_running_loop()
    expires_at = loop.time() + (token.expires_at - time.time())
    try:
        async with asyncio.timeout_at(expires_at):
            async with inbox_messages(context.services, token.tenant_id) as messages:
                async for message in messages:
                    event = decode_inbox_event(message)
                    if event is not None and is_delivered(
                        event,
                        tenant_id=token.tenant_id,
                        brand_ids=brand_ids,
                        conversation_id=conversation_id,
                    ):
                        yield InboxEvent.from_message(event)
    except TimeoutError as error:
        raise UnauthenticatedError("the access token expired") from error
