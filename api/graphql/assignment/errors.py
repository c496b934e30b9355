"""User errors of assignment mutations."""

from enum import StrEnum

import strawberry

from api.graphql.inbox.errors import error_code, error_field
from domain.shared.errors import DomainError


@strawberry.enum(description="Why an assignment mutation changed nothing.")
class AssignmentErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"


@strawberry.type(description="A problem with an assignment mutation; nothing changed.")
class AssignmentUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: AssignmentErrorCode = strawberry.field(description="What went wrong, for programs.")


def assignment_user_error(error: DomainError, default_field: str) -> AssignmentUserError:
    return AssignmentUserError(
        field=error_field(error, default_field),
        message=str(error),
        code=AssignmentErrorCode[error_code(error).name],
    )
