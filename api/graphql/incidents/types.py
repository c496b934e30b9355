"""GraphQL types of incidents, and their node registration."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.graphql.brands.types import Brand
from api.graphql.context import ParleyContext
from api.graphql.ids import to_global_id
from api.graphql.relay import Node, register_node
from domain.triage.models import Incident as IncidentModel
from domain.triage.models import IncidentStatus as IncidentStatus
from domain.triage.service import incidents_by_ids

strawberry.enum(
    IncidentStatus,
    name="IncidentStatus",
    description="OPEN: posts may still join it; RESOLVED: someone marked it resolved.",
)


@strawberry.type(
    description=(
        "A burst of similar posts about one brand (an outage, a wave of complaints) that "
        "triage grouped; its posts are hot and carry its key."
    )
)
class Incident(Node):
    model: strawberry.Private[IncidentModel]

    @classmethod
    def from_model(cls, incident: IncidentModel) -> "Incident":
        return cls(id=to_global_id("Incident", incident.id), model=incident)

    @strawberry.field(description="The brand the posts are about.")
    async def brand(self, info: Info[ParleyContext, None]) -> Brand:
        brand = await info.context.loaders.brand.load(self.model.brand_id)
        assert brand is not None
        return Brand.from_model(brand)

    @strawberry.field(
        description="Stable key of the burst, as stored in its mentions' triage labels."
    )
    def key(self) -> str:
        return self.model.key

    @strawberry.field(description="What the posts report: outage, complaint, urgent_request…")
    def kind(self) -> str:
        return self.model.kind

    @strawberry.field(description="A short title from the brand and the posts' shared words.")
    def title(self) -> str:
        return self.model.title

    @strawberry.field(description="Whether it is still open or was resolved.")
    def status(self) -> IncidentStatus:
        return self.model.status

    @strawberry.field(description="When its first post was posted.")
    def started_at(self) -> datetime:
        return self.model.started_at

    @strawberry.field(description="When its latest post was posted.")
    def last_seen_at(self) -> datetime:
        return self.model.last_seen_at

    @strawberry.field(description="How many posts belong to it.")
    def mention_count(self) -> int:
        return self.model.mention_count

    @strawberry.field(
        description=(
            "Title of the planned maintenance it fell in, if any (then it raised no alert)."
        )
    )
    def planned_event(self) -> str | None:
        return self.model.planned_event

    @strawberry.field(description="When someone resolved it; null while open.")
    def resolved_at(self) -> datetime | None:
        return self.model.resolved_at


async def _incidents(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = await incidents_by_ids(uow, grantee=grantee, incident_ids=ids)
    return [None if row is None else Incident.from_model(row) for row in found]


register_node("Incident", _incidents)
