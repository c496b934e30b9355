"""User errors of approval mutations."""

from enum import StrEnum

import strawberry

from api.graphql.inbox.errors import error_code, error_field
from domain.approvals.errors import AlreadyDecidedError, InvalidTransitionError
from domain.shared.errors import DomainError


@strawberry.enum(description="Why an approval mutation changed nothing.")
class ApprovalErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"
    ALREADY_DECIDED = "already_decided"
    INVALID_TRANSITION = "invalid_transition"


@strawberry.type(description="A problem with an approval mutation; nothing changed.")
class ApprovalUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: ApprovalErrorCode = strawberry.field(description="What went wrong, for programs.")


def approval_error_code(error: DomainError) -> ApprovalErrorCode:
    # Most specific first: these subclass the shared conflict and validation errors.
    if isinstance(error, AlreadyDecidedError):
        return ApprovalErrorCode.ALREADY_DECIDED
    if isinstance(error, InvalidTransitionError):
        return ApprovalErrorCode.INVALID_TRANSITION
    return ApprovalErrorCode[error_code(error).name]


def approval_user_error(error: DomainError, default_field: str) -> ApprovalUserError:
    field_name = getattr(error, "field", None)
    return ApprovalUserError(
        field=field_name if isinstance(field_name, str) else error_field(error, default_field),
        message=str(error),
        code=approval_error_code(error),
    )
