"""The two-stage category model: softmax regression, the cascade, the e5 embedder."""

from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from domain.triage.examples import load_labelled_mentions
from domain.triage.model import (
    CategoryModel,
    E5Embedder,
    fit_softmax_regression,
    train_category_model,
)
from domain.triage.pipeline import feature_matrix
from domain.triage.rules import CATEGORIES


class RecordingEmbedder:
    """Stands in for the sentence-embedding model (an outside package): constant vectors,
    and a record of which texts it was asked to embed."""

    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls.append(list(texts))
        return np.full((len(texts), self.dimensions), 0.05, dtype=np.float32)


def test_softmax_regression_learns_separable_classes() -> None:
    features = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])

    model = fit_softmax_regression(features, ["a", "a", "b", "b"], inverse_regularisation=10.0)
    probabilities = model.predict_proba(np.array([[1.0, 0.0], [0.0, 1.0]]))

    assert model.classes == ("a", "b")
    assert probabilities.argmax(axis=1).tolist() == [0, 1]
    assert probabilities.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert probabilities[0, 0] > 0.9


def test_stronger_regularisation_gives_softer_probabilities() -> None:
    features = np.array([[1.0, 0.0], [0.0, 1.0]])
    labels = ["a", "b"]

    sharp = fit_softmax_regression(features, labels, inverse_regularisation=100.0)
    soft = fit_softmax_regression(features, labels, inverse_regularisation=0.1)

    assert sharp.predict_proba(features)[0, 0] > soft.predict_proba(features)[0, 0] > 0.5


@pytest.fixture(scope="module")
def seed_model() -> tuple[CategoryModel, NDArray[np.float64], list[str]]:
    seeds = load_labelled_mentions()[:120]
    features = feature_matrix([seed.mention for seed in seeds])
    categories = [str(seed.labels["category"]) for seed in seeds]
    rng = np.random.default_rng(7)
    embeddings = rng.normal(size=(len(seeds), 4)).astype(np.float32)
    model = train_category_model(features, categories, embeddings=embeddings)
    return model, features, [seed.mention.text for seed in seeds]


@pytest.mark.parametrize(("threshold", "stage"), [(0.0, "fast"), (1.01, "full")])
def test_the_cascade_threshold_decides_the_stage(
    seed_model: tuple[CategoryModel, NDArray[np.float64], list[str]],
    threshold: float,
    stage: str,
) -> None:
    model, features, texts = seed_model
    embedder = RecordingEmbedder(4)

    predictions = model.predict(
        features[:5], texts[:5], embedder=embedder, cascade_threshold=threshold
    )

    assert {prediction.stage for prediction in predictions} == {stage}
    assert embedder.calls == ([] if stage == "fast" else [texts[:5]])
    for prediction in predictions:
        assert len(prediction.probabilities) == len(CATEGORIES)
        assert sum(prediction.probabilities) == pytest.approx(1.0)


def test_only_unsure_mentions_are_embedded(
    seed_model: tuple[CategoryModel, NDArray[np.float64], list[str]],
) -> None:
    model, features, texts = seed_model
    fast = model.predict(features, texts, embedder=None)
    confidence = [max(p.priority_probabilities().values()) for p in fast]
    threshold = float(np.median(confidence))
    embedder = RecordingEmbedder(4)

    predictions = model.predict(features, texts, embedder=embedder, cascade_threshold=threshold)

    unsure = [text for text, value in zip(texts, confidence, strict=True) if value < threshold]
    assert embedder.calls == [unsure]
    assert sum(p.stage == "full" for p in predictions) == len(unsure)


def test_without_an_embedder_only_the_fast_stage_runs(
    seed_model: tuple[CategoryModel, NDArray[np.float64], list[str]],
) -> None:
    model, features, texts = seed_model

    predictions = model.predict(features, texts, embedder=None, cascade_threshold=1.0)

    assert {prediction.stage for prediction in predictions} == {"fast"}


def test_e5_embeddings_place_paraphrases_closer_than_unrelated_texts() -> None:
    vectors = E5Embedder().embed(
        [
            "The app does not open, error on login",
            "L'app non si apre, errore al login",
            "Thank you for the lovely pizza",
        ]
    )

    assert vectors.shape == (3, 384)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
