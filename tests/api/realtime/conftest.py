"""A live API (uvicorn on a free port) and an arq worker of the test's own.

WebSockets need a real server: httpx's ASGI transport speaks HTTP only. Both
run in the test's event loop on the real PostgreSQL, Redis and OpenSearch;
jobs go to a queue named for the test, so other runs' workers never take them.
"""

import asyncio
import contextlib
import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from arq import create_pool
from arq.connections import RedisSettings
from arq.constants import job_key_prefix
from arq.worker import Worker
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from api.app import create_app
from api.services import Services, build_services
from domain.authz.policy import Role, scopes_for_role
from domain.db.session import Database
from domain.settings import Settings
from workers.main import WorkerSettings, shutdown, startup
from workers.queue import ArqJobQueue

ALLOWED_ORIGIN = "https://agents.example.com"
SUBPROTOCOL = "graphql-transport-ws"
#: The longest a test waits for a message it expects.
WAIT_SECONDS = 5.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def queue_name() -> str:
    return f"parley-test-realtime-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def realtime_settings(services_settings: Settings) -> Settings:
    return services_settings.model_copy(
        update={
            "websocket_allowed_origins": [ALLOWED_ORIGIN],
            "cors_allowed_origins": [ALLOWED_ORIGIN],
        }
    )


@dataclass
class LiveApi:
    base_url: str
    services: Services

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/graphql"

    def token(
        self,
        *,
        user_id: uuid.UUID,
        tenant_id: uuid.UUID,
        role: Role,
        ttl_seconds: int = 300,
        issued_at: int | None = None,
    ) -> str:
        return self.services.tokens.issue(
            subject=str(user_id),
            tenant_id=tenant_id,
            scopes=frozenset(scopes_for_role(role)),
            ttl_seconds=ttl_seconds,
            now=issued_at,
        )


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free local port while the block runs; its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            ws="websockets-sansio",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "the server did not start"
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


@pytest.fixture
async def live_api(
    pg_database: Database, realtime_settings: Settings, redis_url: str, queue_name: str
) -> AsyncIterator[LiveApi]:
    services = build_services(realtime_settings, queue=None)
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    services.queue = ArqJobQueue(pool, queue_name=queue_name)
    await services.search.ensure_ready()
    try:
        async with served(create_app(realtime_settings, services=services)) as base_url:
            yield LiveApi(base_url=base_url, services=services)
    finally:
        job_ids = [member.decode() for member in await pool.zrange(queue_name, 0, -1)]
        await pool.delete(queue_name, *(job_key_prefix + job_id for job_id in job_ids))
        await services.aclose()


@pytest.fixture
async def running_worker(
    realtime_settings: Settings, redis_url: str, queue_name: str
) -> AsyncIterator[Worker]:
    """An arq worker on the test's queue, started (triage model loaded) before the test."""
    worker = Worker(
        functions=WorkerSettings.functions,
        on_startup=startup,
        on_shutdown=shutdown,
        redis_settings=RedisSettings.from_dsn(redis_url),
        queue_name=queue_name,
        ctx={"settings": realtime_settings},
        poll_delay=WorkerSettings.poll_delay,
        max_jobs=WorkerSettings.max_jobs,
        handle_signals=False,
    )
    running = asyncio.create_task(worker.main())
    while "database" not in worker.ctx:
        assert not running.done(), "the worker did not start"
        await asyncio.sleep(0.02)
    try:
        yield worker
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.close()


class GraphQLSocket:
    """A minimal graphql-transport-ws client over a `websockets` connection."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        """The next message (callers bound the wait with `asyncio.timeout`)."""
        async with asyncio.timeout(WAIT_SECONDS):
            message: dict[str, Any] = json.loads(await self.connection.recv())
        return message

    async def init(self, token: str | None) -> dict[str, Any]:
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )

    async def close_code(self) -> int | None:
        """Wait for the server to close the connection; its close code."""
        async with asyncio.timeout(WAIT_SECONDS):
            with contextlib.suppress(ConnectionClosed):
                while True:
                    await self.connection.recv()
        return self.connection.close_code


@pytest.fixture
async def open_socket(live_api: LiveApi) -> AsyncIterator[Any]:
    """`await open_socket(origin=None)` opens a graphql-transport-ws connection."""
    opened: list[ClientConnection] = []

    async def opener(*, origin: str | None = None) -> GraphQLSocket:
        headers = {"Origin": origin} if origin else {}
        connection = await connect(
            live_api.ws_url,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            additional_headers=headers,
            open_timeout=5,
        )
        opened.append(connection)
        return GraphQLSocket(connection)

    yield opener
    for connection in opened:
        await connection.close()
