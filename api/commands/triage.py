"""CLI commands of triage: `parley triage classify`, `parley triage eval` and
`parley triage feedback export`.

`classify` reads JSONL mentions on stdin and writes one JSON line per input line, as a
stream (bursts across lines are detected). `eval` prints one JSON report. Neither needs
a database or any service: the model trains at start-up from the shipped seed examples.
`feedback export` prints a tenant's stored label corrections as JSON lines, oldest first.
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import click

from api.commands.common import OPERATOR, run_command, settings_of, tenant_scope
from domain.authz.policy import ALL_SCOPES, Grantee, Role
from domain.bootstrap import build_database
from domain.db.uow import UnitOfWork
from domain.triage.brands import DEMO_BRANDS_FILE, BrandProfile, load_brand_catalogue
from domain.triage.evaluation import evaluate_with_seed_examples
from domain.triage.examples import load_labelled_mentions, parse_mention
from domain.triage.model import DEFAULT_CASCADE_THRESHOLD, E5Embedder
from domain.triage.models import TriageFeedback
from domain.triage.pipeline import Triager, UnknownBrandError
from domain.triage.service import MAX_FEEDBACK_LIMIT, list_triage_feedback

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


@triage.group("feedback")
def feedback() -> None:
    """Agents' stored label corrections."""


@feedback.command("export")
@click.option("--tenant", "tenant_slug", required=True)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]),
    default=None,
    help="Only corrections made at or after this time (ISO 8601; UTC when no offset).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_FEEDBACK_LIMIT),
    default=MAX_FEEDBACK_LIMIT,
    show_default=True,
    help="At most this many (the newest) corrections.",
)
@click.pass_context
def export_feedback(
    ctx: click.Context, tenant_slug: str, since: datetime | None, limit: int
) -> None:
    """Print the tenant's label corrections as JSON lines, oldest first: one line per
    changed label with who, when, old and new value and the agent's note."""
    database = build_database(settings_of(ctx))
    since_utc = since if since is None or since.tzinfo else since.replace(tzinfo=UTC)

    async def export() -> list[TriageFeedback]:
        scope = await tenant_scope(database, tenant_slug)
        async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
            return await list_triage_feedback(
                uow, grantee=OPERATOR_GRANTEE, limit=limit, since=since_utc
            )

    for row in reversed(run_command(export, database=database)):
        click.echo(json.dumps(feedback_line(row), ensure_ascii=False))


#: The operator reads every brand of the tenant.
OPERATOR_GRANTEE = Grantee(role=Role.OWNER, brand_ids=frozenset(), scopes=frozenset(ALL_SCOPES))


def feedback_line(row: TriageFeedback) -> dict[str, Any]:
    """One exported correction line."""
    return {
        "id": str(row.id),
        "correction_id": str(row.correction_id),
        "mention_id": str(row.mention_id),
        "brand_id": str(row.brand_id),
        "field": row.field.value,
        "old_value": row.old_value,
        "new_value": row.new_value,
        "note": row.note,
        "actor_kind": row.actor_kind,
        "actor_id": row.actor_id,
        "created_at": row.created_at.isoformat(),
    }


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
