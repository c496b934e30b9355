"""Ingestion benchmark: webhook -> PostgreSQL -> OpenSearch on the real services.

Run from the project root with a database you may empty (the test database is fine)::

    PARLEY_TEST_DATABASE_URL=... PARLEY_TEST_DATABASE_OWNER_URL=... \
        .venv/bin/python benchmarks/ingest.py [--count N] [--parts ack,searchable]
        [--ack-requests N] [--ack-rate R] [--profile-api FILE]

``--parts`` runs some of the measurements (``throughput`` = 3, ``ack`` = 4,
``searchable`` = 5, ``stage`` = 1 and 2 over whatever was ingested); ``--profile-api``
runs ``parley serve`` under cProfile and writes its statistics to FILE (read them with
``python -m pstats FILE``).

The database is EMPTIED before and after. A disposable ``redis-server``, a ``parley serve``
(uvicorn) and a ``parley worker`` process are started on loopback; OpenSearch indices use a
prefix of their own and are removed at the end. The corpus is Telegram webhook bodies whose
texts cycle through ``tests/fixtures/mentions/mentions_dev.jsonl``. Prints one JSON object:

1. raw OpenSearch ``_bulk`` docs/s for the documents of the ingested mentions;
2. the indexing stage (``index_pending_mentions``) docs/s over the same mentions, and its
   ratio to (1);
3. end-to-end webhook -> PostgreSQL -> OpenSearch mentions/s (with triage, as configured);
4. webhook acknowledgement p50/p99 at a paced 200 requests/s (``--ack-rate``);
5. webhook -> searchable latency p50/p95;
6. peak RSS (VmHWM) of the API and worker processes.
"""

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from opensearchpy import AsyncOpenSearch
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from domain.channels.models import Channel
from domain.db.outbox import OutboxMessage
from domain.db.session import Database, create_engine
from domain.db.uow import UnitOfWork
from domain.mentions.documents import MENTIONS_INDEX, mention_document
from domain.mentions.models import Mention
from domain.mentions.search import index_pending_mentions
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.crypto import SecretBox, generate_key
from domain.shared.tenancy import Actor, TenantScope
from search.indices import alias_name
from search.opensearch import OpenSearchIndex, create_opensearch_client
from tests.integration.webhooks.webhook_scenario import TELEGRAM_SECRET, Agency, build_agency

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "mentions" / "mentions_dev.jsonl"
TEMPLATE = ROOT / "tests" / "fixtures" / "webhooks" / "telegram" / "01_private_message_text.json"
ACTOR = Actor.system("benchmark:ingest")
HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


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


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


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


async def wait_for(check: Any, limit_s: float, pause: float = 0.2) -> float:
    start = time.perf_counter()
    while not await check():
        if time.perf_counter() - start > limit_s:
            raise TimeoutError("the benchmark waited too long")
        await asyncio.sleep(pause)
    return time.perf_counter() - start


async def post_all(http: httpx.AsyncClient, url: str, payloads: list[bytes], parallel: int) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(body: bytes) -> None:
        async with gate:
            response = await http.post(url, content=body, headers=HEADERS)
            response.raise_for_status()

    await asyncio.gather(*(one(body) for body in payloads))


PARTS = ("throughput", "ack", "searchable", "stage")


async def run(
    count: int,
    *,
    parts: tuple[str, ...] = PARTS,
    ack_requests: int = 2000,
    ack_rate: float = 200.0,
    profile_api: Path | None = None,
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
    }
    parley = str(Path(sys.executable).with_name("parley"))
    await asyncio.sleep(0.3)
    profiling = ("-m", "cProfile", "-o", str(profile_api)) if profile_api else ()
    api = await asyncio.create_subprocess_exec(
        sys.executable, *profiling, parley, "serve", "--port", str(api_port), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    worker = await asyncio.create_subprocess_exec(
        parley, "worker", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    live = OpenSearchIndex(create_opensearch_client(base.opensearch_url), prefix=prefix)
    raw: AsyncOpenSearch = create_opensearch_client(base.opensearch_url)
    results: dict[str, Any] = {"count": count}
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
            if "throughput" in parts:
                # (3) end to end: every webhook acknowledged, processed and searchable.
                corpus = bodies(texts, 0, count)
                start = time.perf_counter()
                await post_all(http, url, corpus, parallel=32)
                acked = time.perf_counter() - start
                await wait_for(lambda: indexed(count), limit_s=1200, pause=0.5)
                elapsed = time.perf_counter() - start
                delivered += count
                results["end_to_end_mentions_per_s"] = round(count / elapsed, 1)
                results["end_to_end_acknowledge_all_s"] = round(acked, 2)
                results["end_to_end_total_s"] = round(elapsed, 2)

            if "ack" in parts:
                # (4) acknowledgement latency at a paced rate.
                paced = bodies(texts, count, ack_requests)
                latencies: list[float] = []

                async def timed(body: bytes) -> None:
                    began = time.perf_counter()
                    response = await http.post(url, content=body, headers=HEADERS)
                    response.raise_for_status()
                    latencies.append((time.perf_counter() - began) * 1000)

                tasks = []
                began = time.perf_counter()
                for number, body in enumerate(paced):
                    await asyncio.sleep(max(0.0, began + number / ack_rate - time.perf_counter()))
                    tasks.append(asyncio.create_task(timed(body)))
                offered = len(paced) / (time.perf_counter() - began)
                await asyncio.gather(*tasks)
                results["ack_offered_per_s"] = round(offered, 1)
                results["ack_ms_p50"] = round(statistics.median(latencies), 1)
                results["ack_ms_p99"] = round(percentile(latencies, 0.99), 1)
                delivered += len(paced)
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
        results["worker_peak_rss_mib"] = peak_rss_mib(worker.pid)
    finally:
        if profile_api and api.returncode is None:
            # SIGINT lets uvicorn return, so cProfile writes its statistics.
            api.send_signal(signal.SIGINT)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(api.wait(), timeout=30)
        for process in (api, worker, redis):
            if process.returncode is None:
                process.kill()
            await process.wait()

    if "stage" in parts:
        results.update(await measure_stage(database, raw, base.opensearch_url, prefix, tenant))
    await live.close()
    await raw.indices.delete(index=f"{prefix}*", ignore_unavailable=True)
    await raw.indices.delete_index_template(name=f"{prefix}*", ignore=[404])
    await raw.close()
    await database.dispose()
    await empty_database(owner_url)
    return results


async def measure_stage(
    database: Database, raw: AsyncOpenSearch, opensearch_url: str, prefix: str, tenant: uuid.UUID
) -> dict[str, Any]:
    """(1) raw `_bulk` and (2) the indexing stage, over the ingested mentions' documents."""
    results: dict[str, Any] = {}
    async with UnitOfWork(database, actor=ACTOR, scope=TenantScope(tenant)) as uow:
        kinds = dict((await uow.session.execute(select(Channel.id, Channel.kind))).all())
        mentions = list((await uow.session.execute(select(Mention))).scalars())
    documents = [mention_document(m, channel_kind=str(kinds[m.channel_id])) for m in mentions]
    raw_index = f"{prefix}-raw"
    await raw.indices.create(index=raw_index, body={"settings": {"number_of_replicas": 0}})
    start = time.perf_counter()
    for first in range(0, len(documents), 500):
        lines: list[dict[str, Any]] = []
        for document in documents[first : first + 500]:
            lines.append({"index": {"_index": raw_index, "_id": document.id}})
            lines.append({"tenant_id": str(document.tenant_id), "brand_id": str(document.brand_id),
                          "text": document.text, "fields": document.fields})  # fmt: skip
        await raw.bulk(body=lines, params={"routing": str(tenant)})
    raw_rate = len(documents) / (time.perf_counter() - start)
    results["raw_bulk_docs_per_s"] = round(raw_rate, 1)

    stage_prefix = f"{prefix}-stage"
    stage = OpenSearchIndex(create_opensearch_client(opensearch_url), prefix=stage_prefix)
    await stage.ensure_ready()
    # The rows are tenant-owned under forced row-level security: reset them in the scope.
    async with UnitOfWork(database, actor=ACTOR, scope=TenantScope(tenant)) as uow:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.topic == "index_mention")
            .values(done_at=None, attempts=0, next_attempt_at=utcnow())
        )
        await uow.commit()
    indexed_by_stage = 0
    start = time.perf_counter()
    while True:
        async with UnitOfWork(database, actor=ACTOR, scope=TenantScope(tenant)) as uow:
            batch = await index_pending_mentions(uow, search=stage, now=utcnow(), batch_size=500)
        if batch.claimed == 0:
            break
        indexed_by_stage += batch.indexed
    stage_rate = indexed_by_stage / (time.perf_counter() - start)
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
    parser.add_argument("--profile-api", type=Path, help="write the API's cProfile here")
    options = parser.parse_args()
    parts = tuple(part for part in options.parts.split(",") if part)
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    results = asyncio.run(
        run(
            options.count,
            parts=parts,
            ack_requests=options.ack_requests,
            ack_rate=options.ack_rate,
            profile_api=options.profile_api,
        )
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
