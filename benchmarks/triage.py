"""Triage benchmark: model load time, throughput, peak memory and cross-validated quality.

Run from the project root: ``.venv/bin/python benchmarks/triage.py`` (``--quick`` skips the
all-embedding mode). Prints one JSON object. Throughput is measured on the 400 dev-set
mentions through the whole pipeline (language, cues, model, spikes, rules, sensitive data,
routes), in batches of 50 and one by one, for each model mode:

* ``fast`` — the cue-feature stage only;
* ``cascade`` — the default: the sentence-embedding stage for unsure mentions;
* ``full`` — every mention embedded.

Each throughput figure is the best of ``--rounds`` passes (default 3) over the 400 mentions,
as wall-clock mentions per second and as mentions per CPU-second of this process (the
pipeline runs on one thread, so the CPU figure is what an otherwise idle core would do
while the wall-clock one suffers from whatever else runs on the machine). The load average
before and after is part of the output.

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
    parser.add_argument("--rounds", type=int, default=3, help="passes per figure (best kept)")
    options = parser.parse_args()
    load_before = _load_average()

    mentions = [example.mention for example in load_labelled_mentions()]
    embedder = E5Embedder()
    triager = Triager.from_seed_examples(embedder=embedder)
    # First use loads the language models (one mention per brand) and the embedding model.
    first_per_brand = {mention.brand: mention for mention in reversed(mentions)}
    triager.triage_batch(list(first_per_brand.values()))
    embedder.embed([mentions[0].text])
    load_seconds = time.perf_counter() - START
    load_cpu_seconds = time.process_time()

    throughput: dict[str, Any] = {}
    for mode, threshold in MODES.items():
        if options.quick and mode == "full":
            continue
        triager.cascade_threshold = threshold
        rounds = 1 if mode == "full" else max(options.rounds, 1)
        batched = _best_rates(triager, mentions, BATCH, rounds)
        single = _best_rates(triager, mentions, 1, rounds)
        throughput[mode] = {
            "cascade_threshold": threshold,
            "batched_per_second": batched[0],
            "batched_per_cpu_second": batched[1],
            "one_by_one_per_second": single[0],
            "one_by_one_per_cpu_second": single[1],
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
                "load_average_before": load_before,
                "load_average_after": _load_average(),
                "model_load_seconds": round(load_seconds, 2),
                "model_load_cpu_seconds": round(load_cpu_seconds, 2),
                "throughput_mentions_per_second": throughput,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "cross_validation": quality,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


def _best_rates(
    triager: Triager, mentions: list[MentionInput], batch: int, rounds: int
) -> tuple[float, float]:
    """The best wall-clock and CPU-time rates (mentions per second) of ``rounds`` passes."""
    passes = [_rates(triager, mentions, batch) for _ in range(rounds)]
    return (
        round(max(wall for wall, _ in passes), 1),
        round(max(cpu for _, cpu in passes), 1),
    )


def _rates(triager: Triager, mentions: list[MentionInput], batch: int) -> tuple[float, float]:
    spikes = triager.new_spike_detector()
    started, cpu_started = time.perf_counter(), time.process_time()
    for start in range(0, len(mentions), batch):
        triager.triage_batch(mentions[start : start + batch], spikes=spikes)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return len(mentions) / wall, len(mentions) / max(cpu, 1e-9)


def _load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


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
