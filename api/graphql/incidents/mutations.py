"""Mutations of incidents, with typed user errors."""

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.ids import from_global_id
from api.graphql.incidents.errors import IncidentUserError, incident_user_error
from api.graphql.incidents.inputs import IncidentResolveInput
from api.graphql.incidents.types import Incident
from domain.shared.errors import DomainError
from domain.triage.service import resolve_incident


@strawberry.type(description="The incident after resolving it, or why it did not change.")
class IncidentResolvePayload:
    incident: Incident | None = strawberry.field(
        description="The incident as it is now; null when there are user errors."
    )
    user_errors: list[IncidentUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type
class IncidentMutations:
    @strawberry.mutation(
        description=(
            "Mark an incident resolved (resolving a resolved one changes nothing); later "
            "similar posts join it without a new alert. Needs inbox:write on its brand."
        )
    )
    async def incident_resolve(
        self, info: Info[ParleyContext, None], input: IncidentResolveInput
    ) -> IncidentResolvePayload:
        context = info.context
        grantee = await context.grantee()
        try:
            _, incident_id = from_global_id(input.incident_id, expected_type="Incident")
            async with context.unit_of_work() as uow:
                incident = await resolve_incident(uow, grantee=grantee, incident_id=incident_id)
        except DomainError as error:
            return IncidentResolvePayload(
                incident=None, user_errors=[incident_user_error(error, "incidentId")]
            )
        return IncidentResolvePayload(incident=Incident.from_model(incident), user_errors=[])
