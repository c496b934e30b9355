"""Helpers of the fault tests: a disposable Redis, generated Telegram deliveries, counts.

The shared services serve other test runs, so the faults are made on services of
the test's own: a `redis-server` process on a free port that a test may kill and
start again, a port where nothing listens standing for a stopped OpenSearch.
"""

import asyncio
import json
import shutil
import socket
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from arq.connections import RedisSettings
from arq.worker import Worker
from sqlalchemy import func, select

from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEvent
from domain.mentions.models import Mention
from domain.settings import Settings
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.webhooks.webhook_scenario import TELEGRAM_SECRET, Agency
from tests.unit.channels.webhook_fixture_manifests import fixture
from workers.jobs.ingestion import COMPANIONS_CTX_KEY
from workers.main import WorkerSettings, shutdown, startup

#: A port where nothing listens: OpenSearch stopped.
DEAD_SEARCH_URL = "http://127.0.0.1:9"
INDEX_MENTION_TOPIC = "index_mention"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class DisposableRedis:
    """A `redis-server` of the test's own, without persistence: a restart empties it."""

    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not installed"
        self.process = await asyncio.create_subprocess_exec(
            binary,
            *("--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(200):
            if _answers(self.port):
                return
            await asyncio.sleep(0.025)
        raise RuntimeError("the disposable redis-server did not start")

    async def kill(self) -> None:
        """SIGKILL: whatever the server held (queued jobs) is gone."""
        if self.process is not None:
            self.process.kill()
            await self.process.wait()
            self.process = None


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def telegram_bodies(count: int, *, first: int = 0) -> list[bytes]:
    """`count` distinct private Telegram messages built from the fixture's body.

    Update ids, message ids and texts vary (each body has its own dedupe keys);
    the authors cycle through 25 customers so conversations are shared.
    """
    template: dict[str, Any] = json.loads(fixture("telegram", "01_").body)
    bodies = []
    for number in range(first, first + count):
        update = json.loads(json.dumps(template))
        author = 700_000_000 + number % 25
        update["update_id"] = 900_000_000 + number
        message = update["message"]
        message["message_id"] = 50_000 + number
        message["from"]["id"] = author
        message["chat"]["id"] = author
        message["date"] = 1_741_960_931 + number
        message["text"] = f"{template['message']['text']} (#{number})"
        bodies.append(json.dumps(update, ensure_ascii=False).encode())
    return bodies


async def deliver_telegram(
    client: httpx.AsyncClient, agency: Agency, bodies: Sequence[bytes], *, parallel: int = 25
) -> list[int]:
    """POST each body to the agency's Telegram URL with the secret header; the status codes."""
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    statuses: list[int] = []
    for start in range(0, len(bodies), parallel):
        responses = await asyncio.gather(
            *(
                client.post(agency.telegram_url, content=body, headers=headers)
                for body in bodies[start : start + parallel]
            )
        )
        statuses.extend(response.status_code for response in responses)
    return statuses


async def event_statuses(database: Database, tenant_id: uuid.UUID) -> Counter[str]:
    """How many of the tenant's inbound events are in each status."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(InboundEvent.status, func.count()).group_by(InboundEvent.status)
        )
        return Counter({str(status): count for status, count in result.all()})


@dataclass(frozen=True)
class MentionCounts:
    rows: int
    distinct_external_ids: int


async def mention_counts(database: Database, tenant_id: uuid.UUID) -> MentionCounts:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(func.count(), func.count(func.distinct(Mention.external_id)))
        )
        rows, distinct = result.one()
    return MentionCounts(rows=rows, distinct_external_ids=distinct)


async def indexing_rows(database: Database, tenant_id: uuid.UUID) -> list[OutboxMessage]:
    """The tenant's `index_mention` outbox rows."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        result = await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == INDEX_MENTION_TOPIC)
        )
        return list(result.scalars())


def burst_worker(settings: Settings, *, companions: int | None = None) -> Worker:
    """An arq worker on the settings' Redis that runs the queued jobs, then stops (no cron).

    `companions` overrides how many other pending events a processing job takes
    along (`parley worker`'s default when None; 0: each job only its own event).
    """
    assert settings.redis_url is not None
    ctx: dict[str, Any] = {"settings": settings}
    if companions is not None:
        ctx[COMPANIONS_CTX_KEY] = companions
    return Worker(
        functions=WorkerSettings.functions,
        on_startup=startup,
        on_shutdown=shutdown,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        ctx=ctx,
        burst=True,
        poll_delay=0.05,
        max_jobs=WorkerSettings.max_jobs,
        handle_signals=False,
    )


async def run_burst(settings: Settings, *, companions: int | None = None) -> Worker:
    """Run a burst worker to the end; returns it for its counters."""
    worker = burst_worker(settings, companions=companions)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker
