"""CLI commands of OAuth clients (registered on `parley` by `api/cli.py`).

`parley client create` prints the client id and, for a confidential client,
its secret: shown this once, stored only as an argon2 hash.
"""

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import click

from api.commands.common import OPERATOR, settings_of, split_values, tenant_scope
from domain.authz.policy import Role
from domain.bootstrap import build_database
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.oauth import service as oauth_service
from domain.oauth.rules import REGISTRABLE_GRANT_TYPES
from domain.shared.errors import DomainError


async def create_client(
    database: Database,
    *,
    tenant_slug: str,
    name: str,
    grant_types: Sequence[str],
    redirect_uris: Sequence[str],
    scopes: Sequence[str],
    role: Role,
    brand_slugs: Sequence[str],
    is_public: bool,
) -> dict[str, Any]:
    """Register a client as the operator; the result holds the secret in clear, once."""
    scope = await tenant_scope(database, tenant_slug)
    async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
        created = await oauth_service.create_api_client(
            uow,
            None,
            name=name,
            grant_types=grant_types,
            redirect_uris=redirect_uris,
            scopes=scopes,
            role=role,
            brand_slugs=brand_slugs,
            is_public=is_public,
        )
        await uow.commit()
    client = created.client
    return {
        "id": str(client.id),
        "client_id": client.client_id,
        "client_secret": created.client_secret,
        "tenant": tenant_slug,
        "name": client.name,
        "grant_types": list(client.grant_types),
        "redirect_uris": list(client.redirect_uris),
        "scopes": list(client.scopes),
        "role": client.role.value,
        "brands": sorted(set(brand_slugs)),
        "public": client.is_public,
    }


@click.group()
def client() -> None:
    """Manage OAuth API clients."""


@client.command("create")
@click.option("--tenant", "tenant_slug", required=True, help="The tenant's slug.")
@click.option("--name", required=True, help="Display name shown on the consent page.")
@click.option(
    "--grant",
    "grant_types",
    multiple=True,
    required=True,
    type=click.Choice([grant.value for grant in REGISTRABLE_GRANT_TYPES]),
    help="Grant type; repeatable. authorization_code brings refresh tokens.",
)
@click.option(
    "--redirect-uri", "redirect_uris", multiple=True, help="Exact redirect URI; repeatable."
)
@click.option("--scopes", multiple=True, required=True, help="Scopes, comma or space separated.")
@click.option(
    "--role",
    default=Role.AGENT.value,
    show_default=True,
    type=click.Choice([role.value for role in Role]),
    help="Bounds what the client's own client-credentials tokens may do.",
)
@click.option(
    "--brand", "brand_slugs", multiple=True, help="Brand slug (client roles); repeatable."
)
@click.option(
    "--public",
    "is_public",
    is_flag=True,
    help="No secret: a browser or mobile app using authorization_code with PKCE.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def client_create(
    ctx: click.Context,
    tenant_slug: str,
    name: str,
    grant_types: tuple[str, ...],
    redirect_uris: tuple[str, ...],
    scopes: tuple[str, ...],
    role: str,
    brand_slugs: tuple[str, ...],
    is_public: bool,
    as_json: bool,
) -> None:
    """Register an API client and print its id and secret (shown once)."""
    database = build_database(settings_of(ctx))

    async def create() -> dict[str, Any]:
        try:
            return await create_client(
                database,
                tenant_slug=tenant_slug,
                name=name,
                grant_types=grant_types,
                redirect_uris=redirect_uris,
                scopes=split_values(scopes),
                role=Role(role),
                brand_slugs=brand_slugs,
                is_public=is_public,
            )
        finally:
            await database.dispose()

    try:
        result = asyncio.run(create())
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"client_id:     {result['client_id']}")
    if result["client_secret"] is not None:
        click.echo(f"client_secret: {result['client_secret']}")
        click.echo("Store the secret now: it is not shown again.", err=True)
    else:
        click.echo("public client: no secret; use authorization_code with PKCE (S256)", err=True)


commands: list[click.Command] = [client]
