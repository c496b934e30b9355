"""Mention search benchmark: realistic queries on 1,000,000 mention documents in OpenSearch.

Run from the project root against the OpenSearch of `.env` (or ``--url``)::

    .venv/bin/python benchmarks/mention_search.py [--count 1000000] [--queries 500] [--keep]
        [--dated-as-window]

The documents are built from the shared mention texts
(``tests/fixtures/mentions/mentions_dev.jsonl``; one text, or two joined) and
spread over 8 tenants of unequal size (the largest holds 40 %), 5 brands each,
a few hundred authors, 4 channels, the fixture's languages and priorities and
a year of posting times. They go through our own `OpenSearchIndex` (its index
template, mappings, routing and bulk writes) under the prefix
``bench-search``, so the benchmark measures the index Parley runs.

Indexing is resumable: document ids follow from their sequence number, the
run starts again a little before the count already indexed, and rewriting a
document is harmless. ``--keep`` leaves the index for the next run; without
it the indices and templates are deleted at the end.

The queries are the ones `searchMentions` sends (`search_mention_page` →
`OpenSearchIndex.search`): the largest tenant's readable brands, one or two
words drawn from the texts, and highlights, in four kinds taken in turn:

- ``words``: words only, a first page (21 hits: a page of 20 and one more);
- ``brand``: narrowed to one brand;
- ``priority``: one triage priority, filtered by the index;
- ``dated``: a posting-time range of 30 days somewhere in the year, filtered by
  the index (`range` on ``posted_at``), a first page of 21 like the others.
  ``--dated-as-window`` measures it the way the service searched before the
  range moved into the index: no range, the 1,000 best hits, highlighted (the
  service then filtered them itself), for before/after comparisons.

Each concurrency runs every query once after a warm-up. Prints one JSON object
with the indexing time and rate, the document count, and per concurrency the
p50/p95/p99 (ms) of all queries and of each kind.
"""

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.mentions.documents import MENTIONS_INDEX  # noqa: E402
from domain.shared.ports import SearchDocument  # noqa: E402
from search.indices import alias_name, template_name  # noqa: E402
from search.opensearch import OpenSearchIndex, create_opensearch_client  # noqa: E402

PREFIX = "bench-search"
TEXTS = ROOT / "tests" / "fixtures" / "mentions" / "mentions_dev.jsonl"
NAMESPACE = uuid.UUID("7f1c3a52-5a0e-4c55-9d4b-6b1f1d3c2e10")
#: Share of the documents per tenant: one large agency, several small ones.
TENANT_WEIGHTS = (0.40, 0.20, 0.10, 0.10, 0.05, 0.05, 0.05, 0.05)
BRANDS_PER_TENANT = 5
CHANNEL_KINDS = ("facebook", "instagram", "x", "tiktok")
PRIORITIES = ("hot", "high", "normal", "low", "pending")
FIRST_POSTED = datetime(2025, 12, 1, tzinfo=UTC)
SPAN_SECONDS = 365 * 24 * 3600
#: Documents per `index_documents` call, and how many calls run at once.
BATCH = 5000
PARALLEL_BATCHES = 2
#: What the service asks for: a page of 20 and one more (or, before the date
#: range moved into the index, the 1,000-hit window for a dated search).
PAGE_FETCH = 21
WINDOW_FETCH = 1000
RANGE_DAYS = 30
QUERY_KINDS = ("words", "brand", "priority", "dated")
_WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass(frozen=True, slots=True)
class SourceText:
    text: str
    language: str
    priority: str


def uid(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(str(part) for part in parts))


TENANTS = tuple(uid("tenant", number) for number in range(len(TENANT_WEIGHTS)))


def brands_of(tenant: uuid.UUID) -> list[uuid.UUID]:
    return [uid("brand", tenant, number) for number in range(BRANDS_PER_TENANT)]


def load_texts() -> list[SourceText]:
    texts = []
    for line in TEXTS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        labels = item.get("labels") or {}
        texts.append(
            SourceText(
                text=item["text"],
                language=str(labels.get("language") or "en"),
                priority=str(labels.get("priority") or "pending"),
            )
        )
    return texts


def tenant_of(sequence: int) -> uuid.UUID:
    """The tenant of document `sequence`, by the weights, interleaved over the sequence."""
    point = (sequence * 7919 % 1000) / 1000
    total = 0.0
    for tenant, weight in zip(TENANTS, TENANT_WEIGHTS, strict=True):
        total += weight
        if point < total:
            return tenant
    return TENANTS[-1]


def document(sequence: int, texts: Sequence[SourceText]) -> SearchDocument:
    """Document `sequence`: the same for every run, so a resumed run rewrites it unchanged."""
    chance = random.Random(sequence)
    tenant = tenant_of(sequence)
    source = texts[chance.randrange(len(texts))]
    text = source.text
    if chance.random() < 0.3:
        text = f"{text} {texts[chance.randrange(len(texts))].text}"
    brand = brands_of(tenant)[chance.randrange(BRANDS_PER_TENANT)]
    kind = CHANNEL_KINDS[chance.randrange(len(CHANNEL_KINDS))]
    posted = FIRST_POSTED + timedelta(seconds=chance.randrange(SPAN_SECONDS))
    priority = source.priority if chance.random() < 0.8 else chance.choice(PRIORITIES)
    author = chance.randrange(400)
    return SearchDocument(
        id=str(uid("mention", sequence)),
        tenant_id=tenant,
        brand_id=brand,
        text=text,
        fields={
            "channel_id": str(uid("channel", brand, kind)),
            "channel_kind": kind,
            "platform": kind,
            "kind": "comment" if chance.random() < 0.7 else "direct_message",
            "direction": "inbound",
            "language": source.language,
            "author_handle": f"author{author}",
            "author_name": f"Author {author}",
            "posted_at": posted.isoformat(),
            "received_at": (posted + timedelta(seconds=5)).isoformat(),
            "conversation_id": str(uid("conversation", tenant, sequence // 3)),
            "customer_id": str(uid("customer", tenant, author)),
            "deleted": False,
            "hidden": False,
            "edited": False,
            "has_media": chance.random() < 0.1,
            "triage_status": "done",
            "priority": priority,
            "category": "question",
            "sentiment": "neutral",
        },
        version=1,
    )


async def indexed_count(index: OpenSearchIndex, client: Any) -> int:
    alias = alias_name(PREFIX, MENTIONS_INDEX)
    if not await client.indices.exists_alias(name=alias):
        return 0
    await index.refresh(MENTIONS_INDEX)
    return int((await client.count(index=alias))["count"])


async def fill(index: OpenSearchIndex, client: Any, count: int) -> dict[str, Any]:
    """Index documents 0..count-1 that are not there yet; the time and rate."""
    await index.ensure_ready()
    alias = alias_name(PREFIX, MENTIONS_INDEX)
    present = await indexed_count(index, client)
    # Batches run in parallel, so a stopped run may have left gaps just below its count.
    start = max(0, min(present, count) - BATCH * PARALLEL_BATCHES)
    start -= start % BATCH
    if present >= count:
        return {"indexed": 0, "seconds": 0.0, "docs_per_second": None, "resumed_at": present}
    texts = load_texts()
    await client.indices.put_settings(index=alias, body={"index": {"refresh_interval": "-1"}})
    began = time.perf_counter()
    written = 0
    try:
        batches = iter(range(start, count, BATCH))

        async def worker() -> None:
            nonlocal written
            for first in batches:
                last = min(first + BATCH, count)
                documents = [document(sequence, texts) for sequence in range(first, last)]
                done = await index.index_documents(
                    MENTIONS_INDEX, documents, overwrite_same_version=True
                )
                written += done
                if first // BATCH % 20 == 0:
                    rate = written / (time.perf_counter() - began)
                    print(f"indexed up to {last:,} ({rate:,.0f} docs/s)", file=sys.stderr)

        await asyncio.gather(*(worker() for _ in range(PARALLEL_BATCHES)))
    finally:
        await client.indices.put_settings(index=alias, body={"index": {"refresh_interval": None}})
        await index.refresh(MENTIONS_INDEX)
    seconds = time.perf_counter() - began
    return {
        "indexed": written,
        "seconds": round(seconds, 1),
        "docs_per_second": round(written / seconds),
        "resumed_at": start,
    }


@dataclass(frozen=True, slots=True)
class Query:
    kind: str
    words: str
    brand_ids: list[uuid.UUID]
    filters: dict[str, str]
    ranges: dict[str, tuple[datetime | None, datetime | None]]
    limit: int


def queries(
    total: int, texts: Sequence[SourceText], *, dated_as_window: bool = False, seed: int = 5
) -> list[Query]:
    """`total` queries in the largest tenant, the kinds in turn, words drawn from the texts."""
    chance = random.Random(seed)
    # A separate generator, so the words of every kind stay those of earlier runs.
    days = random.Random(seed + 1)
    vocabulary = sorted({word for text in texts for word in _WORD.findall(text.text)})
    brands = brands_of(TENANTS[0])
    made = []
    for number in range(total):
        kind = QUERY_KINDS[number % len(QUERY_KINDS)]
        words = " ".join(chance.sample(vocabulary, 1 if chance.random() < 0.6 else 2))
        if chance.random() < 0.5:
            # Half the queries use a word from one text, so most of them find something.
            words = chance.choice(_WORD.findall(chance.choice(texts).text) or [words])
        brand_ids = [chance.choice(brands)] if kind == "brand" else list(brands)
        filters = {"priority": chance.choice(PRIORITIES[:4])} if kind == "priority" else {}
        ranges: dict[str, tuple[datetime | None, datetime | None]] = {}
        limit = PAGE_FETCH
        if kind == "dated" and dated_as_window:
            limit = WINDOW_FETCH
        elif kind == "dated":
            start = FIRST_POSTED + timedelta(days=days.randrange(365 - RANGE_DAYS))
            ranges = {"posted_at": (start, start + timedelta(days=RANGE_DAYS))}
        made.append(Query(kind, words, brand_ids, filters, ranges, limit))
    return made


def percentiles(values: Sequence[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "n": len(values),
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "max_ms": round(max(values), 1),
    }


async def measure(
    index: OpenSearchIndex, planned: Sequence[Query], concurrency: int
) -> dict[str, Any]:
    """Every query once, `concurrency` at a time; latency percentiles, overall and by kind."""
    tenant = TENANTS[0]
    timings: list[tuple[str, float, int]] = []
    pending: Iterator[Query] = iter(planned)

    async def client() -> None:
        for query in pending:
            began = time.perf_counter()
            page = await index.search(
                MENTIONS_INDEX,
                tenant_id=tenant,
                query=query.words,
                brand_ids=query.brand_ids,
                filters=query.filters,
                ranges=query.ranges,
                limit=query.limit,
            )
            timings.append((query.kind, (time.perf_counter() - began) * 1000, page.total))

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    figures: dict[str, Any] = {
        "all": percentiles([ms for _, ms, _ in timings]),
        "queries_per_second": round(len(timings) / seconds, 1),
        "median_total_hits": statistics.median(total for _, _, total in timings),
    }
    for kind in QUERY_KINDS:
        figures[kind] = percentiles([ms for name, ms, _ in timings if name == kind])
    return figures


async def delete_indices(client: Any) -> None:
    alias = alias_name(PREFIX, MENTIONS_INDEX)
    await client.indices.delete(index=f"{PREFIX}-*", ignore_unavailable=True)
    for logical in ("mentions", "qna"):
        await client.indices.delete_index_template(
            name=template_name(PREFIX, logical), ignore=[404]
        )
    print(f"deleted {alias} and its templates", file=sys.stderr)


async def run(arguments: argparse.Namespace) -> dict[str, Any]:
    client = create_opensearch_client(arguments.url)
    index = OpenSearchIndex(client, prefix=PREFIX)
    try:
        indexing = await fill(index, client, arguments.count)
        documents = await indexed_count(index, client)
        stats = await client.indices.stats(index=alias_name(PREFIX, MENTIONS_INDEX))
        size = stats["_all"]["primaries"]["store"]["size_in_bytes"]
        segments = await client.cat.segments(
            index=alias_name(PREFIX, MENTIONS_INDEX), format="json"
        )
        planned = queries(
            arguments.queries, load_texts(), dated_as_window=arguments.dated_as_window
        )
        await measure(index, planned[: max(20, len(planned) // 10)], 1)  # warm-up
        figures = {
            str(concurrency): await measure(index, planned, concurrency)
            for concurrency in arguments.concurrency
        }
        return {
            "documents": documents,
            "largest_tenant_documents": round(documents * TENANT_WEIGHTS[0]),
            "index_megabytes": round(size / 2**20),
            "segments": len(segments),
            "indexing": indexing,
            "queries": len(planned),
            "dated_as_window": arguments.dated_as_window,
            "by_concurrency": figures,
            "load_average": [round(value, 2) for value in os.getloadavg()],
        }
    finally:
        if not arguments.keep:
            await delete_indices(client)
        await index.close()


def default_url() -> str:
    url = os.environ.get("PARLEY_OPENSEARCH_URL")
    env_file = ROOT / ".env"
    if url is None and env_file.exists():
        for line in env_file.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            if name.strip() == "PARLEY_OPENSEARCH_URL":
                url = value.strip().strip("\"'")
    return url or "http://127.0.0.1:9200"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=default_url(), help="OpenSearch URL")
    parser.add_argument("--count", type=int, default=1_000_000, help="documents in the index")
    parser.add_argument("--queries", type=int, default=500, help="queries per concurrency")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 4, 10], help="clients at once"
    )
    parser.add_argument("--keep", action="store_true", help="keep the index for the next run")
    parser.add_argument(
        "--dated-as-window",
        action="store_true",
        help="measure dated searches the old way: 1,000 best hits, no range in the index",
    )
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(run(arguments)), indent=2))


if __name__ == "__main__":
    main()
