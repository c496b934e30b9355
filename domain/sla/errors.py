"""Errors of SLA policies."""

from domain.shared.errors import ValidationError


class InvalidPolicyError(ValidationError):
    """A policy whose targets, keys or hours break a rule."""
