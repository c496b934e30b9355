"""API benchmark: the agents' inbox page through GraphQL, against plain Starlette.

Run from the project root with a database you may empty (the test database is fine)::

    PARLEY_TEST_DATABASE_URL=... PARLEY_TEST_DATABASE_OWNER_URL=... \
        .venv/bin/python -m benchmarks.api [--conversations N] [--rounds N] [--uvicorn-workers N]

(as a module: run as a file, this file's name would shadow the `api` package).

The database is EMPTIED before and after. It seeds one agency with 5 brands and
N conversations (default 100,000; one message each, a customer per 5
conversations, a third assigned, half with an SLA due time) by bulk insert,
then serves, at 10 concurrent clients, in-process over ASGI (the default) or
from `uvicorn --workers N` processes over HTTP on loopback, as production runs
(`--uvicorn-workers N`; both apps then get the same server setup):

1. the GraphQL inbox page of 50 (hot first, then SLA due, then oldest) with
   customer, last message, assignee and SLA due time, each client walking 10
   pages by cursor and starting again;
2. a plain Starlette JSON endpoint that runs the same statements (the caller's
   membership and the inbox page in one unit of work, as the GraphQL resolver
   does, then one batch each for customers, last messages and assignees, each
   in its own unit of work, as the DataLoaders do) and returns the same rows.

Rounds of both alternate (10 pages per client each), so changes in the machine's
load hit both alike. Prints one JSON object: p50/p95/max latency and requests/s
of both, the ratio of GraphQL's throughput to plain Starlette's, and the load
average. After start-up the objects alive are frozen out of garbage collection
(`gc.freeze()`, as a long-running server should; `--no-gc-freeze` to compare,
in-process only). The GraphQL rate limiter stays on (with a bucket too large
to refuse), so its Redis round trip is measured.
"""

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import socket
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.app import create_app
from api.graphql.relay import decode_cursor, encode_cursor
from api.services import Services, build_services
from domain.authz.policy import Role, scopes_for_role
from domain.conversations import reads
from domain.conversations.inbox import InboxFilter, InboxOrder, list_inbox, sort_values
from domain.conversations.keyset import KeysetWindow
from domain.conversations.models import Conversation, ConversationKind, ConversationStatus
from domain.customers.models import Customer, CustomerIdentity
from domain.db.base import Base
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention, MentionDirection, TriageStatus
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor, TenantScope
from domain.tenants.service import load_member
from tests.factories import make_brand, make_channel, make_member, make_tenant

ROOT = Path(__file__).resolve().parents[1]
ACTOR = Actor.system("benchmark:api")
CLIENTS = 10
PAGE_SIZE = 50
PAGES_PER_WALK = 10
INSERT_CHUNK = 5000

INBOX_PAGE = """
query AgentInboxPage($after: String) {
  inbox(first: 50, after: $after) {
    nodes {
      id
      priority
      slaDueAt
      customer { id displayName isVip }
      lastMention { id text postedAt }
      assignee { id displayName }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def table(model: type[Base]) -> Table:
    found = model.__table__
    assert isinstance(found, Table)
    return found


async def empty_database(owner_url: str) -> None:
    engine = create_async_engine(owner_url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


async def bulk_insert(
    services: Services, tenant_id: uuid.UUID, model: type[Base], rows: list[dict[str, Any]]
) -> None:
    async with UnitOfWork(services.database, actor=ACTOR, scope=TenantScope(tenant_id)) as uow:
        for start in range(0, len(rows), INSERT_CHUNK):
            part = [{**row, "tenant_id": tenant_id} for row in rows[start : start + INSERT_CHUNK]]
            await uow.session.execute(insert(table(model)), part)
        await uow.commit()


async def seed(services: Services, conversations: int) -> tuple[uuid.UUID, uuid.UUID]:
    """The tenant and the agent whose token the clients use."""
    database = services.database
    tenant_id = await make_tenant(database, "bench-agency")
    brands = [await make_brand(database, tenant_id, f"brand-{index}") for index in range(5)]
    channels = [
        await make_channel(database, tenant_id, brand.id, external_account_id=f"page-{index}")
        for index, brand in enumerate(brands)
    ]
    agents = [
        await make_member(database, tenant_id, f"agent{index}@bench.example", Role.AGENT)
        for index in range(5)
    ]
    rng = random.Random(7)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    customers = [uuid.uuid4() for _ in range(max(1, conversations // 5))]
    await bulk_insert(
        services,
        tenant_id,
        Customer,
        [
            {
                "id": customer_id,
                "created_at": start,
                "display_name": f"Customer {number}",
                "is_vip": number % 50 == 0,
                "crm_id": None,
                "notes": "",
                "merged_into_id": None,
                "merged_at": None,
                "last_seen_at": start,
            }
            for number, customer_id in enumerate(customers)
        ],
    )
    await bulk_insert(
        services,
        tenant_id,
        CustomerIdentity,
        [
            {
                "id": uuid.uuid4(),
                "created_at": start,
                "customer_id": customer_id,
                "platform": "facebook",
                "platform_user_id": f"fb-{number}",
                "handle": f"customer_{number}",
                "display_name": f"Customer {number}",
            }
            for number, customer_id in enumerate(customers)
        ],
    )
    conversation_rows: list[dict[str, Any]] = []
    mention_rows: list[dict[str, Any]] = []
    for number in range(conversations):
        brand_index = number % 5
        opened = start + timedelta(seconds=number * 20)
        priority = rng.choice(["hot", "cold", "cold", "noise", None])
        conversation_id = uuid.uuid4()
        customer_id = customers[number % len(customers)]
        conversation_rows.append(
            {
                "id": conversation_id,
                "created_at": opened,
                "brand_id": brands[brand_index].id,
                "channel_id": channels[brand_index].id,
                "customer_id": customer_id,
                "kind": ConversationKind.PUBLIC_THREAD,
                "thread_key": f"thread-{number}",
                "status": ConversationStatus.OPEN,
                "priority": priority,
                "opened_at": opened,
                "last_message_at": opened,
                "last_customer_message_at": opened,
                "resolved_at": None,
                "message_count": 1,
                "assignee_id": agents[number % 5] if number % 3 == 0 else None,
                "snoozed_until": None,
                "handled_by": None,
                "sla_due_at": opened + timedelta(hours=rng.randint(1, 48)) if number % 2 else None,
            }
        )
        mention_rows.append(
            {
                "id": uuid.uuid4(),
                "created_at": opened,
                "brand_id": brands[brand_index].id,
                "channel_id": channels[brand_index].id,
                "conversation_id": conversation_id,
                "customer_id": customer_id,
                "external_id": f"m-{number}",
                "object_key": None,
                "platform": "facebook",
                "kind": "comment",
                "direction": MentionDirection.INBOUND,
                "parent_external_id": None,
                "root_external_id": None,
                "author_platform_id": f"fb-{number % len(customers)}",
                "author_handle": f"customer_{number % len(customers)}",
                "author_name": None,
                "text": f"Where is my order number {number}? It has been a week.",
                "text_history": [],
                "has_media": False,
                "media_types": [],
                "permalink": None,
                "posted_at": opened,
                "received_at": opened,
                "edited_at": None,
                "deleted_at": None,
                "hidden_at": None,
                "moderated_at": None,
                "extra": {},
                "triage_status": TriageStatus.DONE,
                "language": "en",
                "labels": {"priority": priority} if priority else {},
                "reasons": [],
                "version": 1,
            }
        )
    await bulk_insert(services, tenant_id, Conversation, conversation_rows)
    await bulk_insert(services, tenant_id, Mention, mention_rows)
    return tenant_id, agents[0]


async def analyze(owner_url: str) -> None:
    """Fresh planner statistics (only the tables' owner may take them)."""
    engine = create_async_engine(owner_url)
    async with engine.begin() as connection:
        for name in ("conversations", "mentions", "customers", "customer_identities"):
            await connection.execute(text(f"ANALYZE {name}"))
    await engine.dispose()


def plain_app(
    services: Services, tenant_id: uuid.UUID, user_id: uuid.UUID, *, owns_services: bool = False
) -> Starlette:
    """The same statements as the GraphQL page, serialised by hand.

    With `owns_services` the app closes the services when its lifespan ends (as
    `create_app` does), for serving it from its own process.
    """
    scopes = frozenset(scopes_for_role(Role.AGENT))
    actor = Actor.user(user_id)

    def unit_of_work() -> UnitOfWork:
        return UnitOfWork(services.database, actor=actor, scope=TenantScope(tenant_id))

    async def page(request: Request) -> JSONResponse:
        after = request.query_params.get("after")
        window = KeysetWindow(limit=PAGE_SIZE, after=decode_cursor(after) if after else None)
        async with unit_of_work() as uow:
            grantee = (await load_member(uow, user_id=user_id, scopes=scopes)).grantee
            rows = await list_inbox(
                uow,
                grantee=grantee,
                search=None,
                inbox_filter=InboxFilter(),
                order=InboxOrder.PRIORITY,
                window=window,
                now=utcnow(),
            )
        has_next = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]

        async def batch(fetch: Callable[[UnitOfWork], Awaitable[Any]]) -> Any:
            async with unit_of_work() as uow:
                return await fetch(uow)

        customers, latest, users = await asyncio.gather(
            batch(lambda uow: reads.customers_of_conversations(uow, {r.customer_id for r in rows})),
            batch(lambda uow: reads.latest_mentions(uow, [r.id for r in rows])),
            batch(
                lambda uow: reads.members_by_user_ids(
                    uow, {r.assignee_id for r in rows if r.assignee_id}
                )
            ),
        )
        nodes = []
        for row in rows:
            customer = customers[row.customer_id]
            mention = latest.get(row.id)
            assignee = users.get(row.assignee_id) if row.assignee_id else None
            nodes.append(
                {
                    "id": str(row.id),
                    "priority": row.priority,
                    "slaDueAt": row.sla_due_at.isoformat() if row.sla_due_at else None,
                    "customer": {
                        "id": str(customer.id),
                        "displayName": customer.display_name,
                        "isVip": customer.is_vip,
                    },
                    "lastMention": None
                    if mention is None
                    else {
                        "id": str(mention.id),
                        "text": mention.text,
                        "postedAt": mention.posted_at.isoformat() if mention.posted_at else None,
                    },
                    "assignee": None
                    if assignee is None
                    else {"id": str(assignee.id), "displayName": assignee.display_name},
                }
            )
        end_cursor = encode_cursor(sort_values(rows[-1], InboxOrder.PRIORITY)) if rows else None
        return JSONResponse(
            {
                "data": {
                    "inbox": {
                        "nodes": nodes,
                        "pageInfo": {"hasNextPage": has_next, "endCursor": end_cursor},
                    }
                }
            }
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owns_services:
                await services.aclose()

    return Starlette(routes=[Route("/inbox", page)], lifespan=lifespan)


# --- serving from uvicorn processes, as in production ---------------------------

#: Environment passing the seeded tenant and agent to the server processes.
TENANT_VARIABLE = "PARLEY_BENCH_TENANT_ID"
AGENT_VARIABLE = "PARLEY_BENCH_AGENT_ID"


def benchmark_settings() -> Settings:
    """The settings of `.env` on the test database, the rate limiter on but never refusing."""
    database_url = os.environ.get("PARLEY_TEST_DATABASE_URL")
    owner_url = os.environ.get("PARLEY_TEST_DATABASE_OWNER_URL")
    if not database_url or not owner_url:
        sys.exit("set PARLEY_TEST_DATABASE_URL and PARLEY_TEST_DATABASE_OWNER_URL")
    base = Settings(_env_file=ROOT / ".env")
    return base.model_copy(
        update={
            "environment": "test",
            "database_url": database_url,
            "database_owner_url": owner_url,
            "graphql_rate_limit_points": 10**9,
            "graphql_rate_limit_restore_per_second": 10.0**9,
        }
    )


def graphql_server() -> Starlette:
    """uvicorn factory: the API app, start-up objects frozen out of garbage collection."""
    app = create_app(benchmark_settings())
    gc.freeze()
    return app


def plain_server() -> Starlette:
    """uvicorn factory: the plain endpoint for the seeded tenant and agent, likewise frozen."""
    services = build_services(benchmark_settings(), queue=None)
    app = plain_app(
        services,
        uuid.UUID(os.environ[TENANT_VARIABLE]),
        uuid.UUID(os.environ[AGENT_VARIABLE]),
        owns_services=True,
    )
    gc.freeze()
    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def uvicorn_server(
    factory: str, workers: int, tenant_id: uuid.UUID, agent: uuid.UUID
) -> AsyncIterator[str]:
    """`uvicorn --workers N` serving `factory` on a free port; yields its base URL."""
    port = free_port()
    environment = {**os.environ, TENANT_VARIABLE: str(tenant_id), AGENT_VARIABLE: str(agent)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        f"benchmarks.api:{factory}",
        "--factory",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers}",
        "--log-level=warning",
        "--no-access-log",
        cwd=ROOT,
        env=environment,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url) as probe:
            deadline = time.monotonic() + 60
            while True:
                try:
                    await probe.get("/")
                    break
                except httpx.TransportError:
                    if process.returncode is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"uvicorn serving {factory} did not start") from None
                    await asyncio.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


Fetch = Callable[[httpx.AsyncClient, str | None], Awaitable[dict[str, Any]]]


class Endpoint:
    """One way of serving the page, with the latencies and busy time measured so far."""

    def __init__(self, client: httpx.AsyncClient, fetch: Fetch) -> None:
        self.client = client
        self.fetch = fetch
        self.latencies: list[float] = []
        self.wall = 0.0

    async def round(self, requests_per_client: int, *, record: bool = True) -> None:
        """`CLIENTS` clients at once, each walking pages by cursor."""

        async def one_client() -> None:
            after: str | None = None
            for number in range(requests_per_client):
                if number % PAGES_PER_WALK == 0:
                    after = None
                began = time.perf_counter()
                body = await self.fetch(self.client, after)
                elapsed = time.perf_counter() - began
                inbox = body["data"]["inbox"]
                assert len(inbox["nodes"]) == PAGE_SIZE, body
                after = inbox["pageInfo"]["endCursor"]
                if record:
                    self.latencies.append(elapsed)

        began = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
        if record:
            self.wall += time.perf_counter() - began

    def figures(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        return {
            "requests": len(ordered),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
            "requests_per_second": round(len(ordered) / self.wall, 1),
        }


async def compare(graphql: Endpoint, plain: Endpoint, rounds: int, per_round: int) -> None:
    """Alternate rounds of both, so a change in the machine's load hits both alike."""
    for endpoint in (graphql, plain):
        await endpoint.round(3, record=False)
    for _ in range(rounds):
        for endpoint in (graphql, plain):
            await endpoint.round(per_round)


def in_process_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench.test")


async def run(
    conversations: int, rounds: int, freeze: bool, uvicorn_workers: int | None
) -> dict[str, Any]:
    settings = benchmark_settings()
    owner_url = settings.database_owner_url
    assert owner_url is not None
    await empty_database(owner_url)
    services = build_services(settings, queue=None)
    try:
        seeding = time.perf_counter()
        tenant_id, agent = await seed(services, conversations)
        await analyze(owner_url)
        seeded_in = time.perf_counter() - seeding
        token = services.tokens.issue(
            subject=str(agent),
            tenant_id=tenant_id,
            scopes=frozenset(scopes_for_role(Role.AGENT)),
            ttl_seconds=3600,
        )
        headers = {"Authorization": f"Bearer {token}"}

        async def graphql_page(client: httpx.AsyncClient, after: str | None) -> dict[str, Any]:
            response = await client.post(
                "/graphql",
                json={"query": INBOX_PAGE, "variables": {"after": after}},
                headers=headers,
            )
            body: dict[str, Any] = response.json()
            return body

        async def plain_page(client: httpx.AsyncClient, after: str | None) -> dict[str, Any]:
            response = await client.get("/inbox", params={"after": after} if after else None)
            body: dict[str, Any] = response.json()
            return body

        async with contextlib.AsyncExitStack() as stack:
            if uvicorn_workers is None:
                graphql_client = in_process_client(create_app(settings, services=services))
                plain_client = in_process_client(plain_app(services, tenant_id, agent))
                if freeze:
                    # What a long-running server does after start-up: the objects alive now
                    # (modules, schema, metadata) stay out of every later garbage collection.
                    gc.freeze()
            else:
                graphql_url, plain_url = [
                    await stack.enter_async_context(
                        uvicorn_server(factory, uvicorn_workers, tenant_id, agent)
                    )
                    for factory in ("graphql_server", "plain_server")
                ]
                limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
                graphql_client = httpx.AsyncClient(base_url=graphql_url, limits=limits)
                plain_client = httpx.AsyncClient(base_url=plain_url, limits=limits)
            for client in (graphql_client, plain_client):
                await stack.enter_async_context(client)
            graphql = Endpoint(graphql_client, graphql_page)
            plain = Endpoint(plain_client, plain_page)
            await compare(graphql, plain, rounds, per_round=PAGES_PER_WALK)
        graphql_figures, plain_figures = graphql.figures(), plain.figures()
    finally:
        await services.aclose()
        await empty_database(owner_url)
    return {
        "conversations": conversations,
        "brands": 5,
        "seeded_in_s": round(seeded_in, 1),
        "clients": CLIENTS,
        "server": "in-process ASGI"
        if uvicorn_workers is None
        else f"uvicorn --workers {uvicorn_workers}",
        "gc_freeze": freeze or uvicorn_workers is not None,
        "page_size": PAGE_SIZE,
        "graphql": graphql_figures,
        "plain_starlette": plain_figures,
        "throughput_ratio": round(
            graphql_figures["requests_per_second"] / plain_figures["requests_per_second"], 2
        ),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument(
        "--rounds", type=int, default=6, help="rounds of 10 pages per client, per endpoint"
    )
    parser.add_argument(
        "--no-gc-freeze", action="store_true", help="leave start-up objects to the collector"
    )
    parser.add_argument(
        "--uvicorn-workers",
        type=int,
        default=None,
        metavar="N",
        help="serve both apps from `uvicorn --workers N` processes instead of in-process",
    )
    options = parser.parse_args()
    figures = asyncio.run(
        run(
            options.conversations,
            options.rounds,
            not options.no_gc_freeze,
            options.uvicorn_workers,
        )
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
