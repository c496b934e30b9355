"""Errors of approvals."""

from domain.shared.errors import ConflictError, PermissionDeniedError, ValidationError


class InvalidTransitionError(ValidationError):
    """A lifecycle step that the current state does not allow (e.g. deciding twice)."""

    code = "invalid_transition"


class AlreadyDecidedError(ConflictError):
    """The approval request was decided before."""

    code = "already_decided"


class NotAnApproverError(PermissionDeniedError):
    """The person named as approver is not a client approver of the brand."""

    code = "not_an_approver"


class NoDecisionHandlerError(ValidationError):
    """No handler is registered for the subject kind of a request."""

    code = "no_decision_handler"
