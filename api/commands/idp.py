"""CLI commands of external identity providers (registered on `parley` by `api/cli.py`).

`parley idp add` makes a tenant trust an OpenID Connect issuer's access tokens
for one audience; `parley idp list` shows them; `parley idp disable` stops
accepting an issuer's tokens (server processes notice within seconds).
"""

from typing import Any

import click

from api.commands.common import OPERATOR, emit, run_command, settings_of, tenant_scope
from domain.bootstrap import build_database
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.identity_providers import service as idp_service
from domain.identity_providers.models import IdentityProvider, MemberClaim
from domain.identity_providers.rules import DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS


def _described(provider: IdentityProvider, tenant_slug: str) -> dict[str, Any]:
    return {
        "id": str(provider.id),
        "tenant": tenant_slug,
        "issuer": provider.issuer,
        "audience": provider.audience,
        "algorithms": list(provider.algorithms),
        "claim": provider.member_claim.value,
        "enabled": provider.is_enabled,
    }


def _line(described: dict[str, Any]) -> str:
    state = "enabled" if described["enabled"] else "disabled"
    return (
        f"{described['issuer']}  audience={described['audience']}  claim={described['claim']}"
        f"  algorithms={','.join(described['algorithms'])}  {state}"
    )


async def add_provider(
    database: Database,
    *,
    tenant_slug: str,
    issuer: str,
    audience: str,
    member_claim: MemberClaim,
    algorithms: tuple[str, ...],
) -> dict[str, Any]:
    """Register the provider as the operator; its description."""
    scope = await tenant_scope(database, tenant_slug)
    async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
        provider = await idp_service.add_identity_provider(
            uow,
            None,
            issuer=issuer,
            audience=audience,
            algorithms=algorithms,
            member_claim=member_claim,
        )
        await uow.commit()
    return _described(provider, tenant_slug)


async def list_providers(database: Database, *, tenant_slug: str) -> list[dict[str, Any]]:
    """The tenant's providers, enabled or not, by issuer."""
    scope = await tenant_scope(database, tenant_slug)
    async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
        providers = await idp_service.list_identity_providers(uow, None)
    return [_described(provider, tenant_slug) for provider in providers]


async def disable_provider(database: Database, *, tenant_slug: str, issuer: str) -> dict[str, Any]:
    """Disable the tenant's provider of `issuer`; its description."""
    scope = await tenant_scope(database, tenant_slug)
    async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
        provider = await idp_service.disable_identity_provider(uow, None, issuer=issuer)
        await uow.commit()
    return _described(provider, tenant_slug)


@click.group()
def idp() -> None:
    """Manage external identity providers whose access tokens a tenant accepts."""


@idp.command("add")
@click.option("--tenant", "tenant_slug", required=True, help="The tenant's slug.")
@click.option("--issuer", required=True, help="The issuer URL, exactly as tokens' `iss`.")
@click.option("--audience", required=True, help="The `aud` the issuer puts in tokens for us.")
@click.option(
    "--claim",
    "member_claim",
    default=MemberClaim.EMAIL.value,
    show_default=True,
    type=click.Choice([claim.value for claim in MemberClaim]),
    help="The claim naming the member: the e-mail, or `sub` holding the Parley user id.",
)
@click.option(
    "--algorithm",
    "algorithms",
    multiple=True,
    default=DEFAULT_ALGORITHMS,
    show_default=True,
    type=click.Choice(SUPPORTED_ALGORITHMS),
    help="Accepted signature algorithm; repeatable.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def idp_add(
    ctx: click.Context,
    tenant_slug: str,
    issuer: str,
    audience: str,
    member_claim: str,
    algorithms: tuple[str, ...],
    as_json: bool,
) -> None:
    """Trust an OpenID Connect issuer's access tokens for one audience."""
    database = build_database(settings_of(ctx))
    added = run_command(
        lambda: add_provider(
            database,
            tenant_slug=tenant_slug,
            issuer=issuer,
            audience=audience,
            member_claim=MemberClaim(member_claim),
            algorithms=algorithms,
        ),
        database=database,
    )
    emit(as_json, added, f"added {_line(added)}")


@idp.command("list")
@click.option("--tenant", "tenant_slug", required=True, help="The tenant's slug.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per provider.")
@click.pass_context
def idp_list(ctx: click.Context, tenant_slug: str, as_json: bool) -> None:
    """The tenant's identity providers."""
    database = build_database(settings_of(ctx))
    providers = run_command(
        lambda: list_providers(database, tenant_slug=tenant_slug), database=database
    )
    for described in providers:
        emit(as_json, described, _line(described))


@idp.command("disable")
@click.option("--tenant", "tenant_slug", required=True, help="The tenant's slug.")
@click.option("--issuer", required=True, help="The issuer URL to stop trusting.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def idp_disable(ctx: click.Context, tenant_slug: str, issuer: str, as_json: bool) -> None:
    """Stop accepting an issuer's tokens in the tenant."""
    database = build_database(settings_of(ctx))
    disabled = run_command(
        lambda: disable_provider(database, tenant_slug=tenant_slug, issuer=issuer),
        database=database,
    )
    emit(as_json, disabled, f"disabled {_line(disabled)}")


commands: list[click.Command] = [idp]
