"""CLI commands of ingestion: `parley app create`, `parley channel create|health`.

Both print the webhook URL the platform must be given. With `--json` they print
exactly one JSON object on stdout; errors go to stderr with a non-zero exit.
Generated secrets (a Meta verify token, a Telegram secret token, a generic
signing secret) are printed once, since nothing else will ever show them. An
`--access-token` (what replies are sent with) is stored encrypted and never
printed; the output names the secret it is stored under.
"""

import secrets
from datetime import timedelta
from typing import Any

import click

from api.commands.common import OPERATOR, emit, run_command, settings_of, tenant_scope
from domain.bootstrap import build_database
from domain.brands.repository import BrandRepository
from domain.channels.health import channel_health_report
from domain.channels.models import ChannelKind
from domain.channels.service import read_channel_secrets, set_channel_secrets
from domain.db.uow import UnitOfWork
from domain.ingestion.models import AppPlatform
from domain.ingestion.service import (
    WebhookSource,
    create_platform_app,
    register_channel,
    webhook_path,
)
from domain.replies.rules import API_TOKEN_SECRET
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.errors import ValidationError


def webhook_url(settings: Settings, source: WebhookSource, key: str) -> str:
    """The public URL a platform delivers to."""
    return settings.public_base_url.rstrip("/") + webhook_path(source, key)


@click.group("app")
def app_group() -> None:
    """Manage platform apps (a Meta or X app serves many channels through one URL)."""


@app_group.command("create")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--platform", required=True, type=click.Choice([p.value for p in AppPlatform]))
@click.option("--app-id", required=True, help="The platform's app id (part of the URL).")
@click.option("--secret", required=True, help="Meta app secret or X consumer secret.")
@click.option("--verify-token", default=None, help="Meta only; generated when omitted.")
@click.option("--name", default="", help="A label for operators.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def app_create(
    ctx: click.Context,
    tenant_slug: str,
    platform: str,
    app_id: str,
    secret: str,
    verify_token: str | None,
    name: str,
    as_json: bool,
) -> None:
    """Register a tenant's Meta or X app and print its webhook URL."""
    settings = settings_of(ctx)
    database = build_database(settings)
    app_platform = AppPlatform(platform)
    generated = None
    if app_platform is AppPlatform.META and verify_token is None:
        generated = secrets.token_urlsafe(24)
        verify_token = generated

    async def create() -> dict[str, Any]:
        scope = await tenant_scope(database, tenant_slug)
        async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
            app = await create_platform_app(
                uow,
                platform=app_platform,
                app_id=app_id,
                app_secret=secret,
                verify_token=verify_token,
                name=name,
            )
            await uow.commit()
        result: dict[str, Any] = {
            "id": str(app.id),
            "tenant": tenant_slug,
            "platform": app.platform.value,
            "app_id": app.app_id,
            "webhook_url": webhook_url(settings, WebhookSource(app.platform.value), app.app_id),
        }
        if generated is not None:
            result["verify_token"] = generated
        return result

    result = run_command(create, database=database)
    human = f"created {platform} app {result['app_id']}\nwebhook URL: {result['webhook_url']}"
    if generated is not None:
        human += f"\nverify token: {generated}"
    emit(as_json, result, human)


@click.group("channel")
def channel_group() -> None:
    """Manage channels (connected pages, accounts, bots, webhooks, imports)."""


@channel_group.command("create")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--brand", "brand_slug", required=True)
@click.option("--kind", required=True, type=click.Choice([k.value for k in ChannelKind]))
@click.option("--external-id", required=True, help="Page, account, bot, group or source id.")
@click.option("--app", "app_id", default=None, help="The app id serving it (Meta / X kinds).")
@click.option(
    "--secret",
    default=None,
    help="Telegram secret token, VK secret key or generic signing secret "
    "(generated for Telegram and generic when omitted).",
)
@click.option("--confirmation", default=None, help="VK server confirmation code.")
@click.option(
    "--access-token",
    default=None,
    help="The platform API token replies are sent with: Facebook Page / Instagram page "
    "access token, X user access token, Telegram bot token, VK community token. Stored "
    "encrypted, never printed.",
)
@click.option("--name", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def channel_create(
    ctx: click.Context,
    tenant_slug: str,
    brand_slug: str,
    kind: str,
    external_id: str,
    app_id: str | None,
    secret: str | None,
    confirmation: str | None,
    access_token: str | None,
    name: str | None,
    as_json: bool,
) -> None:
    """Connect a channel to a brand; prints its id and, where it has one, its webhook URL."""
    settings = settings_of(ctx)
    database = build_database(settings)
    channel_kind = ChannelKind(kind)

    async def create() -> dict[str, Any]:
        token_secret = _api_token_secret(channel_kind, access_token)
        scope = await tenant_scope(database, tenant_slug)
        async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
            brand = await BrandRepository(uow).get_by_slug(brand_slug)
            registered = await register_channel(
                uow,
                brand_id=brand.id,
                kind=channel_kind,
                external_account_id=external_id,
                name=name,
                app_id=app_id,
                secret=secret,
                confirmation_code=confirmation,
            )
            if token_secret is not None and access_token is not None:
                # Next to the webhook secrets, under the name the connector reads.
                stored = read_channel_secrets(uow, registered.channel)
                set_channel_secrets(uow, registered.channel, {**stored, token_secret: access_token})
                await uow.flush()
            await uow.commit()
        channel = registered.channel
        result: dict[str, Any] = {
            "id": str(channel.id),
            "tenant": tenant_slug,
            "brand": brand_slug,
            "kind": channel.kind.value,
            "external_id": channel.external_account_id,
            "name": channel.name,
        }
        if registered.webhook_source is not None:
            result["webhook_url"] = webhook_url(
                settings, registered.webhook_source, str(channel.id)
            )
        if app_id is not None:
            result["app_id"] = app_id
        if registered.generated_secret is not None:
            result["secret"] = registered.generated_secret
        if token_secret is not None:
            result["api_token_secret"] = token_secret
        return result

    result = run_command(create, database=database)
    human = f"created {kind} channel {result['id']}"
    if "api_token_secret" in result:
        human += f"\nAPI token stored as {result['api_token_secret']}"
    if "webhook_url" in result:
        human += f"\nwebhook URL: {result['webhook_url']}"
    if "secret" in result:
        human += f"\nsecret: {result['secret']}"
    emit(as_json, result, human)


def _api_token_secret(kind: ChannelKind, access_token: str | None) -> str | None:
    """The channel secret an `--access-token` is stored under; None without one."""
    if access_token is None:
        return None
    if not access_token.strip():
        raise ValidationError("the access token is empty", field="access_token")
    name = API_TOKEN_SECRET.get(kind)
    if name is None:
        raise ValidationError(
            f"{kind.value} channels have no platform API to send with", field="access_token"
        )
    return name


@channel_group.command("health")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--window-minutes", default=60, show_default=True, type=click.IntRange(1, 10080))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def channel_health(
    ctx: click.Context, tenant_slug: str, window_minutes: int, as_json: bool
) -> None:
    """Each channel's health, last event, and mentions and failures in the last window."""
    database = build_database(settings_of(ctx))

    async def report() -> dict[str, Any]:
        scope = await tenant_scope(database, tenant_slug)
        async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
            rows = await channel_health_report(
                uow, now=utcnow(), window=timedelta(minutes=window_minutes)
            )
        return {
            "tenant": tenant_slug,
            "window_minutes": window_minutes,
            "channels": [
                {
                    "id": str(row.channel_id),
                    "name": row.name,
                    "kind": row.kind,
                    "health": row.health.value,
                    "last_event_at": row.last_event_at.isoformat() if row.last_event_at else None,
                    "mentions_in_window": row.mentions_in_window,
                    "failed_events_in_window": row.failed_events_in_window,
                    "error_count": row.error_count,
                    "last_error_at": row.last_error_at.isoformat() if row.last_error_at else None,
                }
                for row in rows
            ],
        }

    result = run_command(report, database=database)
    human = "\n".join(
        f"{row['health']:9} {row['mentions_in_window']:5} mentions "
        f"{row['failed_events_in_window']:3} failed  {row['kind']:15} {row['name']}"
        for row in result["channels"]
    )
    emit(as_json, result, human)


commands: list[click.Command] = [app_group, channel_group]
