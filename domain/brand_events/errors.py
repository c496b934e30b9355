"""Errors of the brand events calendar."""

from domain.shared.errors import ValidationError


class InvalidBrandEventError(ValidationError):
    """An event whose window, factor or kind breaks a rule."""
