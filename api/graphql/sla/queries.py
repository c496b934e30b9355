"""Queries of SLA: a conversation's SLA, a brand's policies, events and briefings."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import query_errors
from api.graphql.relay import register_node
from api.graphql.sla.types import BrandEvent, ConversationSla, SlaPolicy
from domain.brand_events.service import (
    briefings_for_conversation,
    list_brand_events,
    visible_brand_events,
)
from domain.shared.clock import utcnow
from domain.sla.policies import list_policies, visible_policies
from domain.sla.service import conversation_sla


async def _policy_nodes(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = {policy.id: policy for policy in await visible_policies(uow, grantee, ids)}
    return [SlaPolicy.from_model(found[key]) if key in found else None for key in ids]


async def _event_nodes(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = {event.id: event for event in await visible_brand_events(uow, grantee, ids)}
    return [BrandEvent.from_model(found[key]) if key in found else None for key in ids]


register_node("SlaPolicy", _policy_nodes)
register_node("BrandEvent", _event_nodes)


@strawberry.type
class SlaQueries:
    @strawberry.field(
        description="A conversation's SLA: due times, breach, business time left, and the "
        "policy and brand event that set them. Needs inbox:read on its brand."
    )
    async def conversation_sla(
        self,
        info: Info[ParleyContext, None],
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The conversation.")
        ],
    ) -> ConversationSla:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            _, raw_id = from_global_id(conversation_id, expected_type="Conversation")
            async with context.unit_of_work() as uow:
                value = await conversation_sla(uow, grantee, conversation_id=raw_id, now=utcnow())
        return ConversationSla.from_value(value)

    @strawberry.field(
        description="A brand's current SLA policies, oldest first. Needs inbox:read on it."
    )
    async def sla_policies(
        self,
        info: Info[ParleyContext, None],
        brand_id: Annotated[strawberry.ID, strawberry.argument(description="The brand.")],
    ) -> list[SlaPolicy]:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            _, raw_id = from_global_id(brand_id, expected_type="Brand")
            async with context.unit_of_work() as uow:
                policies = await list_policies(uow, grantee, brand_id=raw_id)
        return [SlaPolicy.from_model(policy) for policy in policies]

    @strawberry.field(
        description="A brand's calendar of events by start. Needs brand:read on the brand."
    )
    async def brand_events(
        self,
        info: Info[ParleyContext, None],
        brand_id: Annotated[strawberry.ID, strawberry.argument(description="The brand.")],
        ending_after: Annotated[
            datetime | None,
            strawberry.argument(description="Only events ending at or after this time."),
        ] = None,
    ) -> list[BrandEvent]:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            _, raw_id = from_global_id(brand_id, expected_type="Brand")
            async with context.unit_of_work() as uow:
                events = await list_brand_events(
                    uow, grantee, brand_id=raw_id, ending_after=ending_after
                )
        return [BrandEvent.from_model(event) for event in events]

    @strawberry.field(
        description="Briefings on a conversation: its brand's events active now on its "
        "channel. Needs inbox:read on the brand."
    )
    async def conversation_briefings(
        self,
        info: Info[ParleyContext, None],
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The conversation.")
        ],
    ) -> list[BrandEvent]:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            _, raw_id = from_global_id(conversation_id, expected_type="Conversation")
            async with context.unit_of_work() as uow:
                events = await briefings_for_conversation(
                    uow, grantee, conversation_id=raw_id, at=utcnow()
                )
        return [BrandEvent.from_model(event) for event in events]
