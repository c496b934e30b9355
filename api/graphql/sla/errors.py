"""User errors of SLA and brand-event mutations."""

from enum import StrEnum

import strawberry

from api.graphql.inbox.errors import error_code, error_field
from domain.shared.errors import DomainError


@strawberry.enum(description="Why an SLA or brand-event mutation changed nothing.")
class SlaErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"


@strawberry.type(description="A problem with an SLA or brand-event mutation; nothing changed.")
class SlaUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: SlaErrorCode = strawberry.field(description="What went wrong, for programs.")


def sla_user_error(error: DomainError, default_field: str) -> SlaUserError:
    return SlaUserError(
        field=error_field(error, default_field),
        message=str(error),
        code=SlaErrorCode[error_code(error).name],
    )
