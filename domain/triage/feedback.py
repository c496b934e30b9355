"""Agent corrections as plain values: validate, diff, apply to labels, and turn stored
feedback back into the corrections memory the pipeline consults.

Pure functions; `domain.triage.service` stores and loads, this module decides.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from domain.triage.corrections import Correction
from domain.triage.errors import InvalidTriageLabel
from domain.triage.rules import CATEGORIES, PRIORITY_OF_CATEGORY, Priority, Sentiment

__all__ = [
    "LABEL_OF_FIELD",
    "MODEL_LABELS",
    "NO_DEPARTMENT",
    "FeedbackValue",
    "FieldChange",
    "apply_changes",
    "change_reason",
    "corrections_from_feedback",
    "label_changes",
    "validate_correction",
    "with_derived_priority",
]

#: The department value that clears a suggested escalation.
NO_DEPARTMENT: Final = "none"

#: The `Mention.labels` key of each correctable field.
LABEL_OF_FIELD: Mapping[str, str] = {
    "priority": "priority",
    "category": "category",
    "sentiment": "sentiment",
    "department": "escalate_to",
    "language": "language",
    "needs_private": "needs_private",
}

#: The `Correction.labels` key of each field the pipeline's memory can reuse.
_MEMORY_LABEL_OF_FIELD: Mapping[str, str] = {
    "priority": "priority",
    "category": "category",
    "sentiment": "sentiment",
    "department": "escalate_to",
    "language": "language",
}

_PRIORITIES = frozenset(priority.value for priority in Priority)
_SENTIMENTS = frozenset(sentiment.value for sentiment in Sentiment)
#: The labels kept under ``labels["model"]`` once an agent corrects a mention.
MODEL_LABELS = ("priority", "category", "sentiment", "escalate_to", "language", "needs_private")


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One label changed by a correction: `field` as in `LABEL_OF_FIELD`; `None` is
    "no value" (for `department`: no escalation)."""

    field: str
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True, slots=True)
class FeedbackValue:
    """A stored feedback row as the corrections memory needs it."""

    mention_id: str
    text: str
    field: str
    new_value: str | None
    corrected_by: str
    corrected_at: datetime


def validate_correction(
    *,
    priority: str | None,
    category: str | None,
    sentiment: str | None,
    department: str | None,
    departments: Collection[str],
) -> dict[str, str | None]:
    """The requested changes by field, checked; None arguments are not requested.

    `department` must be one of the brand's `departments` or `NO_DEPARTMENT` (which
    becomes None). Raises `InvalidTriageLabel` naming the first bad field.
    """
    requested: dict[str, str | None] = {}
    if priority is not None:
        requested["priority"] = _checked("priority", priority, _PRIORITIES)
    if category is not None:
        requested["category"] = _checked("category", category, frozenset(CATEGORIES))
    if sentiment is not None:
        requested["sentiment"] = _checked("sentiment", sentiment, _SENTIMENTS)
    if department is not None:
        if department == NO_DEPARTMENT:
            requested["department"] = None
        else:
            requested["department"] = _checked("department", department, frozenset(departments))
    return requested


def with_derived_priority(requested: Mapping[str, str | None]) -> dict[str, str | None]:
    """The requested changes, with the priority of a corrected category added unless
    the priority is corrected too: priority follows the category (the annotation
    guide's rule, and what the pipeline's memory does with a corrected category)."""
    derived = dict(requested)
    category = requested.get("category")
    if category is not None and "priority" not in requested:
        derived["priority"] = PRIORITY_OF_CATEGORY[category].value
    return derived


def _checked(field: str, value: str, allowed: frozenset[str]) -> str:
    if value not in allowed:
        choices = ", ".join(sorted(allowed)) or "none"
        raise InvalidTriageLabel(f"unknown {field} '{value}' (one of: {choices})", field=field)
    return value


def label_changes(
    labels: Mapping[str, Any], requested: Mapping[str, str | None]
) -> list[FieldChange]:
    """The requested fields whose value differs from the mention's labels, in the
    order of `LABEL_OF_FIELD`."""
    changes = []
    for field, label in LABEL_OF_FIELD.items():
        if field not in requested:
            continue
        old = labels.get(label)
        old_value = None if old is None else str(old)
        if old_value != requested[field]:
            changes.append(FieldChange(field, old_value, requested[field]))
    return changes


def apply_changes(labels: Mapping[str, Any], changes: Sequence[FieldChange]) -> dict[str, Any]:
    """The mention's labels after `changes`.

    The model's own labels are kept once under ``"model"`` (a second correction does
    not overwrite them); ``"corrected"`` is True and ``"corrected_fields"`` lists every
    field an agent has set so far.
    """
    updated = dict(labels)
    if "model" not in updated:
        updated["model"] = {label: labels.get(label) for label in MODEL_LABELS}
    for change in changes:
        updated[LABEL_OF_FIELD[change.field]] = change.new_value
    updated["corrected"] = True
    fields = set(updated.get("corrected_fields") or ()) | {change.field for change in changes}
    updated["corrected_fields"] = sorted(fields)
    return updated


def change_reason(changes: Sequence[FieldChange]) -> str:
    """The reason line a correction adds, e.g. ``corrected by agent: priority cold → hot``."""
    parts = [
        f"{change.field} {change.old_value or 'none'} → {change.new_value or 'none'}"
        for change in changes
    ]
    return "corrected by agent: " + ", ".join(parts)


def corrections_from_feedback(tenant_id: str, rows: Iterable[FeedbackValue]) -> list[Correction]:
    """One `Correction` per corrected mention: each field's latest value, the latest
    corrector and time. Fields the memory cannot reuse (`needs_private`) are skipped;
    a mention left with none is skipped."""
    latest: dict[str, dict[str, FeedbackValue]] = {}
    for row in sorted(rows, key=lambda item: item.corrected_at):
        if row.field in _MEMORY_LABEL_OF_FIELD:
            latest.setdefault(row.mention_id, {})[row.field] = row
    corrections = []
    for mention_id, by_field in latest.items():
        newest = max(by_field.values(), key=lambda item: item.corrected_at)
        corrections.append(
            Correction(
                tenant_id=tenant_id,
                mention_id=mention_id,
                text=newest.text,
                labels={
                    _MEMORY_LABEL_OF_FIELD[field]: row.new_value for field, row in by_field.items()
                },
                corrected_by=newest.corrected_by,
                corrected_at=newest.corrected_at,
            )
        )
    return corrections
