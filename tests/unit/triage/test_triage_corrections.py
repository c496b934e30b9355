"""Agent corrections: a per-tenant memory consulted before the model."""

from datetime import UTC, datetime

import pytest

from domain.triage.corrections import Correction, CorrectionMemory, text_similarity
from domain.triage.examples import MentionInput
from domain.triage.pipeline import Triager
from domain.triage.rules import TriageContext

CORRECTED_AT = datetime(2026, 11, 14, 9, 30, tzinfo=UTC)
ORIGINAL = "Restaurant forgot the drinks again, third time in a row"
NEAR_IDENTICAL = "Restaurant forgot the drinks AGAIN, third time in a row!!"


@pytest.fixture(scope="module")
def triager() -> Triager:
    # The fast stage alone: corrections are consulted before any model stage.
    return Triager.from_seed_examples(embedder=None)


def correction(tenant_id: str, text: str = ORIGINAL, **labels: str | None) -> Correction:
    return Correction(
        tenant_id=tenant_id,
        mention_id="m-original",
        text=text,
        labels=labels or {"category": "complaint"},
        corrected_by="agent-7",
        corrected_at=CORRECTED_AT,
    )


def forchetta(text: str) -> MentionInput:
    return MentionInput(
        id="m-later", brand="forchetta", channel_kind="instagram", kind="comment", text=text
    )


def test_a_correction_changes_a_near_identical_mention_of_the_same_tenant_only() -> None:
    triager = Triager.from_seed_examples(embedder=None)
    before = triager.triage_mention(forchetta(NEAR_IDENTICAL))
    triager.corrections.add(correction("tenant-a", category="complaint", escalate_to="logistics"))

    same_tenant = triager.triage_mention(forchetta(NEAR_IDENTICAL), context=_context("tenant-a"))
    other_tenant = triager.triage_mention(forchetta(NEAR_IDENTICAL), context=_context("tenant-b"))

    assert (before.labels.category, before.labels.priority) == ("general_mention", "cold")
    assert (same_tenant.labels.category, same_tenant.labels.priority) == ("complaint", "hot")
    assert same_tenant.labels.escalate_to == "logistics"
    assert same_tenant.stage == "correction"
    assert same_tenant.reasons[1] == (
        "category complaint: corrected by agent-7 on 2026-11-14 for a similar mention (95% alike)"
    )
    assert other_tenant.labels == before.labels
    assert other_tenant.stage == "fast"


def test_a_different_text_is_not_affected(triager: Triager) -> None:
    memory = CorrectionMemory()
    memory.add(correction("tenant-a"))

    assert memory.match("tenant-a", "Your rider was really kind, thanks a lot!") is None
    assert memory.match(None, ORIGINAL) is None


def test_the_most_similar_then_newest_correction_wins() -> None:
    memory = CorrectionMemory()
    older = correction("tenant-a", category="troll")
    newer = Correction(
        tenant_id="tenant-a",
        mention_id="m2",
        text=ORIGINAL,
        labels={"category": "complaint"},
        corrected_by="agent-9",
        corrected_at=datetime(2026, 11, 15, tzinfo=UTC),
    )
    memory.add(older)
    memory.add(newer)

    match = memory.match("tenant-a", ORIGINAL)

    assert match is not None
    assert match.correction == newer
    assert match.similarity == pytest.approx(1.0)
    assert memory.corrections("tenant-a") == (older, newer)
    assert memory.corrections("tenant-b") == ()


def test_corrected_priority_and_sentiment_are_kept_as_given(triager: Triager) -> None:
    memory = CorrectionMemory()
    memory.add(correction("tenant-a", priority="noise", sentiment="negative", category="troll"))
    corrected = Triager(brands=triager.brands, model=triager.model, corrections=memory)

    result = corrected.triage_mention(forchetta(ORIGINAL), context=_context("tenant-a"))

    assert (result.labels.category, result.labels.priority, result.labels.sentiment) == (
        "troll",
        "noise",
        "negative",
    )
    assert result.reasons[3] == (
        "noise: corrected by agent-7 on 2026-11-14 for a similar mention (100% alike)"
    )


def test_only_known_labels_can_be_corrected() -> None:
    with pytest.raises(ValueError, match="labels that cannot be corrected: \\['colour'\\]"):
        correction("tenant-a", colour="blue")


def test_similarity_ignores_case_digits_and_spacing() -> None:
    assert text_similarity("Order 123  is LATE", "order 456 is late") == pytest.approx(1.0)
    assert text_similarity("Order is late", "Thanks for the pizza") < 0.3


def _context(tenant_id: str) -> TriageContext:
    return TriageContext(tenant_id=tenant_id)
