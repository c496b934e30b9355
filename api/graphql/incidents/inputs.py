"""GraphQL inputs of incidents."""

import strawberry

from api.graphql.incidents.types import IncidentStatus


@strawberry.input(description="Narrows the incident list; unset fields do not filter.")
class IncidentFilter:
    brand_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only incidents of these brands."
    )
    status: IncidentStatus | None = strawberry.field(
        default=None, description="Only incidents in this status."
    )


@strawberry.input(description="The incident to mark resolved.")
class IncidentResolveInput:
    incident_id: strawberry.ID = strawberry.field(description="Global id of the incident.")
