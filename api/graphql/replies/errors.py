"""User errors of reply mutations."""

from enum import StrEnum

import strawberry

from api.graphql.inbox.errors import ErrorCode, error_code, error_field
from domain.replies.errors import (
    ApprovalPendingError,
    ChannelNotSupportedError,
    ReplyStateError,
    ToneFindingsError,
)
from domain.shared.errors import DomainError


@strawberry.enum(description="Why a reply mutation did not do what was asked.")
class ReplyErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"
    TONE_FINDINGS = "tone_findings"
    APPROVAL_REQUIRED = "approval_required"
    INVALID_STATUS = "invalid_status"
    CHANNEL_NOT_SUPPORTED = "channel_not_supported"


@strawberry.type(description="A problem with a reply mutation.")
class ReplyUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: ReplyErrorCode = strawberry.field(description="What went wrong, for programs.")


_SHARED_CODES = {
    ErrorCode.NOT_FOUND: ReplyErrorCode.NOT_FOUND,
    ErrorCode.FORBIDDEN: ReplyErrorCode.FORBIDDEN,
    ErrorCode.INVALID: ReplyErrorCode.INVALID,
    ErrorCode.CONFLICT: ReplyErrorCode.CONFLICT,
}


def reply_error_code(error: DomainError) -> ReplyErrorCode:
    """The user-error code of a domain error raised by the replies module."""
    # Most specific first: the reply errors subclass the shared ones.
    if isinstance(error, ToneFindingsError):
        return ReplyErrorCode.TONE_FINDINGS
    if isinstance(error, ApprovalPendingError):
        return ReplyErrorCode.APPROVAL_REQUIRED
    if isinstance(error, ReplyStateError):
        return ReplyErrorCode.INVALID_STATUS
    if isinstance(error, ChannelNotSupportedError):
        return ReplyErrorCode.CHANNEL_NOT_SUPPORTED
    return _SHARED_CODES[error_code(error)]


def reply_user_error(error: DomainError, default_field: str | None) -> ReplyUserError:
    # Errors about one input id carry the field they came from.
    field_name = getattr(error, "field", None)
    return ReplyUserError(
        field=field_name if isinstance(field_name, str) else error_field(error, default_field),
        message=str(error),
        code=reply_error_code(error),
    )


def approval_required_error() -> ReplyUserError:
    """What `replySend` reports when it submitted a draft that now awaits approval."""
    return ReplyUserError(
        field="replyId",
        message="submitted; the reply awaits the client's approval and can be sent once approved",
        code=ReplyErrorCode.APPROVAL_REQUIRED,
    )
