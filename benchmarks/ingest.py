"""Ingestion benchmark: webhook -> PostgreSQL -> OpenSearch on the real services.

Run from the project root with a database you may empty (the test database is fine)::

    PARLEY_TEST_DATABASE_URL=... PARLEY_TEST_DATABASE_OWNER_URL=... \
        .venv/bin/python benchmarks/ingest.py [--count N] [--parts ack,searchable]
        [--ack-requests N] [--ack-rate R] [--api-workers N] [--batch-size N] [--triage]
        [--ack-worker-paused] [--ack-warm-up N] [--profile-api FILE] [--profile-worker FILE]

``--parts`` runs some of the measurements
(``throughput`` = 3 with one event per webhook, ``batched`` = 3 with Meta webhooks of
``--batch-size`` entries each, ``ack`` = 4, ``searchable`` = 5, ``stage`` = 1 and 2 over
whatever was ingested). ``--triage`` runs the worker with triage (off by default, so (3)
measures ingestion alone). ``--profile-api`` / ``--profile-worker`` run ``parley serve`` /
``parley worker`` under cProfile and write their statistics to FILE (read them with
``python -m pstats FILE``). ``--ack-worker-paused`` starts the worker only after the
acknowledgement measurement (events wait in PostgreSQL and their jobs in Redis), so (4)
is the receiver's latency alone, then waits until every accepted event is processed
(``ack_backlog_processed_s``); it combines with ``ack``, ``searchable`` and ``stage`` only.
``--ack-warm-up N`` (default 400) first offers N other requests at the same rate, not
measured (the API's connection pool, statement caches and URL caches are filled by then,
as in a receiver that has been running). ``--batch-size`` defaults to 1,000, the most
entries Meta puts in one delivery.

The database is EMPTIED before and after. A disposable ``redis-server``, a ``parley serve``
(uvicorn) and a ``parley worker`` process are started on loopback; OpenSearch indices use a
prefix of their own and are removed at the end. The corpus is Telegram webhook bodies whose
texts cycle through ``tests/fixtures/mentions/mentions_dev.jsonl``. Prints one JSON object:

1. raw OpenSearch ``_bulk`` docs/s for the documents of the ingested mentions;
2. the indexing stage (``index_due_mentions`` as the ``index_mentions`` job runs it: batches
   of 1,000, two at a time) docs/s over the same mentions, and its ratio to (1), which
   bulk-indexes the same documents into an index of the same template;
3. end-to-end webhook -> PostgreSQL -> OpenSearch mentions/s, one Telegram update per
   webhook (``throughput``) and Meta batches (``batched``);
4. webhook acknowledgement p50/p99 at a paced 200 requests/s (``--ack-rate``), open loop:
   each request's latency counts from the moment it was due, so time spent waiting for
   a free connection while the server lags counts too;
5. webhook -> searchable latency p50/p95;
6. peak RSS (VmHWM) of the API and worker processes.
"""

import argparse
import asyncio
import contextlib
import gc
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from opensearchpy import AsyncOpenSearch
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from domain.channels.models import Channel
from domain.db.outbox import OutboxMessage
from domain.db.session import Database, create_engine
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEvent, InboundEventStatus
from domain.mentions.documents import MENTIONS_INDEX, mention_document
from domain.mentions.models import Mention
from domain.mentions.search import index_due_mentions
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.crypto import SecretBox, generate_key
from domain.shared.tenancy import Actor, TenantScope
from search.documents import opensearch_id, opensearch_source
from search.indices import alias_name
from search.opensearch import OpenSearchIndex, create_opensearch_client
from tests.integration.webhooks.webhook_scenario import (
    FACEBOOK_PAGES,
    META_SECRET,
    TELEGRAM_SECRET,
    Agency,
    build_agency,
)
from workers.jobs.indexing import INDEX_BATCH_SIZE, INDEX_LANES

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "mentions" / "mentions_dev.jsonl"
TEMPLATE = ROOT / "tests" / "fixtures" / "webhooks" / "telegram" / "01_private_message_text.json"
ACTOR = Actor.system("benchmark:ingest")
HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
#: Numbers of the Meta warm-up entries, far from the measured ones (0 … count).
WARM_UP_FIRST = 10_000_000

#: One request: the body and its headers.
Post = tuple[bytes, dict[str, str]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def corpus_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()]


def bodies(texts: list[str], first: int, count: int, tag: str = "") -> list[bytes]:
    template: dict[str, Any] = json.loads(TEMPLATE.read_bytes())
    made = []
    for number in range(first, first + count):
        update = json.loads(json.dumps(template))
        author = 600_000_000 + number % 500
        update["update_id"] = 100_000_000 + number
        message = update["message"]
        message["message_id"] = 1_000_000 + number
        message["from"]["id"] = message["chat"]["id"] = author
        message["date"] = 1_741_960_931 + number
        message["text"] = f"{texts[number % len(texts)]} {tag}{number if tag else ''}".strip()
        made.append(json.dumps(update, ensure_ascii=False).encode())
    return made


def meta_batches(texts: list[str], first: int, count: int, batch_size: int) -> list[Post]:
    """Signed Meta Messenger webhooks of `batch_size` entries (one DM each), `count` DMs."""
    page = FACEBOOK_PAGES[0]
    made: list[Post] = []
    for start in range(first, first + count, batch_size):
        entries = []
        for number in range(start, min(start + batch_size, first + count)):
            at = 1_741_951_802_000 + number
            message = {"mid": f"m_bench_{number}", "text": texts[number % len(texts)]}
            entries.append(
                {
                    "id": page,
                    "time": at,
                    "messaging": [
                        {
                            "sender": {"id": str(7_100_000_000_000 + number % 500)},
                            "recipient": {"id": page},
                            "timestamp": at,
                            "message": message,
                        }
                    ],
                }
            )
        body = json.dumps({"object": "page", "entry": entries}, ensure_ascii=False).encode()
        signature = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"}
        made.append((body, headers))
    return made


# A minimal HTTP/1.1 client over keep-alive connections: httpx spends several
# milliseconds of CPU per request, which on two shared cores made the client, not the
# server, the bottleneck of the acknowledgement figure.
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def request_bytes(path: str, post: Post) -> bytes:
    body, headers = post
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(connection: Connection, request: bytes) -> int:
    """Send one request, read its response; the status (0 if the server closed)."""
    reader, writer = connection
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        return 0
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return int(status_line.split()[1])


async def post_raw(port: int, pool: "asyncio.Queue[Connection]", request: bytes) -> None:
    connection = await pool.get()
    status = await exchange(connection, request)
    if status == 0:  # closed after keep-alive ran out: once more on a new connection
        connection[1].close()
        connection = await asyncio.open_connection("127.0.0.1", port)
        status = await exchange(connection, request)
    pool.put_nowait(connection)
    if status != 200:
        raise RuntimeError(f"webhook answered {status}")


async def connection_pool(port: int, size: int) -> "asyncio.Queue[Connection]":
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(size):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    return pool


async def close_pool(pool: "asyncio.Queue[Connection]") -> None:
    while not pool.empty():
        pool.get_nowait()[1].close()


async def post_all(port: int, path: str, posts: list[Post], parallel: int) -> None:
    """Every post, `parallel` at a time (closed loop)."""
    pool = await connection_pool(port, parallel)
    gate = asyncio.Semaphore(parallel)

    async def one(post: Post) -> None:
        async with gate:
            await post_raw(port, pool, request_bytes(path, post))

    await asyncio.gather(*(one(post) for post in posts))
    await close_pool(pool)


@dataclass
class PacedRun:
    """What `post_paced` measured."""

    latencies_ms: list[float]
    offered_per_s: float
    #: The longest this process's event loop was late (what the client added).
    client_max_lag_ms: float


async def post_paced(
    port: int, path: str, posts: list[Post], rate: float, connections: int = 256
) -> PacedRun:
    """Offer `posts` at `rate` a second (open loop); latencies in ms and the offered rate.

    A request's latency counts from when it was due, including any wait for a free
    connection, so a lagging server is not hidden by a slower client. The client must
    not lag itself: a full garbage collection over this process's heap (the corpus,
    the libraries) paused it for 125-145 ms in the middle of the measurement, and
    every request due meanwhile counted that pause as the receiver's. Everything
    alive before the measurement is frozen out of the collector's sight, and the
    event loop's own lateness is measured and returned.
    """
    pool = await connection_pool(port, connections)
    requests = [request_bytes(path, post) for post in posts]
    latencies: list[float] = []
    gc.collect()
    gc.freeze()
    lag = 0.0

    async def watch_loop() -> None:
        nonlocal lag
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(0.005)
            lag = max(lag, (time.perf_counter() - asked - 0.005) * 1000)

    async def timed(due: float, request: bytes) -> None:
        await post_raw(port, pool, request)
        latencies.append((time.perf_counter() - due) * 1000)

    watcher = asyncio.create_task(watch_loop())
    tasks = []
    began = time.perf_counter()
    for number, request in enumerate(requests):
        due = began + number / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(timed(due, request)))
    offered = len(requests) / (time.perf_counter() - began)
    await asyncio.gather(*tasks)
    watcher.cancel()
    await close_pool(pool)
    gc.unfreeze()
    return PacedRun(latencies, offered, round(lag, 1))


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def process_tree(pid: int) -> list[int]:
    """`pid` and its direct children (the processes of `parley serve --workers N`)."""
    found = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes used so far."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def processes_named(*names: str) -> list[int]:
    """Pids whose command name is one of `names` (the local services' processes)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() in names:
                found.append(int(comm.parent.name))
    return found


SERVICE_PROCESSES = {"postgres": ("postgres",), "opensearch": ("java",), "redis": ("redis-server",)}


def cpu_snapshot(api_pid: int | None = None, worker_pids: Sequence[int] = ()) -> dict[str, float]:
    """CPU seconds used so far, by name: the API (with its `--workers` children) and the
    workers when given, each local service (all its processes on this machine) and this
    script ("client": the load generator, or the indexing stage it runs itself)."""
    used = {name: cpu_seconds(processes_named(*comms)) for name, comms in SERVICE_PROCESSES.items()}
    used["client"] = cpu_seconds([os.getpid()])
    if api_pid is not None:
        used["api"] = cpu_seconds(process_tree(api_pid))
    if worker_pids:
        used["worker"] = cpu_seconds(list(worker_pids))
    return used


def cpu_used_since(before: dict[str, float], now: dict[str, float]) -> dict[str, float]:
    """CPU seconds each process of `before` used until `now` (two `cpu_snapshot`s)."""
    return {name: now[name] - seconds for name, seconds in before.items()}


def cpu_per_unit(label: str, unit: str, used: dict[str, float], count: int) -> dict[str, float]:
    """CPU ms per `unit` of each process in `used`, and their total: on a machine with
    two cores the total bounds the rate at 2,000 / total per second."""
    figures = {
        f"{label}_{name}_cpu_ms_per_{unit}": round(seconds * 1000 / count, 3)
        for name, seconds in used.items()
    }
    figures[f"{label}_total_cpu_ms_per_{unit}"] = round(sum(used.values()) * 1000 / count, 3)
    return figures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def empty_database(owner_url: str) -> None:
    engine = create_async_engine(owner_url)
    async with engine.begin() as connection:
        names = (
            await connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version'"
                )
            )
        ).scalars()
        joined = ", ".join(f'public."{name}"' for name in names)
        if joined:
            await connection.execute(text(f"TRUNCATE {joined} CASCADE"))
    await engine.dispose()


async def vacuum(owner_url: str, table: str) -> None:
    """VACUUM ANALYZE `table` (outside a transaction, as the owner)."""
    engine = create_async_engine(owner_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'VACUUM (ANALYZE) public."{table}"'))
    await engine.dispose()


async def wait_for(check: Any, limit_s: float, pause: float = 0.2) -> float:
    start = time.perf_counter()
    while not await check():
        if time.perf_counter() - start > limit_s:
            raise TimeoutError("the benchmark waited too long")
        await asyncio.sleep(pause)
    return time.perf_counter() - start


PARTS = ("throughput", "batched", "ack", "searchable", "stage")


async def all_processed(database: Database, tenant: uuid.UUID, expected: int) -> bool:
    """True once the tenant has `expected` inbound events and all are processed.

    A failed event fails the benchmark: the corpus holds only valid deliveries.
    """
    async with UnitOfWork(database, actor=ACTOR, scope=TenantScope(tenant)) as uow:
        rows = await uow.session.execute(
            select(InboundEvent.status, func.count()).group_by(InboundEvent.status)
        )
        by_status = {str(status): number for status, number in rows.all()}
    if by_status.get(InboundEventStatus.FAILED, 0):
        raise RuntimeError(f"{by_status[InboundEventStatus.FAILED]} events failed")
    return sum(by_status.values()) >= expected and by_status.get(
        InboundEventStatus.PROCESSED, 0
    ) == sum(by_status.values())


async def run(
    count: int,
    *,
    parts: tuple[str, ...] = PARTS,
    ack_requests: int = 2000,
    ack_rate: float = 200.0,
    api_workers: int = 1,
    worker_processes: int = 1,
    batch_size: int = 100,
    triage: bool = False,
    profile_api: Path | None = None,
    profile_worker: Path | None = None,
    api_log: Path | None = None,
    ack_worker_paused: bool = False,
    ack_warm_up: int = 0,
) -> dict[str, Any]:
    base = Settings()
    database_url = os.environ["PARLEY_TEST_DATABASE_URL"]
    owner_url = os.environ["PARLEY_TEST_DATABASE_OWNER_URL"]
    assert base.opensearch_url, "PARLEY_OPENSEARCH_URL is needed"
    prefix = f"parley-bench-{uuid.uuid4().hex[:8]}"
    key = generate_key()
    texts = corpus_texts()
    await empty_database(owner_url)
    database = Database(create_engine(database_url), SecretBox([key]))
    agency: Agency = await build_agency(database, "bench")
    tenant = agency.tenant_id

    redis_port, api_port = free_port(), free_port()
    redis_binary = shutil.which("redis-server")
    assert redis_binary, "redis-server is needed"
    redis = await asyncio.create_subprocess_exec(
        redis_binary,
        *("--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        stdout=asyncio.subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "PARLEY_DATABASE_URL": database_url,
        "PARLEY_DATABASE_OWNER_URL": owner_url,
        "PARLEY_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "PARLEY_OPENSEARCH_URL": base.opensearch_url,
        "PARLEY_SEARCH_INDEX_PREFIX": prefix,
        "PARLEY_ENCRYPTION_KEYS": key,
        "PARLEY_LOG_LEVEL": "WARNING",
        "PARLEY_TRIAGE_ENABLED": "true" if triage else "false",
    }
    parley = str(Path(sys.executable).with_name("parley"))
    await asyncio.sleep(0.3)
    profiling = ("-m", "cProfile", "-o", str(profile_api)) if profile_api else ()
    api = await asyncio.create_subprocess_exec(
        sys.executable, *profiling, parley, "serve", "--port", str(api_port),
        "--workers", str(api_workers), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=api_log.open("wb") if api_log else asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    worker_profiling = ("-m", "cProfile", "-o", str(profile_worker)) if profile_worker else ()

    async def start_worker() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, *worker_profiling, parley, "worker", env=env, cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip

    worker: asyncio.subprocess.Process | None = None if ack_worker_paused else await start_worker()
    # More `parley worker` processes where asked (each takes jobs from the same queue);
    # not with --ack-worker-paused, which measures the receiver alone.
    extra_workers = (
        [] if worker is None else [await start_worker() for _ in range(worker_processes - 1)]
    )

    def worker_pids() -> list[int]:
        assert worker is not None
        return [worker.pid, *(extra.pid for extra in extra_workers)]

    live = OpenSearchIndex(create_opensearch_client(base.opensearch_url), prefix=prefix)
    raw: AsyncOpenSearch = create_opensearch_client(base.opensearch_url)
    results: dict[str, Any] = {
        "count": count,
        "triage": triage,
        "api_workers": api_workers,
        "ack_worker_paused": ack_worker_paused,
        "worker_processes": worker_processes,
        "ack_warm_up": ack_warm_up,
    }
    url = f"http://127.0.0.1:{api_port}{agency.telegram_url}"
    try:
        async with httpx.AsyncClient(timeout=30) as http:

            async def api_up() -> bool:
                try:
                    return (await http.get(f"http://127.0.0.1:{api_port}/healthz")).is_success
                except httpx.HTTPError:
                    return False

            await wait_for(api_up, 120)
            await live.ensure_ready()

            async def indexed(expected: int) -> bool:
                await live.refresh(MENTIONS_INDEX)
                return await live.count_documents(MENTIONS_INDEX, tenant_id=tenant) >= expected

            delivered = 0
            path = agency.telegram_url
            if "throughput" in parts:
                assert worker is not None
                # (3) end to end: every webhook acknowledged, processed and searchable.
                corpus = [(body, HEADERS) for body in bodies(texts, 0, count)]
                cpu_before = cpu_snapshot(api.pid, worker_pids())
                start = time.perf_counter()
                await post_all(api_port, path, corpus, parallel=32)
                acked = time.perf_counter() - start
                delivered += count
                await wait_for(lambda: indexed(delivered), limit_s=1200, pause=0.5)
                elapsed = time.perf_counter() - start
                results.update(
                    cpu_per_unit(
                        "end_to_end",
                        "mention",
                        cpu_used_since(cpu_before, cpu_snapshot(api.pid, worker_pids())),
                        count,
                    )
                )
                results["end_to_end_mentions_per_s"] = round(count / elapsed, 1)
                results["end_to_end_acknowledge_all_s"] = round(acked, 2)
                results["end_to_end_total_s"] = round(elapsed, 2)

            if "batched" in parts:
                assert worker is not None
                # (3) again with Meta deliveries of `batch_size` entries each. One small
                # delivery first, waited for, so a worker still starting is not measured.
                meta_warm_up = meta_batches(texts, WARM_UP_FIRST, 20, 20)
                await post_all(api_port, agency.meta_url, meta_warm_up, parallel=1)
                delivered += 20
                await wait_for(lambda: indexed(delivered), limit_s=120, pause=0.2)
                batches = meta_batches(texts, 0, count, batch_size)
                cpu_before = cpu_snapshot(api.pid, worker_pids())
                start = time.perf_counter()
                await post_all(api_port, agency.meta_url, batches, parallel=8)
                acked = time.perf_counter() - start
                delivered += count
                await wait_for(lambda: indexed(delivered), limit_s=1200, pause=0.25)
                elapsed = time.perf_counter() - start
                results.update(
                    cpu_per_unit(
                        "batched",
                        "mention",
                        cpu_used_since(cpu_before, cpu_snapshot(api.pid, worker_pids())),
                        count,
                    )
                )
                results["batched_webhooks"] = len(batches)
                results["batched_entries_per_webhook"] = batch_size
                results["batched_end_to_end_mentions_per_s"] = round(count / elapsed, 1)
                results["batched_acknowledge_all_s"] = round(acked, 2)
                results["batched_total_s"] = round(elapsed, 2)

            if "ack" in parts:
                # (4) acknowledgement latency at a paced rate (open loop).
                if ack_warm_up:
                    # Update ids far from the measured ones, so none is a duplicate.
                    warming = bodies(texts, 10_000_000 + count, ack_warm_up)
                    await post_paced(api_port, path, [(b, HEADERS) for b in warming], ack_rate)
                    delivered += ack_warm_up
                paced = [(body, HEADERS) for body in bodies(texts, count, ack_requests)]
                running_workers = worker_pids() if worker is not None else []
                cpu_before = cpu_snapshot(api.pid, running_workers)
                run_paced = await post_paced(api_port, path, paced, ack_rate)
                used = cpu_used_since(cpu_before, cpu_snapshot(api.pid, running_workers))
                # CPU per acknowledgement: the figure the machine's load does not move much.
                results["ack_api_cpu_ms_per_request"] = round(
                    used.pop("api") * 1000 / len(paced), 2
                )
                # What else ran meanwhile (CPU seconds): the receiver's competitors.
                results.update({f"ack_{name}_cpu_s": round(sec, 2) for name, sec in used.items()})
                latencies, offered = run_paced.latencies_ms, run_paced.offered_per_s
                results["ack_offered_per_s"] = round(offered, 1)
                results["ack_ms_p50"] = round(statistics.median(latencies), 1)
                results["ack_ms_p99"] = round(percentile(latencies, 0.99), 1)
                results["ack_client_max_lag_ms"] = run_paced.client_max_lag_ms
                delivered += len(paced)
                if worker is None:
                    # The receiver was measured alone; now every accepted event must still
                    # be processed, from the backlog the worker finds when it starts.
                    worker = await start_worker()
                    results["ack_backlog_processed_s"] = round(
                        await wait_for(
                            lambda: all_processed(database, tenant, delivered), 600, pause=0.5
                        ),
                        1,
                    )
                if "searchable" in parts:
                    await wait_for(lambda: indexed(delivered), limit_s=600, pause=0.5)

            # (5) webhook -> searchable: 40 tagged mentions at 4/s, the index polled. One
            # mention first, waited for, so a worker still starting is not measured.
            if "searchable" in parts:
                warm_up = bodies(texts, count + ack_requests + 40, 1)
                (await http.post(url, content=warm_up[0], headers=HEADERS)).raise_for_status()
                delivered += 1
                await wait_for(lambda: indexed(delivered), limit_s=120, pause=0.2)
            tagged = bodies(texts, count + ack_requests, 40 if "searchable" in parts else 0,
                            tag="benchtoken")  # fmt: skip
            sent: dict[str, float] = {}
            seen: dict[str, float] = {}
            alias = alias_name(prefix, MENTIONS_INDEX)

            async def poll() -> None:
                while len(seen) < len(tagged):
                    response = await raw.search(
                        index=alias,
                        body={"query": {"prefix": {"text": "benchtoken"}}, "size": 100},
                        params={"_source_includes": "text"},
                    )
                    now = time.perf_counter()
                    for hit in response["hits"]["hits"]:
                        token = hit["_source"]["text"].rsplit(" ", 1)[-1]
                        seen.setdefault(token, now)
                    await asyncio.sleep(0.1)

            poller = asyncio.create_task(poll())
            for number, body in enumerate(tagged, start=count + ack_requests):
                sent[f"benchtoken{number}"] = time.perf_counter()
                (await http.post(url, content=body, headers=HEADERS)).raise_for_status()
                await asyncio.sleep(0.25)
            await asyncio.wait_for(poller, timeout=120)
            searchable = [seen[token] - sent[token] for token in sent]
            if searchable:
                results["searchable_s_p50"] = round(statistics.median(searchable), 2)
                results["searchable_s_p95"] = round(percentile(searchable, 0.95), 2)
        results["api_peak_rss_mib"] = peak_rss_mib(api.pid)
        if worker is not None:
            results["worker_peak_rss_mib"] = max(peak_rss_mib(pid) for pid in worker_pids())
    finally:
        for process, profiled in ((api, profile_api), (worker, profile_worker)):
            if process is not None and profiled and process.returncode is None:
                # SIGINT lets uvicorn and arq return, so cProfile writes its statistics.
                process.send_signal(signal.SIGINT)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), timeout=30)
        for process in (api, worker, *extra_workers, redis):
            if process is None:
                continue
            if process.returncode is None:
                process.kill()
            await process.wait()

    if "stage" in parts:
        results.update(
            await measure_stage(database, owner_url, raw, base.opensearch_url, prefix, tenant)
        )
    await live.close()
    await raw.indices.delete(index=f"{prefix}*", ignore_unavailable=True)
    await raw.indices.delete_index_template(name=f"{prefix}*", ignore=[404])
    await raw.close()
    await database.dispose()
    await empty_database(owner_url)
    return results


async def measure_stage(
    database: Database,
    owner_url: str,
    raw: AsyncOpenSearch,
    opensearch_url: str,
    prefix: str,
    tenant: uuid.UUID,
) -> dict[str, Any]:
    """(1) raw `_bulk` and (2) the indexing stage, over the ingested mentions' documents."""
    results: dict[str, Any] = {}
    async with UnitOfWork(database, actor=ACTOR, scope=TenantScope(tenant)) as uow:
        kinds = dict((await uow.session.execute(select(Channel.id, Channel.kind))).all())
        mentions = list((await uow.session.execute(select(Mention))).scalars())
    documents = [mention_document(m, channel_kind=str(kinds[m.channel_id])) for m in mentions]
    stage_prefix = f"{prefix}-stage"
    stage = OpenSearchIndex(create_opensearch_client(opensearch_url), prefix=stage_prefix)
    await stage.ensure_ready()
    # The raw index matches the stage's index template, so both analyse the same
    # documents with the same mapping; the raw bulk sends what the stage sends,
    # without external versions, in requests of the stage's batch size.
    raw_index = f"{alias_name(stage_prefix, MENTIONS_INDEX)}-raw"
    await raw.indices.create(index=raw_index)
    start = time.perf_counter()
    for first in range(0, len(documents), INDEX_BATCH_SIZE):
        lines: list[dict[str, Any]] = []
        for document in documents[first : first + INDEX_BATCH_SIZE]:
            _id = opensearch_id(document.tenant_id, document.id)
            lines.append({"index": {"_index": raw_index, "_id": _id}})
            lines.append(opensearch_source(document))
        await raw.bulk(body=lines, params={"routing": str(tenant)})
    raw_rate = len(documents) / (time.perf_counter() - start)
    results["raw_bulk_docs_per_s"] = round(raw_rate, 1)
    # Gone before the stage runs, so its segment merges do not compete with the stage.
    await raw.indices.delete(index=raw_index)

    # The rows are tenant-owned under forced row-level security: reset them in the scope.
    async with UnitOfWork(database, actor=ACTOR, scope=TenantScope(tenant)) as uow:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.topic == "index_mention")
            .values(done_at=None, attempts=0, next_attempt_at=utcnow())
        )
        await uow.commit()
    # That reset left a dead version of every row; fresh rows, as processing writes
    # them, have none. Vacuumed, the stage claims rows as it would in production.
    await vacuum(owner_url, "outbox")
    cpu_before = cpu_snapshot()
    start = time.perf_counter()
    runs = await index_due_mentions(
        database,
        scope=TenantScope(tenant),
        actor=ACTOR,
        search=stage,
        batch_size=INDEX_BATCH_SIZE,
        lanes=INDEX_LANES,
        max_batches=len(documents),
    )
    indexed_by_stage = sum(run.indexed for run in runs)
    stage_rate = indexed_by_stage / (time.perf_counter() - start)
    # The stage runs in this process ("client" here is the indexing code itself).
    used = cpu_used_since(cpu_before, cpu_snapshot())
    results.update(cpu_per_unit("indexing_stage", "doc", used, indexed_by_stage))
    results["indexing_stage_docs"] = indexed_by_stage
    results["indexing_stage_docs_per_s"] = round(stage_rate, 1)
    results["indexing_stage_ratio_to_raw"] = round(stage_rate / raw_rate, 2)
    await stage.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=50_000, help="mentions in the corpus")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}"
    )
    parser.add_argument("--ack-requests", type=int, default=2000)
    parser.add_argument("--ack-rate", type=float, default=200.0, help="requests/s offered")
    parser.add_argument("--api-workers", type=int, default=1, help="`parley serve --workers`")
    parser.add_argument(
        "--worker-processes", type=int, default=1, help="`parley worker` processes to run"
    )
    parser.add_argument(
        "--batch-size", type=int, default=1000, help="entries per Meta webhook (Meta sends <= 1000)"
    )
    parser.add_argument("--triage", action="store_true", help="run the worker with triage")
    parser.add_argument("--profile-api", type=Path, help="write the API's cProfile here")
    parser.add_argument("--profile-worker", type=Path, help="write the worker's cProfile here")
    parser.add_argument("--api-log", type=Path, help="write the API's stderr here")
    parser.add_argument(
        "--ack-worker-paused",
        action="store_true",
        help="start the worker after the acknowledgement measurement (the receiver alone)",
    )
    parser.add_argument(
        "--ack-warm-up",
        type=int,
        default=400,
        help="unmeasured requests before the ack part (a running receiver is warm)",
    )
    options = parser.parse_args()
    parts = tuple(part for part in options.parts.split(",") if part)
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if options.ack_worker_paused and ("ack" not in parts or {"throughput", "batched"} & set(parts)):
        parser.error("--ack-worker-paused needs the ack part and neither throughput nor batched")
    results = asyncio.run(
        run(
            options.count,
            parts=parts,
            ack_requests=options.ack_requests,
            ack_rate=options.ack_rate,
            api_workers=options.api_workers,
            worker_processes=options.worker_processes,
            batch_size=options.batch_size,
            triage=options.triage,
            profile_api=options.profile_api,
            profile_worker=options.profile_worker,
            api_log=options.api_log,
            ack_worker_paused=options.ack_worker_paused,
            ack_warm_up=options.ack_warm_up,
        )
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
