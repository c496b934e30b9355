"""Triage benchmark: model load time, throughput, peak memory and cross-validated quality.

Run from the project root: ``.venv/bin/python benchmarks/triage.py`` (``--quick`` skips the
all-embedding mode). Prints one JSON object. Throughput is measured on the 400 dev-set
mentions through the whole pipeline (language, cues, model, spikes, rules, sensitive data,
routes), in batches of 50 and one by one, for each model mode:

* ``fast`` — the cue-feature stage only;
* ``cascade`` — the default: the sentence-embedding stage for unsure mentions;
* ``full`` — every mention embedded.

Quality is 5-fold cross-validation (every mention scored by a model trained without it).
"""

import argparse
import json
import os
import resource
import sys
import time
from typing import Any

START = time.perf_counter()

from domain.triage.brands import load_brand_catalogue  # noqa: E402
from domain.triage.evaluation import evaluate_with_seed_examples  # noqa: E402
from domain.triage.examples import MentionInput, load_labelled_mentions  # noqa: E402
from domain.triage.model import DEFAULT_CASCADE_THRESHOLD, E5Embedder  # noqa: E402
from domain.triage.pipeline import Triager  # noqa: E402

BATCH = 50
MODES = {"fast": 0.0, "cascade": DEFAULT_CASCADE_THRESHOLD, "full": 1.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the all-embedding mode")
    options = parser.parse_args()

    mentions = [example.mention for example in load_labelled_mentions()]
    embedder = E5Embedder()
    triager = Triager.from_seed_examples(embedder=embedder)
    # First use loads the language models (one mention per brand) and the embedding model.
    first_per_brand = {mention.brand: mention for mention in reversed(mentions)}
    triager.triage_batch(list(first_per_brand.values()))
    embedder.embed([mentions[0].text])
    load_seconds = time.perf_counter() - START

    throughput: dict[str, Any] = {}
    for mode, threshold in MODES.items():
        if options.quick and mode == "full":
            continue
        triager.cascade_threshold = threshold
        throughput[mode] = {
            "cascade_threshold": threshold,
            "batched_per_second": round(_rate(triager, mentions, BATCH), 1),
            "one_by_one_per_second": round(_rate(triager, mentions, 1), 1),
        }

    brands = load_brand_catalogue()
    items = load_labelled_mentions()
    quality = {}
    for mode, threshold in MODES.items():
        report = evaluate_with_seed_examples(
            items, brands=brands, embedder=E5Embedder(), cascade_threshold=threshold
        ).report
        quality[mode] = _summary(report)

    print(
        json.dumps(
            {
                "machine_cores": _cores(),
                "model_load_seconds": round(load_seconds, 2),
                "throughput_mentions_per_second": throughput,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "cross_validation": quality,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


def _rate(triager: Triager, mentions: list[MentionInput], batch: int) -> float:
    spikes = triager.new_spike_detector()
    started = time.perf_counter()
    for start in range(0, len(mentions), batch):
        triager.triage_batch(mentions[start : start + batch], spikes=spikes)
    return len(mentions) / (time.perf_counter() - started)


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    labels = report["labels"]
    return {
        "decided_by": report["method"]["category_decided_by"],
        "priority_macro_f1": labels["priority"]["macro_f1"],
        "category_macro_f1": labels["category"]["macro_f1"],
        "sentiment_macro_f1": labels["sentiment"]["macro_f1"],
        "language_accuracy": labels["language"]["accuracy"],
        "department_accuracy": labels["escalate_to"]["accuracy"],
        "needs_private_accuracy": labels["needs_private"]["accuracy"],
        "sensitive_data": report["sensitive_data"]["overall"],
        "incidents": {
            key: report["incidents"][key]
            for key in (
                "labelled_incidents",
                "found_incidents",
                "member_recall",
                "member_precision",
            )
        },
        "by_language": {
            language: {
                "priority_macro_f1": scores["priority"]["macro_f1"],
                "category_macro_f1": scores["category"]["macro_f1"],
                "sentiment_macro_f1": scores["sentiment"]["macro_f1"],
                "language_accuracy": scores["language"]["accuracy"],
            }
            for language, scores in report["by_language"].items()
        },
    }


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
