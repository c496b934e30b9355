"""The triage pipeline measured by 5-fold cross-validation on the labelled dev set.

Every mention is scored by a model trained without it (see `domain.triage.evaluation`).
The thresholds sit a little below the figures measured when this was written (in
comments) so that a regression fails without making the suite brittle. The cue
vocabularies were written with the dev set in view, so these figures are optimistic for
new brands and phrasings; docs/triage.md says by how much.
"""

from collections.abc import Mapping
from typing import Any

import pytest

from domain.triage.brands import load_brand_catalogue
from domain.triage.evaluation import evaluate_with_seed_examples
from domain.triage.examples import load_labelled_mentions
from domain.triage.model import DEFAULT_CASCADE_THRESHOLD, E5Embedder


@pytest.fixture(scope="module")
def cascade() -> Mapping[str, Any]:
    """The product's default: the sentence-embedding stage for unsure mentions only."""
    return evaluate_with_seed_examples(
        load_labelled_mentions(), brands=load_brand_catalogue(), embedder=E5Embedder()
    ).report


@pytest.fixture(scope="module")
def fast_stage() -> Mapping[str, Any]:
    """The cue-feature stage alone: what triage falls back to when nothing is embedded."""
    return evaluate_with_seed_examples(
        load_labelled_mentions(),
        brands=load_brand_catalogue(),
        embedder=None,
        cascade_threshold=0.0,
    ).report


@pytest.fixture(scope="module")
def full_stage() -> Mapping[str, Any]:
    """Every mention through the sentence-embedding stage."""
    return evaluate_with_seed_examples(
        load_labelled_mentions(),
        brands=load_brand_catalogue(),
        embedder=E5Embedder(),
        cascade_threshold=1.0,
    ).report


def test_every_item_is_scored_without_its_training_twin(cascade: Mapping[str, Any]) -> None:
    method = cascade["method"]

    assert method["scored_without_their_training_twin"] == 400
    assert method["scored_by_the_model_trained_on_all_examples"] == 0
    assert method["cascade_threshold"] == DEFAULT_CASCADE_THRESHOLD
    assert method["category_decided_by"] == {"fast": 389, "full": 11}


@pytest.mark.parametrize(
    ("label", "metric", "minimum"),
    [
        ("priority", "macro_f1", 0.88),  # 0.8918
        ("category", "macro_f1", 0.82),  # 0.8344
        ("sentiment", "macro_f1", 0.87),  # 0.8798
        ("language", "accuracy", 0.99),  # 0.9975
        ("escalate_to", "accuracy", 0.89),  # 0.9025
        ("needs_private", "accuracy", 0.91),  # 0.925
    ],
)
def test_cascade_metrics(
    cascade: Mapping[str, Any], label: str, metric: str, minimum: float
) -> None:
    assert cascade["labels"][label][metric] >= minimum


@pytest.mark.parametrize(
    ("language", "priority", "category"),
    [
        ("en", 0.92, 0.83),  # 0.9335 / 0.8399
        ("fa", 0.86, 0.80),  # 0.8674 / 0.8105
        ("it", 0.86, 0.80),  # 0.8743 / 0.8156
        ("pl", 0.87, 0.82),  # 0.8843 / 0.8301
        ("ru", 0.88, 0.86),  # 0.8945 / 0.8716
    ],
)
def test_cascade_metrics_per_language(
    cascade: Mapping[str, Any], language: str, priority: float, category: float
) -> None:
    scores = cascade["by_language"][language]

    assert scores["priority"]["macro_f1"] >= priority
    assert scores["category"]["macro_f1"] >= category
    assert scores["language"]["accuracy"] >= 0.98  # it: 0.9875 (one mixed post), others 1.0


@pytest.mark.parametrize(
    ("language", "priority"),
    [
        ("en", 0.92),  # 0.9335
        ("fa", 0.86),  # 0.8674
        ("it", 0.86),  # 0.8739
        ("pl", 0.87),  # 0.8843
        ("ru", 0.87),  # 0.8855
    ],
)
def test_fast_stage_alone_reaches_the_priority_target_in_every_language(
    fast_stage: Mapping[str, Any], language: str, priority: float
) -> None:
    assert fast_stage["method"]["category_decided_by"] == {"fast": 400}
    assert fast_stage["labels"]["priority"]["macro_f1"] >= 0.88  # 0.8897
    assert fast_stage["by_language"][language]["priority"]["macro_f1"] >= priority


@pytest.mark.parametrize(
    ("label", "minimum"),
    [("priority", 0.91), ("category", 0.86), ("sentiment", 0.88)],  # 0.9207 / 0.8702 / 0.8948
)
def test_full_stage_metrics(full_stage: Mapping[str, Any], label: str, minimum: float) -> None:
    assert full_stage["labels"][label]["macro_f1"] >= minimum
    assert full_stage["method"]["category_decided_by"] == {"full": 400}


def test_sensitive_data(cascade: Mapping[str, Any]) -> None:
    overall = cascade["sensitive_data"]["overall"]

    assert (overall["precision"], overall["recall"], overall["support"]) == (1.0, 1.0, 55)
    assert set(cascade["sensitive_data"]["kinds"]) == {
        "account_number",
        "address",
        "booking_reference",
        "card_number",
        "email",
        "national_id",
        "passport_number",
        "phone",
        "policy_number",
    }


def test_every_outage_burst_becomes_one_incident(cascade: Mapping[str, Any]) -> None:
    incidents = cascade["incidents"]

    assert incidents["matched"] == {
        "biryuza-app-20261113": "biryuza-outage-20261113-1542",
        "forchetta-app-20261127": "forchetta-outage-20261127-1855",
        "kestrel-dcs-20261108": "kestrel-outage-20261108-0532",
        "nilgoon-net-20261120": "nilgoon-outage-20261120-1745",
        "wierzba-portal-20261121": "wierzba-outage-20261121-2106",
    }
    assert incidents["found_incidents"] == 5
    assert incidents["member_precision"] == 1.0
    assert incidents["member_recall"] >= 0.86  # 0.8718


def test_report_shape(cascade: Mapping[str, Any]) -> None:
    priority = cascade["labels"]["priority"]

    assert set(priority) == {"accuracy", "macro_f1", "classes"}
    assert set(priority["classes"]) == {"cold", "hot", "noise"}
    assert set(priority["classes"]["hot"]) == {"precision", "recall", "f1", "support"}
    assert sum(c["support"] for c in priority["classes"].values()) == 400
    assert set(cascade["by_language"]) == {"en", "fa", "it", "pl", "ru"}
