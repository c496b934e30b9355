"""Queries of assignment: a brand's teams, agents' availability, who is in a conversation."""

import uuid
from collections.abc import Sequence
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.assignment.types import AgentAvailability, ConversationPresence, Team
from api.graphql.context import ParleyContext
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import query_errors
from api.graphql.relay import register_node
from api.presence import presence_store
from domain.assignment.service import (
    conversation_presence,
    list_availability,
    list_teams,
    visible_teams,
)
from domain.shared.clock import utcnow


async def _team_nodes(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = {value.team.id: value for value in await visible_teams(uow, grantee, ids)}
    return [Team.from_value(found[key]) if key in found else None for key in ids]


register_node("Team", _team_nodes)


@strawberry.type
class AssignmentQueries:
    @strawberry.field(description="A brand's teams by name. Needs inbox:read on the brand.")
    async def teams(
        self,
        info: Info[ParleyContext, None],
        brand_id: Annotated[strawberry.ID, strawberry.argument(description="The brand.")],
    ) -> list[Team]:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            _, raw_id = from_global_id(brand_id, expected_type="Brand")
            async with context.unit_of_work() as uow:
                teams = await list_teams(uow, grantee, brand_id=raw_id)
        return [Team.from_value(team) for team in teams]

    @strawberry.field(
        description="Availability of these agents; agents never set are left out (offline). "
        "Needs members:read."
    )
    async def agent_availability(
        self,
        info: Info[ParleyContext, None],
        user_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="The agents (users), at most 100.")
        ],
    ) -> list[AgentAvailability]:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            raw_ids = [from_global_id(item, expected_type="User")[1] for item in user_ids[:100]]
            async with context.unit_of_work() as uow:
                found = await list_availability(uow, grantee, user_ids=raw_ids)
        return [AgentAvailability.from_model(found[user]) for user in raw_ids if user in found]

    @strawberry.field(
        description="Who views or types in a conversation now (collision detection). Needs "
        "inbox:read on its brand."
    )
    async def conversation_presence(
        self,
        info: Info[ParleyContext, None],
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The conversation.")
        ],
    ) -> list[ConversationPresence]:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            _, raw_id = from_global_id(conversation_id, expected_type="Conversation")
            async with context.unit_of_work() as uow:
                present = await conversation_presence(
                    uow,
                    grantee,
                    presence_store(context.services),
                    conversation_id=raw_id,
                    now=utcnow(),
                )
        return [ConversationPresence.from_value(entry) for entry in present]
