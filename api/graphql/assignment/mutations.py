"""Mutations of teams, availability, automatic assignment and presence."""

import uuid

import strawberry
from strawberry.types import Info

from api.graphql.assignment.errors import AssignmentUserError, assignment_user_error
from api.graphql.assignment.types import AgentAvailability, ConversationPresence, Team
from api.graphql.context import ParleyContext
from api.graphql.errors import UnauthenticatedError
from api.graphql.ids import from_global_id, to_global_id
from api.presence import presence_store
from domain.assignment.models import AssignmentStrategy, Availability
from domain.assignment.presence import PresenceActivity
from domain.assignment.service import (
    TeamFields,
    auto_assign_as,
    create_team,
    delete_team,
    set_availability,
    touch_presence,
    update_team,
)
from domain.shared.clock import utcnow
from domain.shared.errors import DomainError


def _id(global_id: str, type_name: str) -> uuid.UUID:
    return from_global_id(global_id, expected_type=type_name)[1]


@strawberry.input(description="Everything a team says (all of it, on create and update).")
class TeamFieldsInput:
    name: str = strawberry.field(description="Display name, unique per brand.")
    strategy: AssignmentStrategy = strawberry.field(
        default=AssignmentStrategy.ROUND_ROBIN, description="How conversations are given out."
    )
    lead_user_id: strawberry.ID | None = strawberry.field(
        default=None, description="The team lead (a staff member); null: none."
    )
    unassign_after_minutes: int | None = strawberry.field(
        default=None, description="Give back conversations of members away this long."
    )
    member_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Members (staff users), in rotation order."
    )

    def to_fields(self) -> TeamFields:
        return TeamFields(
            name=self.name,
            strategy=self.strategy,
            lead_user_id=None if self.lead_user_id is None else _id(self.lead_user_id, "User"),
            unassign_after_minutes=self.unassign_after_minutes,
            member_ids=tuple(_id(item, "User") for item in self.member_ids),
        )


@strawberry.input(description="A new team for a brand.")
class TeamCreateInput:
    brand_id: strawberry.ID = strawberry.field(description="The brand.")
    team: TeamFieldsInput = strawberry.field(description="What the team is.")


@strawberry.input(description="New values of a team.")
class TeamUpdateInput:
    team_id: strawberry.ID = strawberry.field(description="The team.")
    team: TeamFieldsInput = strawberry.field(description="What the team is now.")


@strawberry.input(description="A team to remove.")
class TeamDeleteInput:
    team_id: strawberry.ID = strawberry.field(description="The team.")


@strawberry.type(description="The team after a change, or why it did not change.")
class TeamPayload:
    team: Team | None = strawberry.field(
        description="The team as it is now; null when deleted or there are user errors."
    )
    user_errors: list[AssignmentUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(description="The new team, or why it was not created.")
class TeamCreatePayload(TeamPayload):
    pass


@strawberry.type(description="The changed team, or why it did not change.")
class TeamUpdatePayload(TeamPayload):
    pass


@strawberry.type(description="Whether the team was deleted (null team), or why not.")
class TeamDeletePayload(TeamPayload):
    pass


@strawberry.input(description="An agent's availability (oneself, or with members:manage, anyone).")
class AgentAvailabilitySetInput:
    status: Availability = strawberry.field(description="Online, away or offline.")
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="The agent; null: the caller."
    )
    capacity: int | None = strawberry.field(
        default=None, description="Open conversations at most (0–500); null: unchanged."
    )


@strawberry.type(description="The availability as stored, or why it did not change.")
class AgentAvailabilitySetPayload:
    availability: AgentAvailability | None = strawberry.field(
        description="The agent's availability now; null when there are user errors."
    )
    user_errors: list[AssignmentUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.input(description="A conversation to give to the next agent of a team.")
class ConversationAutoAssignInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    team_id: strawberry.ID = strawberry.field(description="The team of its brand.")


@strawberry.type(description="Who got the conversation, or why nobody did.")
class ConversationAutoAssignPayload:
    assignee_id: strawberry.ID | None = strawberry.field(
        description="The assignee (kept if already assigned); null when nobody is eligible."
    )
    user_errors: list[AssignmentUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.input(description="The caller is viewing or typing in a conversation.")
class ConversationPresenceTouchInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    activity: PresenceActivity = strawberry.field(description="Viewing or typing.")


@strawberry.type(description="Who is in the conversation now, or why presence was refused.")
class ConversationPresenceTouchPayload:
    present: list[ConversationPresence] = strawberry.field(
        description="Agents in the conversation now, the caller included."
    )
    user_errors: list[AssignmentUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type
class AssignmentMutations:
    @strawberry.mutation(description="Add a team to a brand; needs sla:manage on it.")
    async def team_create(
        self, info: Info[ParleyContext, None], input: TeamCreateInput
    ) -> TeamCreatePayload:
        context = info.context
        grantee = await context.grantee()
        try:
            async with context.unit_of_work() as uow:
                created = await create_team(
                    uow,
                    grantee,
                    brand_id=_id(input.brand_id, "Brand"),
                    fields=input.team.to_fields(),
                )
                await uow.commit()
        except DomainError as error:
            return TeamCreatePayload(
                team=None, user_errors=[assignment_user_error(error, "brandId")]
            )
        return TeamCreatePayload(team=Team.from_value(created), user_errors=[])

    @strawberry.mutation(description="Change a team and its members; needs sla:manage.")
    async def team_update(
        self, info: Info[ParleyContext, None], input: TeamUpdateInput
    ) -> TeamUpdatePayload:
        context = info.context
        grantee = await context.grantee()
        try:
            async with context.unit_of_work() as uow:
                updated = await update_team(
                    uow, grantee, team_id=_id(input.team_id, "Team"), fields=input.team.to_fields()
                )
                await uow.commit()
        except DomainError as error:
            return TeamUpdatePayload(
                team=None, user_errors=[assignment_user_error(error, "teamId")]
            )
        return TeamUpdatePayload(team=Team.from_value(updated), user_errors=[])

    @strawberry.mutation(description="Remove a team; needs sla:manage.")
    async def team_delete(
        self, info: Info[ParleyContext, None], input: TeamDeleteInput
    ) -> TeamDeletePayload:
        context = info.context
        grantee = await context.grantee()
        try:
            async with context.unit_of_work() as uow:
                await delete_team(uow, grantee, team_id=_id(input.team_id, "Team"))
                await uow.commit()
        except DomainError as error:
            return TeamDeletePayload(
                team=None, user_errors=[assignment_user_error(error, "teamId")]
            )
        return TeamDeletePayload(team=None, user_errors=[])

    @strawberry.mutation(
        description="Set an agent's availability and capacity: oneself with inbox:write, "
        "anyone with members:manage."
    )
    async def agent_availability_set(
        self, info: Info[ParleyContext, None], input: AgentAvailabilitySetInput
    ) -> AgentAvailabilitySetPayload:
        context = info.context
        grantee = await context.grantee()
        caller = context.token.user_id
        try:
            target = caller if input.user_id is None else _id(input.user_id, "User")
            if target is None:
                raise UnauthenticatedError("an API client has no availability of its own")
            async with context.unit_of_work() as uow:
                row = await set_availability(
                    uow,
                    grantee,
                    acting_user_id=caller,
                    user_id=target,
                    status=input.status,
                    capacity=input.capacity,
                    at=utcnow(),
                )
                await uow.commit()
        except DomainError as error:
            return AgentAvailabilitySetPayload(
                availability=None, user_errors=[assignment_user_error(error, "userId")]
            )
        return AgentAvailabilitySetPayload(
            availability=AgentAvailability.from_model(row), user_errors=[]
        )

    @strawberry.mutation(
        description="Give an unassigned conversation to the team's next eligible agent "
        "(online, below capacity); needs inbox:write on the brand."
    )
    async def conversation_auto_assign(
        self, info: Info[ParleyContext, None], input: ConversationAutoAssignInput
    ) -> ConversationAutoAssignPayload:
        context = info.context
        grantee = await context.grantee()
        try:
            async with context.unit_of_work() as uow:
                chosen = await auto_assign_as(
                    uow,
                    grantee,
                    team_id=_id(input.team_id, "Team"),
                    conversation_id=_id(input.conversation_id, "Conversation"),
                    at=utcnow(),
                )
                await uow.commit()
        except DomainError as error:
            return ConversationAutoAssignPayload(
                assignee_id=None, user_errors=[assignment_user_error(error, "conversationId")]
            )
        return ConversationAutoAssignPayload(
            assignee_id=None if chosen is None else to_global_id("User", chosen), user_errors=[]
        )

    @strawberry.mutation(
        description="Say the caller is viewing or typing in a conversation (kept about 30 s "
        "unless repeated); returns who is there. A change reaches inbox subscribers as a "
        "`presence_changed` event."
    )
    async def conversation_presence_touch(
        self, info: Info[ParleyContext, None], input: ConversationPresenceTouchInput
    ) -> ConversationPresenceTouchPayload:
        context = info.context
        grantee = await context.grantee()
        user_id = context.token.user_id
        try:
            if user_id is None:
                raise UnauthenticatedError("presence is for signed-in agents")
            async with context.unit_of_work() as uow:
                present = await touch_presence(
                    uow,
                    grantee,
                    presence_store(context.services),
                    conversation_id=_id(input.conversation_id, "Conversation"),
                    user_id=user_id,
                    activity=input.activity,
                    now=utcnow(),
                )
                await uow.commit()
        except DomainError as error:
            return ConversationPresenceTouchPayload(
                present=[], user_errors=[assignment_user_error(error, "conversationId")]
            )
        return ConversationPresenceTouchPayload(
            present=[ConversationPresence.from_value(entry) for entry in present], user_errors=[]
        )
