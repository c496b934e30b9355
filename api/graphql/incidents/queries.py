"""Queries of incidents: the list (a connection) and one incident by id."""

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.brands.arguments import After, First, typed_after
from api.graphql.context import ParleyContext
from api.graphql.errors import NotFoundGraphQLError
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import query_errors
from api.graphql.inbox.queries import ids_of
from api.graphql.incidents.inputs import IncidentFilter
from api.graphql.incidents.types import Incident
from api.graphql.relay import Connection, connection_from_rows, page_request, resolve_nodes
from domain.triage.models import Incident as IncidentModel
from domain.triage.service import list_incidents


def _cursor(incident: IncidentModel) -> tuple[datetime, uuid.UUID]:
    return (incident.last_seen_at, incident.id)


@strawberry.type
class IncidentQueries:
    @strawberry.field(
        description=(
            "Incidents on brands whose inbox the caller reads, most recently active first. "
            "Brands the caller may not read are left out (client roles see none)."
        )
    )
    async def incidents(
        self,
        info: Info[ParleyContext, None],
        filter: Annotated[
            IncidentFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Incident]:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            page = page_request(first=first, after=after, last=None, before=None, cursor_length=2)
            given = filter or IncidentFilter()
            async with context.unit_of_work() as uow:
                rows = await list_incidents(
                    uow,
                    grantee=grantee,
                    brand_ids=None if given.brand_ids is None else ids_of(given.brand_ids, "Brand"),
                    status=given.status,
                    limit=page.limit + 1,
                    after=typed_after(page, datetime, uuid.UUID),
                )
        return connection_from_rows(rows, page, cursor_of=_cursor, node_of=Incident.from_model)

    @strawberry.field(
        description=(
            "One incident; NOT_FOUND when it does not exist or the caller may not read its "
            "brand's inbox."
        )
    )
    async def incident(
        self,
        info: Info[ParleyContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="Global id.")],
    ) -> Incident:
        await info.context.grantee()
        with query_errors():
            from_global_id(id, expected_type="Incident")
        [found] = await resolve_nodes(info.context, [id])
        if not isinstance(found, Incident):
            raise NotFoundGraphQLError("no such incident")
        return found
