"""CLI commands of triage: `parley triage classify` and `parley triage eval`.

`classify` reads JSONL mentions on stdin and writes one JSON line per input line, as a
stream (bursts across lines are detected). `eval` prints one JSON report. Neither needs
a database or any service: the model trains at start-up from the shipped seed examples.
"""

import json
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from domain.triage.brands import DEMO_BRANDS_FILE, BrandProfile, load_brand_catalogue
from domain.triage.evaluation import evaluate_with_seed_examples
from domain.triage.examples import load_labelled_mentions, parse_mention
from domain.triage.model import DEFAULT_CASCADE_THRESHOLD, E5Embedder
from domain.triage.pipeline import Triager, UnknownBrandError

_BRANDS_HELP = "Brand catalogue (brands.json shape); default: the shipped demo brands."
_THRESHOLD_HELP = (
    "Send mentions whose fast-stage priority confidence is below this to the sentence "
    "embedding stage (0 = fast stage only, 1 = always)."
)


@click.group("triage")
def triage() -> None:
    """Classify mentions (language, category, sentiment, priority, sensitive data,
    escalation) and measure the classifier."""


@triage.command("classify")
@click.option(
    "--brands",
    "brands_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=_BRANDS_HELP,
)
@click.option(
    "--cascade-threshold",
    type=click.FloatRange(0.0, 1.0),
    default=DEFAULT_CASCADE_THRESHOLD,
    show_default=True,
    help=_THRESHOLD_HELP,
)
def classify(brands_file: Path | None, cascade_threshold: float) -> None:
    """Read JSONL mentions on stdin, write one JSON result per line to stdout.

    Each input object needs id, brand (slug), channel_kind, kind and text; author_handle,
    posted_at (ISO 8601 with offset) and thread_key are optional. A line that cannot be
    read gives {"id": ..., "error": ...} and the command exits with status 1 at the end.
    """
    triager = _triager(_brands(brands_file), cascade_threshold)
    spikes = triager.new_spike_detector()
    failures = _classify_stream(triager, spikes, sys.stdin, sys.stdout)
    if failures:
        raise click.ClickException(f"{failures} line(s) could not be classified")


@triage.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--brands",
    "brands_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=_BRANDS_HELP,
)
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True)
@click.option(
    "--cascade-threshold",
    type=click.FloatRange(0.0, 1.0),
    default=DEFAULT_CASCADE_THRESHOLD,
    show_default=True,
    help=_THRESHOLD_HELP,
)
def evaluate(file: Path, brands_file: Path | None, folds: int, cascade_threshold: float) -> None:
    """Print per-label accuracy, macro-F1 and per-class precision/recall, sensitive-data
    precision/recall per kind, per language, as JSON.

    Items that are also seed examples are scored by k-fold cross-validation: each is
    scored by a model trained without it. Other items are scored by the full model.
    """
    try:
        items = load_labelled_mentions(file)
    except (ValueError, KeyError) as error:
        raise click.ClickException(f"{file}: {error}") from error
    brands = _brands(brands_file)
    unknown = sorted({item.mention.brand for item in items} - set(brands))
    if unknown:
        raise click.ClickException(f"unknown brands: {', '.join(unknown)}")
    run = evaluate_with_seed_examples(
        items,
        brands=brands,
        embedder=E5Embedder() if cascade_threshold > 0 else None,
        cascade_threshold=cascade_threshold,
        folds=folds,
    )
    click.echo(json.dumps(run.report, ensure_ascii=False, indent=2))


def _classify_stream(triager: Triager, spikes: Any, lines: TextIO, out: TextIO) -> int:
    failures = 0
    for line in lines:
        if not line.strip():
            continue
        raw: Any = None
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise ValueError("each line must be a JSON object")
            payload = triager.triage_mention(parse_mention(raw), spikes=spikes).as_json()
        except (ValueError, UnknownBrandError) as error:
            failures += 1
            mention_id = raw.get("id") if isinstance(raw, dict) else None
            payload = {"id": mention_id, "error": str(error)}
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
        out.flush()
    return failures


def _brands(brands_file: Path | None) -> dict[str, BrandProfile]:
    path = brands_file or DEMO_BRANDS_FILE
    try:
        return load_brand_catalogue(path)
    except (ValueError, OSError) as error:
        raise click.ClickException(f"{path}: {error}") from error


def _triager(brands: dict[str, BrandProfile], cascade_threshold: float) -> Triager:
    return Triager.from_seed_examples(
        brands=brands,
        embedder=E5Embedder() if cascade_threshold > 0 else None,
        cascade_threshold=cascade_threshold,
    )


commands: list[click.Command] = [triage]
