"""CLI commands of search: `parley reindex`.

The database is the source of truth and the search index is derived from it:
`parley reindex` rebuilds the mention index into a new version and swaps it in
(OpenSearch) or rebuilds the FTS5 table (embedded default); with `--tenant` it
rewrites one tenant's documents in place. With `--json` it prints exactly one
JSON object on stdout; errors go to stderr with a non-zero exit.
"""

import asyncio
import json
from typing import Any

import click

from api.commands.common import OPERATOR
from domain.bootstrap import build_database
from domain.db.uow import UnitOfWork
from domain.mentions.documents import MENTIONS_INDEX
from domain.mentions.search import (
    ReindexReport,
    rebuild_mention_index,
    reindex_tenant_mentions,
)
from domain.settings import Settings
from domain.shared.errors import DomainError
from domain.shared.ports import SearchUnavailableError
from domain.tenants import service as tenants_service
from search.factory import create_search_index


async def run_reindex(settings: Settings, *, tenant_slug: str | None) -> dict[str, Any]:
    """Rebuild the mention index (or one tenant's part of it); the report as a JSON object.

    Raises `NotFoundError` for an unknown tenant slug and
    `SearchUnavailableError` when the search backend cannot be reached.
    """
    database = build_database(settings)
    search = create_search_index(
        opensearch_url=settings.opensearch_url,
        prefix=settings.search_index_prefix,
        sqlite_engine=None if settings.opensearch_url else database.engine,
    )
    try:
        await search.ensure_ready()
        if tenant_slug is None:
            report = await rebuild_mention_index(database, search=search, actor=OPERATOR)
        else:
            async with UnitOfWork(database, actor=OPERATOR, scope=None) as uow:
                tenant = await tenants_service.get_tenant_by_slug(uow, tenant_slug)
            report = await reindex_tenant_mentions(
                database, search=search, actor=OPERATOR, tenant_id=tenant.id
            )
        await search.refresh(MENTIONS_INDEX)
    finally:
        await search.close()
        await database.dispose()
    return _payload(report, tenant_slug)


def _payload(report: ReindexReport, tenant_slug: str | None) -> dict[str, Any]:
    return {
        "index": MENTIONS_INDEX,
        "tenant": tenant_slug,
        "tenants": report.tenants,
        "documents": report.documents,
        "skipped": report.skipped,
        "removed": report.removed,
        "caught_up": report.caught_up,
        "live_index": report.live_index,
        "dropped": list(report.dropped),
    }


def _human(payload: dict[str, Any]) -> str:
    if payload["tenant"] is not None:
        return (
            f"reindexed the mentions of {payload['tenant']} in place: "
            f"{payload['documents']} written, {payload['skipped']} skipped (newer in the index), "
            f"{payload['removed']} stale removed"
        )
    dropped = ", ".join(payload["dropped"]) or "nothing"
    return (
        f"rebuilt the mention index from {payload['tenants']} tenant(s): "
        f"{payload['documents']} written into {payload['live_index']}, "
        f"{payload['caught_up']} caught up after the swap; dropped {dropped}"
    )


@click.command("reindex")
@click.option("--tenant", "tenant_slug", default=None, help="Only this tenant, in place.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def reindex(ctx: click.Context, tenant_slug: str | None, as_json: bool) -> None:
    """Rebuild the mention search index from the database, and print the counts."""
    settings: Settings = ctx.obj["settings"]
    try:
        payload = asyncio.run(run_reindex(settings, tenant_slug=tenant_slug))
    except (DomainError, SearchUnavailableError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(payload, ensure_ascii=False) if as_json else _human(payload))


commands: list[click.Command] = [reindex]
