"""`parley import`: load a listening-tool export (CSV or JSONL) into an import channel."""

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import click

from domain.bootstrap import build_database
from domain.channels.platforms import MalformedPayload
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.processing import (
    DEFAULT_IMPORT_BATCH_ROWS,
    ExportFormat,
    find_channel_tenant,
    import_export_file,
)
from domain.settings import Settings
from domain.shared.errors import DomainError
from domain.shared.tenancy import Actor
from domain.tenants import service as tenants_service

IMPORTER = Actor.system("cli:import")
_EXTENSIONS = {
    ".csv": ExportFormat.CSV,
    ".jsonl": ExportFormat.JSONL,
    ".ndjson": ExportFormat.JSONL,
}


def format_of(path: Path, given: str | None) -> ExportFormat:
    """The export format: as given, else from the file extension."""
    if given is not None:
        return ExportFormat(given)
    found = _EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise click.UsageError("cannot tell the format from the file name: pass --format")
    return found


async def _tenant_id(
    database: Database, tenant_slug: str | None, channel_id: uuid.UUID
) -> uuid.UUID:
    if tenant_slug is not None:
        async with UnitOfWork(database, actor=IMPORTER, scope=None) as uow:
            return (await tenants_service.get_tenant_by_slug(uow, tenant_slug)).id
    found = await find_channel_tenant(database, actor=IMPORTER, channel_id=channel_id)
    if found is None:
        raise click.ClickException(f"no channel {channel_id}")
    return found


async def _import(
    settings: Settings,
    *,
    channel_id: uuid.UUID,
    tenant_slug: str | None,
    path: Path,
    file_format: ExportFormat,
    batch_rows: int,
) -> dict[str, Any]:
    database = build_database(settings)
    try:
        tenant_id = await _tenant_id(database, tenant_slug, channel_id)
        with path.open("rb") as stream:
            report = await import_export_file(
                database,
                actor=IMPORTER,
                tenant_id=tenant_id,
                channel_id=channel_id,
                stream=stream,
                file_format=file_format,
                batch_rows=batch_rows,
            )
    finally:
        await database.dispose()
    return {
        "channel_id": str(channel_id),
        "tenant_id": str(tenant_id),
        "file": path.name,
        "format": file_format.value,
        **report.as_dict(),
    }


@click.command("import")
@click.option("--channel", "channel_id", required=True, type=click.UUID, help="Import channel id.")
@click.option(
    "--tenant",
    "tenant_slug",
    default=None,
    help="Tenant slug; without it the channel's tenant is looked up.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice([value.value for value in ExportFormat]),
    default=None,
    help="Default: from the file extension (.csv, .jsonl, .ndjson).",
)
@click.option(
    "--batch-size",
    "batch_rows",
    default=DEFAULT_IMPORT_BATCH_ROWS,
    show_default=True,
    type=click.IntRange(1, 5000),
    help="Rows per transaction.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_command(
    ctx: click.Context,
    channel_id: uuid.UUID,
    tenant_slug: str | None,
    file_format: str | None,
    batch_rows: int,
    as_json: bool,
    file: Path,
) -> None:
    """Import a listening-tool export (CSV or JSONL) into an import channel.

    The file is streamed in batches (constant memory); rows already imported, or whose
    object the brand's channels already hold, count as duplicates; unreadable rows are
    rejected with their line number. Safe to run again.
    """
    settings: Settings = ctx.obj["settings"]
    chosen = format_of(file, file_format)
    try:
        result = asyncio.run(
            _import(
                settings,
                channel_id=channel_id,
                tenant_slug=tenant_slug,
                path=file,
                file_format=chosen,
                batch_rows=batch_rows,
            )
        )
    except (DomainError, MalformedPayload) as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(
        f"{result['rows_read']} rows read: {result['created']} created, "
        f"{result['duplicates']} duplicates, {result['rejected']} rejected"
    )
    for rejection in result["rejections"]:
        click.echo(f"  line {rejection['line']}: {rejection['reason']}", err=True)


commands: list[click.Command] = [import_command]
