"""Triage rules: sensitive-data detection, move-to-private and escalation routing.

Pure functions over plain values; brand settings reach them through `domain.triage.config`.
"""

from domain.triage.checksums import Checksum
from domain.triage.routes import EscalationRouteRule, RouteSuggestion, suggest_department
from domain.triage.sensitive import (
    IdentifierFormat,
    SensitiveKind,
    SensitiveMatch,
    find_sensitive_data,
    needs_private,
)

__all__ = [
    "Checksum",
    "EscalationRouteRule",
    "IdentifierFormat",
    "RouteSuggestion",
    "SensitiveKind",
    "SensitiveMatch",
    "find_sensitive_data",
    "needs_private",
    "suggest_department",
]
