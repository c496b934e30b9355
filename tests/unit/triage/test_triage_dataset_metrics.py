"""The triage rules measured against the 400 labelled mentions of the dev set.

Sensitive kinds are scored per predicted (kind, span): a prediction is a true positive
when a label of the same kind overlaps it, and a label is recalled when a prediction of
its kind overlaps it. The route and move-to-private rules get the labelled category as
input (category classification is not part of these rules). The keyword lists and cues
were developed on this same set, so these are in-sample figures; the thresholds sit a
little below what is measured so that a regression fails without making the suite
brittle.
"""

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from domain.triage.config import escalation_route_rules, identifier_formats, region_hints
from domain.triage.routes import EscalationRouteRule, suggest_department
from domain.triage.sensitive import (
    IdentifierFormat,
    SensitiveKind,
    SensitiveMatch,
    find_sensitive_data,
    needs_private,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

# The dataset's taxonomy files IBANs under account_number; the detector names them apart.
DATASET_KIND = {SensitiveKind.IBAN: "account_number"}


@dataclass(frozen=True)
class Brand:
    regions: tuple[str, ...]
    formats: Mapping[str, IdentifierFormat]
    routes: tuple[EscalationRouteRule, ...]
    email_domains: tuple[str, ...]


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int

    def overlaps(self, other: "Span") -> bool:
        return self.kind == other.kind and self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Mention:
    id: str
    brand: str
    kind: str
    text: str
    labels: Mapping[str, Any]

    @property
    def labelled_spans(self) -> tuple[Span, ...]:
        return tuple(
            Span(span["kind"], span["start"], span["end"])
            for span in self.labels["sensitive_spans"]
        )


@dataclass
class KindScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0


def score_kinds(pairs: Iterable[tuple[Iterable[Span], Iterable[Span]]]) -> dict[str, KindScore]:
    """Per-kind scores over (predicted, labelled) span sets, plus an ``overall`` entry."""
    scores: dict[str, KindScore] = {}
    for predicted_spans, labelled_spans in pairs:
        predicted, labelled = list(predicted_spans), list(labelled_spans)
        for span in predicted:
            score = scores.setdefault(span.kind, KindScore())
            if any(span.overlaps(label) for label in labelled):
                score.true_positives += 1
            else:
                score.false_positives += 1
        for label in labelled:
            if not any(span.overlaps(label) for span in predicted):
                scores.setdefault(label.kind, KindScore()).false_negatives += 1
    scores["overall"] = KindScore(
        sum(score.true_positives for score in scores.values()),
        sum(score.false_positives for score in scores.values()),
        sum(score.false_negatives for score in scores.values()),
    )
    return scores


def accuracy(outcomes: Iterable[bool]) -> float:
    results = list(outcomes)
    return sum(results) / len(results)


def as_span(match: SensitiveMatch) -> Span:
    return Span(DATASET_KIND.get(match.kind, match.kind.value), match.start, match.end)


@dataclass(frozen=True)
class Evaluation:
    mentions: tuple[Mention, ...]
    brands: Mapping[str, Brand]
    precedence: tuple[str, ...]

    @cached_property
    def matches(self) -> dict[str, tuple[SensitiveMatch, ...]]:
        return {
            mention.id: find_sensitive_data(
                mention.text,
                region_hints=self.brands[mention.brand].regions,
                identifier_formats=self.brands[mention.brand].formats,
                brand_email_domains=self.brands[mention.brand].email_domains,
            )
            for mention in self.mentions
        }

    @cached_property
    def kind_scores(self) -> dict[str, KindScore]:
        return score_kinds(
            ((as_span(m) for m in self.matches[mention.id]), mention.labelled_spans)
            for mention in self.mentions
        )

    def needs_private(self, mention: Mention, *, with_category: bool) -> bool:
        return needs_private(
            self.matches[mention.id],
            is_private_channel=mention.kind == "dm",
            category=mention.labels["category"] if with_category else None,
        )

    @cached_property
    def departments(self) -> dict[str, str | None]:
        suggestions = {
            mention.id: suggest_department(
                mention.text,
                mention.labels["category"],
                self.brands[mention.brand].routes,
                self.precedence,
            )
            for mention in self.mentions
        }
        return {
            mention_id: None if suggestion is None else suggestion.department
            for mention_id, suggestion in suggestions.items()
        }


def _brand(settings: Mapping[str, Any]) -> Brand:
    market = settings["market"]
    return Brand(
        regions=region_hints(settings["locales"]),
        formats=identifier_formats(
            settings["identifier_formats"],
            country=market if len(market) == 2 and market.isupper() else None,
        ),
        routes=escalation_route_rules(settings["escalation_routes"]),
        email_domains=tuple(
            sorted(
                {route["contact_email"].split("@")[1] for route in settings["escalation_routes"]}
            )
        ),
    )


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    tenant = json.loads((FIXTURES / "brands.json").read_text(encoding="utf-8"))["tenant"]
    lines = (FIXTURES / "mentions" / "mentions_dev.jsonl").read_text(encoding="utf-8").splitlines()
    mentions = tuple(
        Mention(raw["id"], raw["brand"], raw["kind"], raw["text"], raw["labels"])
        for raw in map(json.loads, filter(None, lines))
    )
    return Evaluation(
        mentions=mentions,
        brands={brand["slug"]: _brand(brand) for brand in tenant["brands"]},
        precedence=tuple(tenant["escalation_precedence"]),
    )


def test_the_fixture_is_the_labelled_dev_set(evaluation: Evaluation) -> None:
    assert len(evaluation.mentions) == 400
    assert sum(bool(mention.labelled_spans) for mention in evaluation.mentions) == 49
    assert sum(len(mention.labelled_spans) for mention in evaluation.mentions) == 55


def test_metric_helper_counts_overlaps_per_kind() -> None:
    scores = score_kinds(
        [
            ([Span("phone", 0, 10), Span("email", 20, 30)], [Span("phone", 5, 12)]),
            ([Span("phone", 0, 10)], [Span("email", 0, 10), Span("phone", 40, 50)]),
        ]
    )

    assert scores["phone"] == KindScore(true_positives=1, false_positives=1, false_negatives=1)
    assert scores["email"] == KindScore(true_positives=0, false_positives=1, false_negatives=1)
    assert scores["overall"] == KindScore(true_positives=1, false_positives=2, false_negatives=2)
    assert (scores["overall"].precision, scores["overall"].recall) == (1 / 3, 1 / 3)


def test_sensitive_kinds_overall(evaluation: Evaluation) -> None:
    overall = evaluation.kind_scores["overall"]

    assert overall.precision >= 0.97
    assert overall.recall >= 0.97


@pytest.mark.parametrize(
    "kind",
    [
        "account_number",
        "address",
        "booking_reference",
        "card_number",
        "email",
        "national_id",
        "passport_number",
        "phone",
        "policy_number",
    ],
)
def test_sensitive_kind(evaluation: Evaluation, kind: str) -> None:
    score = evaluation.kind_scores[kind]

    assert score.precision >= 0.8
    assert score.recall >= 0.8


def test_spans_follow_the_dataset_convention(evaluation: Evaluation) -> None:
    labelled = {
        (mention.id, span) for mention in evaluation.mentions for span in mention.labelled_spans
    }
    predicted = {
        (mention_id, as_span(match))
        for mention_id, matches in evaluation.matches.items()
        for match in matches
    }

    assert len(labelled & predicted) / len(predicted) >= 0.95


def test_previews_never_reveal_the_value(evaluation: Evaluation) -> None:
    texts = {mention.id: mention.text for mention in evaluation.mentions}
    revealed = [
        (mention_id, match.kind)
        for mention_id, matches in evaluation.matches.items()
        for match in matches
        if texts[mention_id][match.start : match.end] in match.value_preview
    ]

    assert revealed == []


def test_needs_private_accuracy(evaluation: Evaluation) -> None:
    result = accuracy(
        evaluation.needs_private(mention, with_category=True) == mention.labels["needs_private"]
        for mention in evaluation.mentions
    )

    assert result >= 0.95


def test_needs_private_from_sensitive_data_alone(evaluation: Evaluation) -> None:
    # Without the category the rule only sees the sensitive data; public complaints that
    # need the customer's account but contain no identifier are then missed.
    result = accuracy(
        evaluation.needs_private(mention, with_category=False) == mention.labels["needs_private"]
        for mention in evaluation.mentions
    )

    assert result >= 0.83


def test_private_messages_never_need_private(evaluation: Evaluation) -> None:
    dms = [mention for mention in evaluation.mentions if mention.kind == "dm"]

    assert len(dms) == 17
    assert not any(evaluation.needs_private(mention, with_category=True) for mention in dms)


def test_department_accuracy(evaluation: Evaluation) -> None:
    result = accuracy(
        evaluation.departments[mention.id] == mention.labels["escalate_to"]
        for mention in evaluation.mentions
    )

    assert result >= 0.93


def test_department_accuracy_on_escalated_mentions(evaluation: Evaluation) -> None:
    escalated = [mention for mention in evaluation.mentions if mention.labels["escalate_to"]]

    result = accuracy(
        evaluation.departments[mention.id] == mention.labels["escalate_to"] for mention in escalated
    )

    assert len(escalated) == 144
    assert result >= 0.93


def test_every_outage_goes_to_technical(evaluation: Evaluation) -> None:
    outages = [m for m in evaluation.mentions if m.labels["category"] == "outage"]

    assert Counter(evaluation.departments[mention.id] for mention in outages) == {
        "technical": len(outages)
    }
