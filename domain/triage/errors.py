"""Errors of triage use cases."""

from domain.shared.errors import ValidationError


class InvalidTriageLabel(ValidationError):
    """A corrected label value that triage does not know (an unknown category,
    priority, sentiment, or a department the brand has no escalation route for).

    `field` names the input (`priority`, `category`, `sentiment`, `department`).
    """

    code = "invalid_triage_label"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, field=field)
        self.field: str = field
