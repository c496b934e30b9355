"""Honest evaluation of the triage pipeline against labelled mentions.

No item is scored by a model that saw it. An evaluated item whose text (case and spacing
folded) is also a training example is scored by a model trained without that example:
such items are split into ``folds`` folds, stratified by category, and each fold is
scored by a model trained on all other examples (k-fold cross-validation when the file is
the training data itself). Items the training data does not contain are scored by the
model trained on everything. The rule stages (spikes, priority, sensitive data, routes)
then run over all items in file order, as one stream.

Metrics: per label accuracy, macro-F1 and per-class precision/recall/F1, overall and per
reference language; sensitive data per kind, a predicted span counting as right when a
labelled span of the same kind overlaps it (IBANs are filed under ``account_number`` as
in the dataset); incidents as the share of labelled burst members grouped with the
majority of their burst, and of grouped mentions that belong to a labelled burst.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from domain.triage.brands import BrandProfile
from domain.triage.examples import LabelledMention, load_labelled_mentions, load_seed_embeddings
from domain.triage.model import DEFAULT_CASCADE_THRESHOLD, CategoryPrediction, TextEmbedder
from domain.triage.pipeline import Triager, TriageResult

__all__ = [
    "DATASET_KIND",
    "EVALUATED_LABELS",
    "EvaluationRun",
    "classification_scores",
    "evaluate",
    "evaluate_with_seed_examples",
    "sensitive_scores",
]

EVALUATED_LABELS = (
    "priority",
    "category",
    "sentiment",
    "language",
    "escalate_to",
    "needs_private",
)
DATASET_KIND = {"iban": "account_number"}
_SPACES = re.compile(r"\s+")
_NONE = "none"

TriagerFactory = Callable[[Sequence[LabelledMention], NDArray[np.float32] | None], Triager]


@dataclass(frozen=True, slots=True)
class EvaluationRun:
    """The results of an evaluation and the report (`report`, JSON-ready)."""

    results: tuple[TriageResult, ...]
    report: Mapping[str, Any]


def evaluate(
    items: Sequence[LabelledMention],
    *,
    training: Sequence[LabelledMention],
    train: TriagerFactory,
    training_embeddings: NDArray[np.float32] | None = None,
    embedder: TextEmbedder | None = None,
    folds: int = 5,
) -> EvaluationRun:
    """Score ``items`` against their labels; see the module docstring for the protocol.

    ``train(examples, embeddings)`` builds a triager from a subset of ``training`` (with
    the matching rows of ``training_embeddings``). Sentence embeddings of items that are
    training texts are taken from ``training_embeddings``; others are embedded with
    ``embedder`` when one is given.
    """
    twins = _twins(items, training)
    fold_of = _assign_folds(items, twins, folds)
    predictions: list[CategoryPrediction | None] = [None] * len(items)
    last: Triager | None = None
    for fold in sorted(set(fold_of.values())):
        members = [index for index, assigned in fold_of.items() if assigned == fold]
        excluded = {seed for index in members for seed in twins[index]}
        kept = [index for index in range(len(training)) if index not in excluded]
        last = train([training[index] for index in kept], _rows(training_embeddings, kept))
        fold_embeddings = None
        if training_embeddings is not None:
            fold_embeddings = training_embeddings[[twins[index][0] for index in members]]
        _predict(last, items, members, fold_embeddings, predictions)

    unseen = [index for index in range(len(items)) if index not in fold_of]
    if unseen:
        last = train(training, training_embeddings)
        unseen_embeddings = None
        if embedder is not None and last.model.full is not None:
            unseen_embeddings = embedder.embed([items[index].mention.text for index in unseen])
        _predict(last, items, unseen, unseen_embeddings, predictions)
    if last is None:
        last = train(training, training_embeddings)

    ready = [prediction for prediction in predictions if prediction is not None]
    results = last.triage_batch([item.mention for item in items], predictions=ready)
    report = {
        "items": len(items),
        "method": {
            "folds": folds,
            "scored_without_their_training_twin": len(fold_of),
            "scored_by_the_model_trained_on_all_examples": len(unseen),
            "training_examples": len(training),
            "cascade_threshold": last.cascade_threshold,
            "category_decided_by": dict(Counter(result.stage for result in results)),
        },
        **_scores(items, results),
    }
    return EvaluationRun(tuple(results), report)


def evaluate_with_seed_examples(
    items: Sequence[LabelledMention],
    *,
    brands: Mapping[str, BrandProfile],
    embedder: TextEmbedder | None,
    cascade_threshold: float = DEFAULT_CASCADE_THRESHOLD,
    folds: int = 5,
) -> EvaluationRun:
    """`evaluate` with the shipped seed examples as training data, the way the product
    trains. Without ``embedder`` (or with a zero threshold) only the fast stage is
    measured; the seed texts' embeddings come from the shipped file."""
    seeds = load_labelled_mentions()
    use_full_stage = embedder is not None and cascade_threshold > 0
    seed_embeddings = None
    if use_full_stage:
        seed_embeddings = load_seed_embeddings([seed.mention.text for seed in seeds])
        if seed_embeddings is None and embedder is not None:
            seed_embeddings = embedder.embed([seed.mention.text for seed in seeds])

    def train(
        examples: Sequence[LabelledMention], embeddings: NDArray[np.float32] | None
    ) -> Triager:
        return Triager.from_examples(
            examples, brands=brands, embeddings=embeddings, cascade_threshold=cascade_threshold
        )

    return evaluate(
        items,
        training=seeds,
        train=train,
        training_embeddings=seed_embeddings,
        embedder=embedder if use_full_stage else None,
        folds=folds,
    )


def classification_scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the reference classes and per-class P/R/F1/support."""
    classes = sorted(set(truth))
    per_class: dict[str, dict[str, float | int]] = {}
    for name in classes:
        true_positive = sum(t == name and p == name for t, p in zip(truth, predicted, strict=True))
        predicted_count = sum(p == name for p in predicted)
        support = sum(t == name for t in truth)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    correct = sum(t == p for t, p in zip(truth, predicted, strict=True))
    return {
        "accuracy": round(correct / len(truth), 4) if truth else 0.0,
        "macro_f1": (
            round(sum(float(score["f1"]) for score in per_class.values()) / len(classes), 4)
            if classes
            else 0.0
        ),
        "classes": per_class,
    }


def sensitive_scores(
    items: Sequence[LabelledMention], results: Sequence[TriageResult]
) -> dict[str, Any]:
    """Per-kind precision/recall of sensitive spans (overlap of the same kind)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for item, result in zip(items, results, strict=True):
        predicted = [
            (DATASET_KIND.get(match.kind.value, match.kind.value), match.start, match.end)
            for match in result.sensitive_matches
        ]
        labelled = [
            (str(span["kind"]), int(span["start"]), int(span["end"]))
            for span in item.labels.get("sensitive_spans", [])
        ]
        for kind, start, end in predicted:
            hit = any(k == kind and s < end and start < e for k, s, e in labelled)
            counts[kind]["tp" if hit else "fp"] += 1
        for kind, start, end in labelled:
            if not any(k == kind and s < end and start < e for k, s, e in predicted):
                counts[kind]["fn"] += 1
    total: Counter[str] = Counter()
    kinds = {}
    for kind in sorted(counts):
        total.update(counts[kind])
        kinds[kind] = _precision_recall(counts[kind])
    return {"overall": _precision_recall(total), "kinds": kinds}


def _scores(items: Sequence[LabelledMention], results: Sequence[TriageResult]) -> dict[str, Any]:
    labelled = [index for index, item in enumerate(items) if item.labels]
    if not labelled:
        return {"labels": {}, "by_language": {}}
    chosen_items = [items[index] for index in labelled]
    chosen_results = [results[index] for index in labelled]
    labels = {
        name: classification_scores(*_pairs(chosen_items, chosen_results, name))
        for name in EVALUATED_LABELS
    }
    by_language: dict[str, dict[str, Any]] = {}
    languages = sorted({str(item.labels.get("language")) for item in chosen_items})
    for language in languages:
        indexes = [
            index
            for index, item in enumerate(chosen_items)
            if str(item.labels.get("language")) == language
        ]
        subset_items = [chosen_items[index] for index in indexes]
        subset_results = [chosen_results[index] for index in indexes]
        scores = {}
        for name in EVALUATED_LABELS:
            score = classification_scores(*_pairs(subset_items, subset_results, name))
            scores[name] = {"accuracy": score["accuracy"], "macro_f1": score["macro_f1"]}
        by_language[language] = {"items": len(indexes), **scores}
    return {
        "labels": labels,
        "by_language": by_language,
        "sensitive_data": sensitive_scores(chosen_items, chosen_results),
        "incidents": _incident_scores(chosen_items, chosen_results),
    }


def _pairs(
    items: Sequence[LabelledMention], results: Sequence[TriageResult], name: str
) -> tuple[list[str], list[str]]:
    truth = [_value(item.labels.get(name)) for item in items]
    predicted = [_value(getattr(result.labels, name)) for result in results]
    return truth, predicted


def _value(value: object) -> str:
    if value is None:
        return _NONE
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _incident_scores(
    items: Sequence[LabelledMention], results: Sequence[TriageResult]
) -> dict[str, Any]:
    truth: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if item.incident_key:
            truth[item.incident_key].append(index)
    found = Counter(result.incident for result in results if result.incident)
    grouped = 0
    matched_keys: dict[str, str | None] = {}
    for key, members in truth.items():
        keys = Counter(results[index].incident for index in members if results[index].incident)
        best = keys.most_common(1)[0][0] if keys else None
        matched_keys[key] = best
        grouped += sum(results[index].incident == best for index in members if best)
    labelled_members = sum(len(members) for members in truth.values())
    predicted_members = sum(found.values())
    in_bursts = sum(
        1 for index, result in enumerate(results) if result.incident and items[index].incident_key
    )
    return {
        "labelled_incidents": len(truth),
        "found_incidents": len(found),
        "matched": dict(sorted(matched_keys.items())),
        "member_recall": round(grouped / labelled_members, 4) if labelled_members else 1.0,
        "member_precision": round(in_bursts / predicted_members, 4) if predicted_members else 1.0,
    }


def _precision_recall(counts: Counter[str]) -> dict[str, float | int]:
    predicted = counts["tp"] + counts["fp"]
    labelled = counts["tp"] + counts["fn"]
    return {
        "precision": round(counts["tp"] / predicted, 4) if predicted else 1.0,
        "recall": round(counts["tp"] / labelled, 4) if labelled else 1.0,
        "support": labelled,
    }


def _predict(
    triager: Triager,
    items: Sequence[LabelledMention],
    indexes: Sequence[int],
    embeddings: NDArray[np.float32] | None,
    predictions: list[CategoryPrediction | None],
) -> None:
    mentions = [items[index].mention for index in indexes]
    for index, prediction in zip(
        indexes, triager.predict_categories(mentions, embeddings=embeddings), strict=True
    ):
        predictions[index] = prediction


def _twins(
    items: Sequence[LabelledMention], training: Sequence[LabelledMention]
) -> dict[int, list[int]]:
    by_text: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(training):
        by_text[_normal(example.mention.text)].append(index)
    return {
        index: by_text[_normal(item.mention.text)]
        for index, item in enumerate(items)
        if _normal(item.mention.text) in by_text
    }


def _assign_folds(
    items: Sequence[LabelledMention], twins: Mapping[int, list[int]], folds: int
) -> dict[int, int]:
    """Round-robin within each category (in file order): stratified and deterministic."""
    by_category: dict[str, list[int]] = defaultdict(list)
    for index in sorted(twins):
        by_category[str(items[index].labels.get("category"))].append(index)
    fold_of: dict[int, int] = {}
    position = 0
    for category in sorted(by_category):
        for index in by_category[category]:
            fold_of[index] = position % folds
            position += 1
    return fold_of


def _rows(
    embeddings: NDArray[np.float32] | None, indexes: Sequence[int]
) -> NDArray[np.float32] | None:
    return None if embeddings is None else embeddings[list(indexes)]


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip()
