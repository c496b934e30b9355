"""What every CLI command shares: settings, the operator actor, running, printing."""

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import click

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.settings import Settings
from domain.shared.errors import DomainError
from domain.shared.tenancy import Actor, TenantScope
from domain.tenants import service as tenants_service

T = TypeVar("T")

#: The actor the audit log records for operator commands.
OPERATOR = Actor.system("cli")


def settings_of(ctx: click.Context) -> Settings:
    """The settings the `parley` group built for this invocation."""
    settings: Settings = ctx.obj["settings"]
    return settings


def run_command(body: Callable[[], Awaitable[T]], *, database: Database | None = None) -> T:
    """Run an async command body (then dispose of `database`); domain errors become CLI errors."""

    async def main() -> T:
        try:
            return await body()
        finally:
            if database is not None:
                await database.dispose()

    try:
        return asyncio.run(main())
    except DomainError as error:
        raise click.ClickException(str(error)) from error


def emit(as_json: bool, payload: dict[str, Any], human: str) -> None:
    """Print one JSON object with `--json`, else the human text."""
    click.echo(json.dumps(payload, ensure_ascii=False) if as_json else human)


def split_values(values: Sequence[str]) -> list[str]:
    """Values of a repeatable option, each also comma or space separated."""
    return [item for value in values for item in re.split(r"[,\s]+", value) if item]


async def tenant_scope(database: Database, slug: str) -> TenantScope:
    """The scope of the tenant with this slug; `NotFoundError` otherwise."""
    async with UnitOfWork(database, actor=OPERATOR, scope=None) as uow:
        tenant = await tenants_service.get_tenant_by_slug(uow, slug)
    return TenantScope(tenant.id)
