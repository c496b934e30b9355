"""The seed examples and embeddings shipped inside the package."""

from pathlib import Path

import numpy as np

from domain.triage.brands import load_brand_catalogue
from domain.triage.examples import (
    SEED_MENTIONS_FILE,
    load_labelled_mentions,
    load_seed_embeddings,
)

DEV_SET = Path(__file__).resolve().parents[2] / "fixtures" / "mentions" / "mentions_dev.jsonl"


def test_the_seed_examples_are_the_labelled_dev_set() -> None:
    assert SEED_MENTIONS_FILE.read_bytes() == DEV_SET.read_bytes()


def test_the_shipped_embeddings_match_the_seed_texts() -> None:
    seeds = load_labelled_mentions()

    embeddings = load_seed_embeddings([seed.mention.text for seed in seeds])

    assert embeddings is not None
    assert embeddings.shape == (400, 384)
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=2e-3)


def test_stale_embeddings_are_ignored() -> None:
    assert load_seed_embeddings(["a different text"]) is None


def test_seed_examples_name_known_brands() -> None:
    brands = load_brand_catalogue()

    assert {seed.mention.brand for seed in load_labelled_mentions()} == set(brands)
    assert brands["biryuza"].languages == ("ru", "en")
    assert brands["kestrel"].premium is True
    assert brands["forchetta"].premium is False
    assert [event.kind for event in brands["wierzba"].events if event.planned] == ["outage_window"]
