"""User errors of Q&A and tone guideline mutations."""

from enum import StrEnum

import strawberry

from api.graphql.inbox.errors import error_code, error_field
from domain.approvals.errors import InvalidTransitionError
from domain.knowledge.errors import NoApprovedVersionError
from domain.shared.errors import DomainError


@strawberry.enum(description="Why a Q&A or tone guideline mutation changed nothing.")
class KnowledgeErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    NO_APPROVED_VERSION = "no_approved_version"


@strawberry.type(description="A problem with a Q&A or tone guideline mutation; nothing changed.")
class KnowledgeUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: KnowledgeErrorCode = strawberry.field(description="What went wrong, for programs.")


def knowledge_error_code(error: DomainError) -> KnowledgeErrorCode:
    # Most specific first: these subclass the shared validation error.
    if isinstance(error, InvalidTransitionError):
        return KnowledgeErrorCode.INVALID_TRANSITION
    if isinstance(error, NoApprovedVersionError):
        return KnowledgeErrorCode.NO_APPROVED_VERSION
    return KnowledgeErrorCode[error_code(error).name]


def knowledge_user_error(error: DomainError, default_field: str) -> KnowledgeUserError:
    # Errors about one input id carry the field they came from.
    field_name = getattr(error, "field", None)
    return KnowledgeUserError(
        field=field_name if isinstance(field_name, str) else error_field(error, default_field),
        message=str(error),
        code=knowledge_error_code(error),
    )
