"""Pure parts of stored corrections and incidents: validation, diffs, memory, keys."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.triage.corrections import Correction, CorrectionMemory
from domain.triage.errors import InvalidTriageLabel
from domain.triage.feedback import (
    FeedbackValue,
    FieldChange,
    apply_changes,
    change_reason,
    corrections_from_feedback,
    label_changes,
    validate_correction,
    with_derived_priority,
)
from domain.triage.incidents import incident_kind, incident_title, shared_terms, stored_keys
from domain.triage.spikes import Incident

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
MODEL = {
    "priority": "cold",
    "category": "question",
    "sentiment": "neutral",
    "escalate_to": None,
    "language": "en",
    "needs_private": False,
    "incident": None,
    "score": 20,
}


def validate(**values: str | None) -> dict[str, str | None]:
    arguments: dict[str, str | None] = {
        "priority": None,
        "category": None,
        "sentiment": None,
        "department": None,
    }
    arguments.update(values)
    return validate_correction(**arguments, departments=("billing", "legal"))


def test_valid_values_are_requested_and_none_means_untouched() -> None:
    assert validate() == {}
    assert validate(priority="hot", category="outage", sentiment="negative") == {
        "priority": "hot",
        "category": "outage",
        "sentiment": "negative",
    }
    assert validate(department="legal") == {"department": "legal"}
    assert validate(department="none") == {"department": None}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priority", "urgent"),
        ("priority", "HOT"),
        ("category", "angry"),
        ("sentiment", "mixed"),
        ("department", "marketing"),
        ("department", ""),
    ],
)
def test_unknown_values_are_refused_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(InvalidTriageLabel) as raised:
        validate(**{field: value})
    assert raised.value.field == field
    assert raised.value.code == "invalid_triage_label"
    assert f"unknown {field} '{value}'" in str(raised.value)


def test_a_corrected_category_brings_its_priority_unless_priority_is_corrected_too() -> None:
    assert with_derived_priority({"category": "spam"}) == {"category": "spam", "priority": "noise"}
    assert with_derived_priority({"category": "praise", "sentiment": "positive"}) == {
        "category": "praise",
        "sentiment": "positive",
        "priority": "cold",
    }
    assert with_derived_priority({"category": "question", "priority": "hot"}) == {
        "category": "question",
        "priority": "hot",
    }
    assert with_derived_priority({"sentiment": "negative"}) == {"sentiment": "negative"}


def test_only_differing_values_are_changes_in_field_order() -> None:
    requested = {"sentiment": "negative", "priority": "cold", "department": "billing"}
    assert label_changes(MODEL, requested) == [
        FieldChange("sentiment", "neutral", "negative"),
        FieldChange("department", None, "billing"),
    ]
    assert label_changes({}, {"category": "spam"}) == [FieldChange("category", None, "spam")]
    assert label_changes(MODEL, {"priority": "cold"}) == []


def test_applying_keeps_the_model_labels_once_and_lists_corrected_fields() -> None:
    first = apply_changes(MODEL, [FieldChange("priority", "cold", "hot")])
    assert first["priority"] == "hot"
    assert first["corrected"] is True
    assert first["corrected_fields"] == ["priority"]
    assert first["model"] == {
        "priority": "cold",
        "category": "question",
        "sentiment": "neutral",
        "escalate_to": None,
        "language": "en",
        "needs_private": False,
    }
    assert first["score"] == 20
    second = apply_changes(first, [FieldChange("department", None, "legal")])
    assert second["escalate_to"] == "legal"
    assert second["model"] == first["model"]
    assert second["corrected_fields"] == ["department", "priority"]
    assert MODEL["priority"] == "cold"


def test_the_reason_says_what_changed() -> None:
    changes = [FieldChange("priority", "cold", "hot"), FieldChange("department", "legal", None)]
    assert (
        change_reason(changes) == "corrected by agent: priority cold → hot, department legal → none"
    )


def value(
    mention: str, field: str, new: str | None, minutes: int, text: str = "t"
) -> FeedbackValue:
    return FeedbackValue(mention, text, field, new, "an agent", AT + timedelta(minutes=minutes))


def test_feedback_becomes_one_correction_per_mention_with_the_latest_values() -> None:
    rows = [
        value("m2", "priority", "hot", 5, "second text"),
        value("m1", "category", "complaint", 0, "first text"),
        value("m1", "category", "outage", 3, "first text"),
        value("m1", "department", None, 1, "first text"),
        value("m1", "needs_private", "true", 4, "first text"),
        value("m3", "needs_private", "true", 6, "third text"),
    ]
    corrections = corrections_from_feedback("tenant-a", rows)
    assert corrections == [
        Correction(
            tenant_id="tenant-a",
            mention_id="m1",
            text="first text",
            labels={"category": "outage", "escalate_to": None},
            corrected_by="an agent",
            corrected_at=AT + timedelta(minutes=3),
        ),
        Correction(
            tenant_id="tenant-a",
            mention_id="m2",
            text="second text",
            labels={"priority": "hot"},
            corrected_by="an agent",
            corrected_at=AT + timedelta(minutes=5),
        ),
    ]
    memory = CorrectionMemory()
    for correction in corrections:
        memory.add(correction)
    match = memory.match("tenant-a", "first text!")
    assert match is not None
    assert match.correction.mention_id == "m1"
    assert memory.match("tenant-b", "first text") is None


def test_incident_kinds_and_titles() -> None:
    assert incident_kind("outage") == "outage"
    assert incident_kind("complaint") == "complaint_wave"
    assert incident_title("outage", ["login", "error", "morni", "again"]) == (
        "Outage reports: login, error, morni"
    )
    assert incident_title("complaint", []) == "Wave of complaints"
    assert incident_title("urgent_request", ["refun"]) == "Wave of urgent requests: refun"


def test_shared_terms_are_stems_in_two_or_more_texts_most_shared_first() -> None:
    texts = [
        "Solvia login broken, error again",
        "Cannot login, error page",
        "Login fails with an error, Solvia please",
        "Broken payments",
    ]
    assert shared_terms(texts, ignored=["Solvia"]) == ["error", "login", "broke"]
    assert shared_terms(["only one text here"]) == []


def test_stored_keys_prefer_the_key_already_on_the_earliest_member() -> None:
    fresh = Incident("b-outage-1", "b", "outage", AT, AT, mention_ids=["a", "b", "c"])
    known = Incident("b-outage-2", "b", "outage", AT, AT, mention_ids=["d", "e", "f"])
    previous: dict[str, str | None] = {"a": None, "d": None, "e": "b-outage-0", "f": "b-outage-9"}
    assert stored_keys([fresh, known], previous) == {
        "b-outage-1": "b-outage-1",
        "b-outage-2": "b-outage-0",
    }
