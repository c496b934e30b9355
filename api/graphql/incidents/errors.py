"""User errors of incident mutations."""

from enum import StrEnum

import strawberry

from api.graphql.inbox.errors import error_code, error_field
from domain.shared.errors import DomainError


@strawberry.enum(description="Why an incident mutation changed nothing.")
class IncidentErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"


@strawberry.type(description="A problem with an incident mutation; nothing changed.")
class IncidentUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: IncidentErrorCode = strawberry.field(description="What went wrong, for programs.")


def incident_user_error(error: DomainError, default_field: str) -> IncidentUserError:
    return IncidentUserError(
        field=error_field(error, default_field),
        message=str(error),
        code=IncidentErrorCode[error_code(error).name],
    )
