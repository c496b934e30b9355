"""Errors of assignment."""

from domain.shared.errors import ValidationError


class InvalidAssignmentError(ValidationError):
    """A team, capacity or assignee that breaks a rule."""
