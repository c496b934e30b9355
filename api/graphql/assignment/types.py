"""GraphQL types of teams, agent availability and collision presence."""

from datetime import datetime

import strawberry

from api.graphql.ids import to_global_id
from api.graphql.relay import Node
from domain.assignment.models import AgentAvailability as AgentAvailabilityModel
from domain.assignment.models import AssignmentStrategy, Availability
from domain.assignment.presence import Presence, PresenceActivity
from domain.assignment.service import TeamWithMembers

# The domain enums themselves, so values need no mapping.
strawberry.enum(
    AssignmentStrategy,
    name="AssignmentStrategy",
    description="ROUND_ROBIN: next available member in turn; LEAST_LOADED: fewest open "
    "conversations first.",
)
strawberry.enum(
    Availability,
    name="Availability",
    description="ONLINE agents get automatic assignments; AWAY and OFFLINE agents do not.",
)
strawberry.enum(
    PresenceActivity,
    name="PresenceActivity",
    description="What an agent is doing in a conversation right now.",
)


@strawberry.type(description="Agents who answer one brand's conversations.")
class Team(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    brand_id: strawberry.ID = strawberry.field(description="The brand the team serves.")
    name: str = strawberry.field(description="Display name, unique per brand.")
    strategy: AssignmentStrategy = strawberry.field(description="How conversations are given out.")
    lead_user_id: strawberry.ID | None = strawberry.field(
        description="The team lead, notified of SLA breaches; null: none."
    )
    unassign_after_minutes: int | None = strawberry.field(
        description="Conversations of members away this long go back to the queue; null: never."
    )
    member_ids: list[strawberry.ID] = strawberry.field(
        description="Members (users), in rotation order."
    )

    @classmethod
    def from_value(cls, value: TeamWithMembers) -> "Team":
        team = value.team
        return cls(
            id=to_global_id("Team", team.id),
            brand_id=to_global_id("Brand", team.brand_id),
            name=team.name,
            strategy=team.strategy,
            lead_user_id=(
                None if team.lead_user_id is None else to_global_id("User", team.lead_user_id)
            ),
            unassign_after_minutes=team.unassign_after_minutes,
            member_ids=[to_global_id("User", user_id) for user_id in value.member_ids],
        )


@strawberry.type(description="An agent's availability and capacity.")
class AgentAvailability:
    user_id: strawberry.ID = strawberry.field(description="The agent (user).")
    status: Availability = strawberry.field(description="Online, away or offline.")
    capacity: int = strawberry.field(description="Open conversations the agent takes at most.")
    status_since: datetime = strawberry.field(description="When the status last changed.")

    @classmethod
    def from_model(cls, row: AgentAvailabilityModel) -> "AgentAvailability":
        return cls(
            user_id=to_global_id("User", row.user_id),
            status=row.status,
            capacity=row.capacity,
            status_since=row.changed_at,
        )


@strawberry.type(description="An agent viewing or typing in a conversation.")
class ConversationPresence:
    user_id: strawberry.ID = strawberry.field(description="The agent (user).")
    activity: PresenceActivity = strawberry.field(description="Viewing or typing.")

    @classmethod
    def from_value(cls, value: Presence) -> "ConversationPresence":
        return cls(user_id=to_global_id("User", value.user_id), activity=value.activity)
