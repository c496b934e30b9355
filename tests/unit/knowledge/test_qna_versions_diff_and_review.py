"""Version diffs, review dates and exports of Q&A entries (pure rules)."""

import json
from datetime import UTC, date, datetime

from domain.knowledge.rules import (
    QnaContent,
    is_stale,
    last_reviewed_on,
    parse_qna_jsonl,
    qna_record_json,
    review_due_at,
    version_diff,
)

BEFORE = QnaContent(
    question_variants=("Jak zgłosić szkodę?", "Gdzie zgłosić wypadek?"),
    answer="Szkodę można zgłosić w aplikacji.",
    product="OC",
    tags=("szkoda",),
)


def test_the_diff_shows_changed_lines_only() -> None:
    after = QnaContent(
        question_variants=("Jak zgłosić szkodę?", "Gdzie zgłosić wypadek?", "Szkoda – co dalej?"),
        answer="Szkodę można zgłosić w aplikacji lub na infolinii.",
        product="OC",
        tags=("szkoda", "zgłoszenie"),
    )

    diff = version_diff(BEFORE, after, before_label="qna-1 v1", after_label="qna-1 v2")

    assert diff.splitlines() == [
        "--- qna-1 v1",
        "+++ qna-1 v2",
        "@@ -1,5 +1,6 @@",
        " Q: Jak zgłosić szkodę?",
        " Q: Gdzie zgłosić wypadek?",
        "-A: Szkodę można zgłosić w aplikacji.",
        "+Q: Szkoda – co dalej?",
        "+A: Szkodę można zgłosić w aplikacji lub na infolinii.",
        " Product: OC",
        "-Tags: szkoda",
        "+Tags: szkoda, zgłoszenie",
    ]


def test_identical_versions_have_an_empty_diff() -> None:
    assert version_diff(BEFORE, BEFORE, before_label="a", after_label="b") == ""


def test_an_entry_is_stale_half_a_year_after_its_review() -> None:
    due = review_due_at(date(2026, 5, 1))
    assert due == datetime(2026, 10, 28, tzinfo=UTC)
    assert is_stale(due, now=datetime(2026, 10, 27, 23, 59, tzinfo=UTC)) is False
    assert is_stale(due, now=datetime(2026, 10, 28, tzinfo=UTC)) is True
    assert last_reviewed_on(due) == date(2026, 5, 1)
    assert last_reviewed_on(None) is None
    assert review_due_at(None) is None
    assert is_stale(None, now=datetime(2030, 1, 1, tzinfo=UTC)) is False


def test_an_exported_line_reads_back_as_the_same_record() -> None:
    line = qna_record_json("qna-1", "wierzba", "pl", BEFORE, date(2026, 10, 28))
    [record] = parse_qna_jsonl(line)
    assert (record.id, record.brand, record.language, record.product) == (
        "qna-1",
        "wierzba",
        "pl",
        "OC",
    )
    assert record.question_variants == BEFORE.question_variants
    assert record.answer == BEFORE.answer
    assert record.tags == ("szkoda",)
    assert record.last_reviewed == date(2026, 10, 28)
    assert json.loads(line)["last_reviewed"] == "2026-10-28"
