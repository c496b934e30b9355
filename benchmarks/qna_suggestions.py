"""Q&A suggestions benchmark: recall@3 leaving one variant out, and the time of a suggestion.

Run from the project root: ``.venv/bin/python -m benchmarks.qna_suggestions`` (SQLite FTS5
in a temporary file) or with ``--opensearch URL`` (an index prefix of its own, removed
afterwards). Prints one JSON object.

For every question variant of the 97 shared Q&A entries, the entry is indexed without
that variant (all other entries with all variants), the variant is asked in the entry's
language within its brand, and the entry must be among the first three suggestions
(``hits``; ``well_fitting_hits`` also need ``fits_well``). ``--no-trigrams`` switches the
fuzzy second signal off, for comparison. Times are of whole ``suggest_answers`` calls.
"""

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine

from domain.knowledge import suggest
from domain.knowledge.rules import QnaSearchEntry, parse_qna_jsonl, qna_search_document
from domain.knowledge.suggest import suggest_answers
from domain.shared.ports import SearchIndex
from search.documents import LOGICAL_INDICES
from search.indices import template_name
from search.opensearch import OpenSearchIndex, create_opensearch_client
from search.sqlite_fts import SqliteFtsIndex

QNA_FILE = Path(__file__).resolve().parents[1] / "domain" / "knowledge" / "data" / "qna.jsonl"
TENANT_ID = uuid.UUID("00000000-0000-4000-8000-0000000000b7")
TOP = 3


async def measure(search: SearchIndex, refresh: Any) -> dict[str, Any]:
    records = parse_qna_jsonl(QNA_FILE.read_text("utf-8"))
    primary = {record.brand: record.language for record in records if record.language != "en"}
    entries = {
        record.id: QnaSearchEntry(
            entry_id=record.id,
            tenant_id=TENANT_ID,
            brand_id=uuid.uuid5(TENANT_ID, record.brand),
            language=record.language,
            question_variants=record.question_variants,
            answer=record.answer,
            product=record.product,
            tags=record.tags,
            version=1,
        )
        for record in records
    }
    await search.index_documents("qna", [qna_search_document(entry) for entry in entries.values()])
    hits: Counter[str] = Counter()
    well_fitting: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    seconds: list[float] = []
    for record in records:
        entry = entries[record.id]
        for held_out, question in enumerate(record.question_variants):
            rest = tuple(v for i, v in enumerate(record.question_variants) if i != held_out)
            await search.index_documents(
                "qna", [qna_search_document(replace(entry, question_variants=rest))]
            )
            await refresh()
            started = time.perf_counter()
            suggestions = await suggest_answers(
                search,
                tenant_id=TENANT_ID,
                brand_id=entry.brand_id,
                language=record.language,
                fallback_language=primary.get(record.brand, "en"),
                text=question,
                limit=TOP,
            )
            seconds.append(time.perf_counter() - started)
            found = [s for s in suggestions if s.entry_id == record.id]
            questions[record.language] += 1
            hits[record.language] += bool(found)
            well_fitting[record.language] += bool(found) and found[0].fits_well
        await search.index_documents("qna", [qna_search_document(entry)])
    await refresh()
    deciles = statistics.quantiles(seconds, n=10)
    return {
        "questions": sum(questions.values()),
        "recall_at_3": round(sum(hits.values()) / sum(questions.values()), 3),
        "well_fitting_recall_at_3": round(sum(well_fitting.values()) / sum(questions.values()), 3),
        "per_language": {
            language: {
                "hits": hits[language],
                "well_fitting_hits": well_fitting[language],
                "questions": count,
                "recall_at_3": round(hits[language] / count, 3),
            }
            for language, count in questions.items()
        },
        "suggestion_ms": {
            "median": round(statistics.median(seconds) * 1000, 1),
            "p90": round(deciles[-1] * 1000, 1),
        },
    }


async def on_sqlite() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_async_engine(f"sqlite+aiosqlite:///{Path(folder) / 'qna.db'}")
        index = SqliteFtsIndex(engine)
        await index.ensure_ready()

        async def nothing() -> None:
            """FTS5 writes are visible at once."""

        try:
            return await measure(index, nothing)
        finally:
            await engine.dispose()


async def on_opensearch(url: str) -> dict[str, Any]:
    prefix = f"bench-qna-{uuid.uuid4().hex[:8]}"
    client = create_opensearch_client(url)
    index = OpenSearchIndex(client, prefix=prefix)
    try:
        await index.ensure_ready()

        async def refresh() -> None:
            await index.refresh("qna")

        return await measure(index, refresh)
    finally:
        await client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        for name in LOGICAL_INDICES:
            await client.indices.delete_index_template(
                name=template_name(prefix, name), ignore=[404]
            )
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opensearch", metavar="URL", help="measure on OpenSearch at URL")
    parser.add_argument("--no-trigrams", action="store_true", help="without the fuzzy signal")
    options = parser.parse_args()
    if options.no_trigrams:
        suggest.MAX_QUERY_GRAMS = 0
    backend = "opensearch" if options.opensearch else "sqlite"
    started = time.perf_counter()
    if options.opensearch:
        result = asyncio.run(on_opensearch(options.opensearch))
    else:
        result = asyncio.run(on_sqlite())
    report = {
        "backend": backend,
        "trigrams": not options.no_trigrams,
        **result,
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
