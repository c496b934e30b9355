"""CLI commands of the Q&A knowledge base and the tone check: `parley qna …`, `parley tone …`.

- `qna import` prints one JSON object (what the import did) with `--json`.
- `qna suggest` prints one JSON line per suggestion, best first, at most
  `--limit` (5); when none of them fits well (or nothing matches at all) a
  final line `{"no_good_match": true}` says so, so a script never takes a
  weak match for the answer.
- `tone check` reads the draft on stdin and prints one JSON object with the
  findings; it exits 0 whether or not there are findings.

Errors (unknown tenant or brand, a named approver who is not one) go to
stderr with a non-zero exit, and nothing is stored.
"""

import json
import sys
from pathlib import Path
from typing import Any

import click

from api.commands.common import OPERATOR, run_command, settings_of, tenant_scope
from domain.bootstrap import build_database
from domain.brands.repository import BrandRepository
from domain.channels.models import ChannelKind
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.knowledge import service as knowledge_service
from domain.knowledge.rules import parse_qna_jsonl
from domain.knowledge.text import LANGUAGES
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.ports import SearchIndex, SearchUnavailableError
from domain.shared.tenancy import TenantScope
from domain.tone import service as tone_service
from search.factory import create_search_index


def _search_for(settings: Settings, database: Database) -> SearchIndex:
    return create_search_index(
        opensearch_url=settings.opensearch_url,
        prefix=settings.search_index_prefix,
        sqlite_engine=None if settings.opensearch_url else database.engine,
    )


@click.group("qna")
def qna() -> None:
    """The brands' Q&A knowledge base: import, export, suggestions."""


@qna.command("import")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--brand", "brand_slug", required=True)
@click.option(
    "--approved-by",
    "approver_email",
    default=None,
    help="E-mail of a client approver of the brand: import approved versions signed by them.",
)
@click.option("--json", "as_json", is_flag=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def qna_import(
    ctx: click.Context,
    tenant_slug: str,
    brand_slug: str,
    approver_email: str | None,
    as_json: bool,
    file: Path,
) -> None:
    """Import a Q&A JSONL file into a brand (idempotent by entry id; drafts unless approved)."""
    settings = settings_of(ctx)
    records = parse_qna_jsonl(file.read_text("utf-8"))
    database = build_database(settings)

    async def body() -> dict[str, Any]:
        scope = await tenant_scope(database, tenant_slug)
        async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
            brand = await BrandRepository(uow).get_by_slug(brand_slug)
            approver = (
                None
                if approver_email is None
                else await knowledge_service.resolve_brand_approver(
                    uow, brand_id=brand.id, email=approver_email
                )
            )
            report = await knowledge_service.import_qna(
                uow, brand_id=brand.id, records=records, approver=approver
            )
            await uow.commit()
        indexed = await _deliver_index(settings, database, scope)
        return {
            "tenant": tenant_slug,
            "brand": brand_slug,
            "entries": report.entries,
            "created": report.created,
            "new_versions": report.new_versions,
            "approved": report.approved,
            "unchanged": report.unchanged,
            "other_brands": report.other_brands,
            "approved_by": None if approver is None else approver.email,
            "index_pending": not indexed,
        }

    payload = run_command(body, database=database)
    human = (
        f"{payload['entries']} entries of {brand_slug}: {payload['created']} created, "
        f"{payload['new_versions']} new versions, {payload['approved']} approved, "
        f"{payload['unchanged']} unchanged ({payload['other_brands']} of other brands skipped)"
    )
    click.echo(json.dumps(payload, ensure_ascii=False) if as_json else human)


async def _deliver_index(settings: Settings, database: Database, scope: TenantScope) -> bool:
    """Write the approvals of this import into the suggestion index now; False if it is down.

    When the index cannot be reached the rows stay in the outbox and the
    worker's `deliver_qna_indexing` cron delivers them later.
    """
    search = _search_for(settings, database)
    try:
        await search.ensure_ready()
        while True:
            async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
                run = await knowledge_service.deliver_qna_index(uow, search=search, now=utcnow())
            if run.retry_later:
                return False
            if run.claimed == 0:
                break
        await search.refresh("qna")
    except SearchUnavailableError:
        return False
    finally:
        await search.close()
    return True


@qna.command("export")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--brand", "brand_slug", required=True)
@click.pass_context
def qna_export(ctx: click.Context, tenant_slug: str, brand_slug: str) -> None:
    """Print the brand's approved Q&A as JSONL (the import's shape)."""
    database = build_database(settings_of(ctx))

    async def body() -> list[str]:
        scope = await tenant_scope(database, tenant_slug)
        async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
            brand = await BrandRepository(uow).get_by_slug(brand_slug)
            return await knowledge_service.export_qna(uow, brand_id=brand.id)

    for line in run_command(body, database=database):
        click.echo(line)


@qna.command("suggest")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--brand", "brand_slug", required=True)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="The customer's language; default: the brand's primary language.",
)
@click.option("--limit", type=click.IntRange(1, 20), default=5, show_default=True)
@click.argument("text")
@click.pass_context
def qna_suggest(
    ctx: click.Context,
    tenant_slug: str,
    brand_slug: str,
    language: str | None,
    limit: int,
    text: str,
) -> None:
    """Print the brand's best approved Q&A entries for TEXT, one JSON line each."""
    settings = settings_of(ctx)
    database = build_database(settings)

    async def body() -> list[dict[str, Any]]:
        scope = await tenant_scope(database, tenant_slug)
        search = _search_for(settings, database)
        try:
            async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
                brand = await BrandRepository(uow).get_by_slug(brand_slug)
                found = await knowledge_service.suggest_qna(
                    uow,
                    search=search,
                    grantee=None,
                    brand_id=brand.id,
                    text=text,
                    language=language,
                    limit=limit,
                )
        finally:
            await search.close()
        return [
            {
                "id": item.entry.external_key,
                "entry_id": str(item.entry.id),
                "version": item.version.number,
                "score": round(item.match.score, 4),
                "matched_variant": item.match.matched_variant,
                "matched_variant_highlight": item.match.matched_variant_highlight,
                "language": item.match.language,
                "is_fallback_language": item.match.is_fallback_language,
                "question": item.version.question_variants[0],
                "coverage": round(item.match.coverage, 4),
                "fits_well": item.match.fits_well,
                "is_stale": item.is_stale,
            }
            for item in found
        ]

    try:
        lines = run_command(body, database=database)
    except SearchUnavailableError as error:
        raise click.ClickException(f"search unavailable: {error}") from error
    for line in lines:
        click.echo(json.dumps(line, ensure_ascii=False))
    if not any(line["fits_well"] for line in lines):
        click.echo(json.dumps({"no_good_match": True}))


@click.group("tone")
def tone() -> None:
    """The brands' tone of voice."""


@tone.command("check")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--brand", "brand_slug", required=True)
@click.option(
    "--channel",
    "channel_kind",
    type=click.Choice([kind.value for kind in ChannelKind]),
    default=None,
    help="The channel the reply goes to (its length limit).",
)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="The draft's language; default: the brand's primary language.",
)
@click.option(
    "--context",
    "context_category",
    default=None,
    help="The conversation's triage category (complaint, praise, outage …).",
)
@click.pass_context
def tone_check(
    ctx: click.Context,
    tenant_slug: str,
    brand_slug: str,
    channel_kind: str | None,
    language: str | None,
    context_category: str | None,
) -> None:
    """Check a draft reply read on stdin against the brand's approved tone guidelines."""
    draft = sys.stdin.read()
    database = build_database(settings_of(ctx))

    async def body() -> dict[str, Any]:
        scope = await tenant_scope(database, tenant_slug)
        async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
            brand = await BrandRepository(uow).get_by_slug(brand_slug)
            checked = await tone_service.check_draft_tone(
                uow,
                grantee=None,
                brand_id=brand.id,
                text=draft,
                language=language,
                channel_kind=channel_kind,
                context_category=context_category,
            )
        return {
            "brand": brand_slug,
            "language": checked.language,
            "guidelines": checked.source,
            "guideline_version": checked.guideline_version,
            "findings": [
                {
                    "kind": finding.code.value,
                    "severity": finding.severity.value,
                    "message": finding.message,
                    "span": {"start": finding.start, "end": finding.end},
                    "text": draft[finding.start : finding.end],
                }
                for finding in checked.findings
            ],
        }

    click.echo(json.dumps(run_command(body, database=database), ensure_ascii=False))


commands: list[click.Command] = [qna, tone]
