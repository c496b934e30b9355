"""The `parley` command line: the process composition root.

It is the one place that knows both the API and the workers: `serve` and
`demo` hand the API the job queue they built (arq on Redis, or the in-process
runner), `worker` runs the arq worker. Commands that create or issue something
accept `--json` and then print exactly one JSON object on stdout; errors go to
stderr with a non-zero exit.
"""

import asyncio
import gc
import json
import logging
import multiprocessing
import os
import re
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

import click
import uvicorn
import uvloop
from arq import create_pool
from arq.worker import run_worker
from redis.exceptions import RedisError

from api.app import create_app
from api.commands import idp as idp_commands
from api.commands import imports as import_commands
from api.commands import ingestion as ingestion_commands
from api.commands import knowledge as knowledge_commands
from api.commands import oauth as oauth_commands
from api.commands import search as search_commands
from api.commands import triage as triage_commands
from api.commands.common import OPERATOR, emit, run_command, settings_of, split_values, tenant_scope
from api.graphql.ids import to_global_id
from api.graphql.schema import build_schema
from api.services import Services, build_services, build_token_service
from domain.authz.policy import Role, parse_scopes, scopes_for_role
from domain.bootstrap import build_database
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.demo.seed import DEMO_TENANT_SLUG, seed_demo
from domain.settings import Settings
from domain.shared.ports import JobQueue
from domain.tenants import service as tenants_service
from migrations import runner
from workers.jobs.approvals import start_in_process_knowledge_schedule
from workers.jobs.indexing import start_in_process_schedule
from workers.jobs.ingestion import install_triage
from workers.jobs.sla import start_in_process_sla_sweep
from workers.main import WorkerSettings, in_process_queue, redis_settings
from workers.queue import ArqJobQueue

DEMO_TOKEN_TTL_SECONDS = 12 * 3600


def parse_ttl(value: str) -> int:
    """Seconds from "3600", "90s", "30m", "12h" or "7d"."""
    match = re.fullmatch(r"(\d+)([smhd]?)", value.strip())
    if not match:
        raise click.BadParameter("use seconds or a number with s, m, h or d")
    number, unit = int(match.group(1)), match.group(2) or "s"
    return number * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Parley: social customer care for agencies."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    ctx.obj = {"settings": Settings()}


# --- processes ---------------------------------------------------------------


async def _build_queue(settings: Settings, services: Services) -> JobQueue:
    if settings.redis_url:
        return ArqJobQueue(await create_pool(redis_settings(settings)))
    context: dict[str, Any] = {
        "settings": settings,
        "database": services.database,
        "search": services.search,
    }
    queue = in_process_queue(context)
    if settings.triage_enabled:
        install_triage(context)
    # No arq cron here: the runner drains the outboxes, sweeps stale work and SLA
    # clocks, and delivers Q&A indexing and approval digests itself.
    start_in_process_schedule(queue)
    start_in_process_sla_sweep(queue)
    start_in_process_knowledge_schedule(queue)
    return queue


async def _serve(
    settings: Settings,
    host: str,
    port: int,
    sockets: list[socket.socket] | None = None,
    *,
    access_log: bool = True,
) -> None:
    services = build_services(settings, queue=None)
    services.queue = await _build_queue(settings, services)
    await services.search.ensure_ready()
    app = create_app(settings, services=services)
    # What start-up made lives as long as the process: out of the collector's sight,
    # full collections stop walking it again and again while requests are served.
    gc.collect()
    gc.freeze()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=host, port=port, log_level="info", http="httptools", access_log=access_log
        )
    )
    watch = asyncio.create_task(_exit_with_parent(server)) if sockets is not None else None
    await server.serve(sockets=sockets)
    if watch is not None:
        watch.cancel()


async def _exit_with_parent(server: uvicorn.Server) -> None:
    """Stop a `--workers` child whose supervisor died without telling it (SIGKILL)."""
    parent = os.getppid()
    # Nothing signals a parent's death to its child: polling is the portable way.
    while os.getppid() == parent:  # noqa: ASYNC110
        await asyncio.sleep(1.0)
    server.should_exit = True


def _run_on_uvloop(main: Coroutine[Any, Any, None]) -> None:
    """Run `main` on a uvloop event loop: its transports cost a fraction of asyncio's per call."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def _serve_child(
    settings: Settings, host: str, port: int, listener: socket.socket, access_log: bool
) -> None:
    _run_on_uvloop(_serve(settings, host, port, [listener], access_log=access_log))


def _serve_processes(
    settings: Settings, host: str, port: int, workers: int, *, access_log: bool
) -> None:
    """`workers` API processes accepting on one listening socket, until SIGINT or SIGTERM.

    Each process builds its own services (pools, clients, caches): nothing is shared
    but the socket. A child that exits is not replaced; the supervisor then stops all.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(2048)
    listener.set_inheritable(True)
    spawn = multiprocessing.get_context("spawn")
    children = [
        spawn.Process(target=_serve_child, args=(settings, host, port, listener, access_log))
        for _ in range(workers)
    ]
    for child in children:
        child.start()
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping.is_set() and all(child.is_alive() for child in children):
        stopping.wait(0.5)
    for child in children:
        if child.is_alive():
            child.terminate()  # SIGTERM: uvicorn finishes its requests and returns
    for child in children:
        child.join()
    listener.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="API processes sharing the port (needs Redis: the embedded default runs one).",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log a line per request (method, path, status): costs CPU and writes URLs to the log.",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve the HTTP API (GraphQL at /graphql) on uvloop with httptools."""
    settings = settings_of(ctx)
    if workers == 1:
        _run_on_uvloop(_serve(settings, host, port, access_log=access_log))
        return
    if not settings.redis_url:
        # Without Redis every process would run its own in-process jobs and schedules.
        raise click.ClickException("--workers above 1 needs PARLEY_REDIS_URL")
    _serve_processes(settings, host, port, workers, access_log=access_log)


@main.command()
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@click.pass_context
def worker(ctx: click.Context, burst: bool) -> None:
    """Run the background worker (arq on Redis)."""
    settings = settings_of(ctx)
    try:
        redis = redis_settings(settings)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    run_worker(WorkerSettings, redis_settings=redis, ctx={"settings": settings}, burst=burst)  # type: ignore[arg-type]


@main.command()
@click.option("--revision", default="head", show_default=True)
@click.pass_context
def migrate(ctx: click.Context, revision: str) -> None:
    """Upgrade the database schema (as the owner role on PostgreSQL)."""
    settings = settings_of(ctx)
    runner.upgrade(settings.resolved_owner_database_url(), revision)
    click.echo(f"database at revision {revision}", err=True)


async def _redis_answers(services: Services) -> bool:
    if services.redis is None:
        return True  # the in-process runner needs no server
    try:
        return bool(await services.redis.ping())
    except (ConnectionError, OSError, RedisError):
        return False


async def _doctor(settings: Settings) -> dict[str, dict[str, Any]]:
    services = build_services(settings, queue=None)
    try:
        database_answers = await services.database.ping()
        search_answers = await services.search.ping()
        redis_answers = await _redis_answers(services)
    finally:
        await services.aclose()
    return {
        "database": {"backend": services.database.dialect, "answers": database_answers},
        "queue": {
            "backend": "redis (arq)" if settings.redis_url else "in-process",
            "answers": redis_answers,
        },
        "search": {
            "backend": "opensearch" if settings.opensearch_url else "sqlite-fts5",
            "answers": search_answers,
        },
    }


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Show which backend is active for database, queue and search, and whether each answers."""
    report = asyncio.run(_doctor(settings_of(ctx)))
    human = "\n".join(
        f"{name:9} {part['backend']:14} {'answers' if part['answers'] else 'DOES NOT ANSWER'}"
        for name, part in report.items()
    )
    emit(as_json, report, human)
    if not all(part["answers"] for part in report.values()):
        sys.exit(1)


# --- tenants, users, tokens ----------------------------------------------------


@main.group()
def tenant() -> None:
    """Manage tenants (agencies)."""


@tenant.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def tenant_create(ctx: click.Context, slug: str, name: str, as_json: bool) -> None:
    """Create a tenant."""
    database = build_database(settings_of(ctx))

    async def create() -> dict[str, Any]:
        try:
            async with UnitOfWork(database, actor=OPERATOR, scope=None) as uow:
                created = await tenants_service.create_tenant(uow, slug=slug, name=name)
                await uow.commit()
            return {"id": str(created.id), "slug": created.slug, "name": created.name}
        finally:
            await database.dispose()

    result = run_command(create)
    emit(as_json, result, f"created tenant {result['slug']} ({result['id']})")


@main.group()
def user() -> None:
    """Manage users and their memberships."""


@user.command("create")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--brand", "brands", multiple=True, help="Brand slug (client roles); repeatable.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def user_create(
    ctx: click.Context,
    tenant_slug: str,
    email: str,
    role: str,
    brands: tuple[str, ...],
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Create a user (or reuse one by e-mail) and give them a role in a tenant."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    database = build_database(settings_of(ctx))

    async def create() -> dict[str, Any]:
        try:
            scope = await tenant_scope(database, tenant_slug)
            async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
                membership = await tenants_service.add_member(
                    uow, email=email, role=Role(role), brand_slugs=brands, password=password
                )
                await uow.commit()
            return {
                "user_id": str(membership.user_id),
                "membership_id": str(membership.id),
                "tenant": tenant_slug,
                "email": email.strip().lower(),
                "role": role,
                "brands": sorted(brands),
            }
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        finally:
            await database.dispose()

    result = run_command(create)
    emit(as_json, result, f"{result['email']} is {role} in {tenant_slug}")


async def issue_user_token(
    settings: Settings,
    database: Database,
    *,
    tenant_slug: str,
    email: str,
    scopes: Sequence[str],
    ttl_seconds: int,
) -> dict[str, Any]:
    """Issue an access token for a member; scopes default to all their role can use."""
    scope = await tenant_scope(database, tenant_slug)
    async with UnitOfWork(database, actor=OPERATOR, scope=scope) as uow:
        found = await tenants_service.get_user_by_email(uow, email)
        member = await tenants_service.load_member(uow, user_id=found.id, scopes=frozenset())
    role = member.membership.role
    allowed = set(scopes_for_role(role))
    try:
        requested = parse_scopes(scopes) if scopes else frozenset(allowed)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    beyond = sorted(requested - allowed - {"openid", "profile", "email"})
    if beyond:
        raise click.ClickException(f"role {role} cannot use scopes: {', '.join(beyond)}")
    tokens = build_token_service(settings)
    token = tokens.issue(
        subject=str(member.user.id),
        tenant_id=scope.tenant_id,
        scopes=requested,
        ttl_seconds=ttl_seconds,
    )
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl_seconds,
        "scope": " ".join(sorted(requested)),
        "tenant": tenant_slug,
        "email": member.user.email,
        "role": role.value,
    }


@main.group()
def token() -> None:
    """Issue access tokens for operators and scripts."""


@token.command("issue")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--user", "email", required=True, help="The member's e-mail.")
@click.option("--scopes", multiple=True, help="Scopes, comma or space separated.")
@click.option("--ttl", default="3600", show_default=True, help="Seconds, or 30m, 12h, 7d.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def token_issue(
    ctx: click.Context,
    tenant_slug: str,
    email: str,
    scopes: tuple[str, ...],
    ttl: str,
    as_json: bool,
) -> None:
    """Issue a signed access token for a member of a tenant."""
    settings = settings_of(ctx)
    database = build_database(settings)

    async def issue() -> dict[str, Any]:
        try:
            return await issue_user_token(
                settings,
                database,
                tenant_slug=tenant_slug,
                email=email,
                scopes=split_values(scopes),
                ttl_seconds=parse_ttl(ttl),
            )
        finally:
            await database.dispose()

    result = run_command(issue)
    emit(as_json, result, result["access_token"])


# --- demo --------------------------------------------------------------------


@main.group()
def seed() -> None:
    """Load seed data."""


async def _seed_demo(settings: Settings) -> dict[str, Any]:
    database = build_database(settings)
    try:
        result = await seed_demo(database)
    finally:
        await database.dispose()
    return {
        "tenant": {"id": str(result.tenant_id), "slug": DEMO_TENANT_SLUG},
        "brands": {slug: str(to_global_id("Brand", bid)) for slug, bid in result.brand_ids.items()},
        "users": [{"email": u.email, "role": u.role.value} for u in result.users],
    }


@seed.command("demo")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def seed_demo_command(ctx: click.Context, as_json: bool) -> None:
    """Load the Northwind Social demo tenant into the configured database (idempotent)."""
    result = run_command(lambda: _seed_demo(settings_of(ctx)))
    human = f"seeded {DEMO_TENANT_SLUG}: {len(result['brands'])} brands, " + ", ".join(
        user["email"] for user in result["users"]
    )
    emit(as_json, result, human)


def embedded_settings(settings: Settings, data_dir: Path) -> Settings:
    """The same settings on the embedded default: no external service at all."""
    return settings.model_copy(
        update={
            "database_url": None,
            "database_owner_url": None,
            "redis_url": None,
            "opensearch_url": None,
            "data_dir": data_dir,
        }
    )


async def _set_demo_password(database: Database, emails: Sequence[str], password: str) -> None:
    """Give the demo users one sign-in password (for the OAuth login page)."""
    async with UnitOfWork(database, actor=OPERATOR, scope=None) as uow:
        for email in emails:
            await tenants_service.get_or_create_user(uow, email=email, password=password)
        await uow.commit()


async def _demo_tokens(settings: Settings, password: str) -> dict[str, Any]:
    seeded = await _seed_demo(settings)
    database = build_database(settings)
    try:
        await _set_demo_password(database, [user["email"] for user in seeded["users"]], password)
        tokens = {}
        for user_entry in seeded["users"]:
            issued = await issue_user_token(
                settings,
                database,
                tenant_slug=DEMO_TENANT_SLUG,
                email=user_entry["email"],
                scopes=(),
                ttl_seconds=DEMO_TOKEN_TTL_SECONDS,
            )
            tokens[user_entry["role"]] = {
                "email": user_entry["email"],
                "access_token": issued["access_token"],
            }
    finally:
        await database.dispose()
    return {**seeded, "tokens": tokens, "password": password}


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--data-dir", default="var/demo", show_default=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the seed and tokens as JSON.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, data_dir: Path, as_json: bool) -> None:
    """Run the demo on the embedded default: SQLite, in-process jobs, FTS5 search."""
    settings = embedded_settings(settings_of(ctx), data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    runner.upgrade(settings.resolved_owner_database_url())
    password = secrets.token_urlsafe(12)
    result = run_command(lambda: _demo_tokens(settings, password))
    url = f"http://{host}:{port}"
    result["graphql_url"] = f"{url}/graphql"
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(f"Parley demo: {DEMO_TENANT_SLUG}, {len(result['brands'])} brands")
        click.echo(f"GraphQL (GraphiQL in a browser): {url}/graphql\n")
        click.echo(f"Sign-in password of every demo user (OAuth login page): {password}\n")
        for role, entry in result["tokens"].items():
            click.echo(f"{role:16} {entry['email']}\n{entry['access_token']}\n")
        click.echo(
            "Try:\n  curl -s " + url + "/graphql -H 'Content-Type: application/json' "
            '-H "Authorization: Bearer $TOKEN" '
            '-d \'{"query":"{ viewer { tenant { name } brands { id name } } }"}\'\n'
        )
    sys.stdout.flush()
    asyncio.run(_serve(settings, host, port))


# --- areas -------------------------------------------------------------------

for area_commands in (
    ingestion_commands.commands,
    import_commands.commands,
    search_commands.commands,
    oauth_commands.commands,
    triage_commands.commands,
    knowledge_commands.commands,
    idp_commands.commands,
):
    for command in area_commands:
        main.add_command(command)


# --- contract ----------------------------------------------------------------


@main.group()
def schema() -> None:
    """The GraphQL schema contract."""


@schema.command("export")
@click.option("--output", type=click.Path(path_type=Path), default=None)
def schema_export(output: Path | None) -> None:
    """Print (or write) the schema SDL that `frontend_contract/schema.graphql` holds."""
    sdl = build_schema(production=False).as_str() + "\n"
    if output is None:
        click.echo(sdl, nl=False)
    else:
        output.write_text(sdl, encoding="utf-8")
