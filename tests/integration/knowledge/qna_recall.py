"""Leave-one-variant-out recall of Q&A suggestions on the shared Q&A file.

For every question variant of every entry, the entry is indexed without that
variant (every other entry with all of its variants), the held-out variant is
asked as the customer's message in the entry's language, and the entry must be
among the first three suggestions. One tenant holds the five brands; each
query is filtered to the entry's brand, as in production.
"""

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from domain.knowledge.rules import QnaRecord, QnaSearchEntry, parse_qna_jsonl, qna_search_document
from domain.knowledge.suggest import suggest_answers
from domain.shared.ports import SearchIndex

QNA_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "qna.jsonl"
TENANT_ID = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
TOP = 3


@dataclass(frozen=True)
class Recall:
    """Hits and questions per language; `well_fitting_hits` count only hits marked `fits_well`."""

    hits: Counter[str]
    well_fitting_hits: Counter[str]
    questions: Counter[str]

    def at(self, language: str | None = None) -> float:
        if language is None:
            return sum(self.hits.values()) / sum(self.questions.values())
        return self.hits[language] / self.questions[language]

    def well_fitting_at(self, language: str | None = None) -> float:
        if language is None:
            return sum(self.well_fitting_hits.values()) / sum(self.questions.values())
        return self.well_fitting_hits[language] / self.questions[language]


def brand_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(TENANT_ID, slug)


def shared_records() -> tuple[QnaRecord, ...]:
    return parse_qna_jsonl(QNA_FILE.read_text("utf-8"))


def search_entry(record: QnaRecord) -> QnaSearchEntry:
    return QnaSearchEntry(
        entry_id=record.id,
        tenant_id=TENANT_ID,
        brand_id=brand_id(record.brand),
        language=record.language,
        question_variants=record.question_variants,
        answer=record.answer,
        product=record.product,
        tags=record.tags,
        version=1,
    )


async def leave_one_variant_out(
    search: SearchIndex, refresh: Callable[[], Awaitable[None]]
) -> Recall:
    """Recall@3 per language, measured as the module docstring says."""
    records = shared_records()
    primary_language = {
        record.brand: record.language for record in records if record.language != "en"
    }
    entries = {record.id: search_entry(record) for record in records}
    await search.index_documents("qna", [qna_search_document(entry) for entry in entries.values()])
    hits: Counter[str] = Counter()
    well_fitting_hits: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    for record in records:
        entry = entries[record.id]
        for held_out, question in enumerate(record.question_variants):
            rest = tuple(v for index, v in enumerate(record.question_variants) if index != held_out)
            await search.index_documents(
                "qna", [qna_search_document(replace(entry, question_variants=rest))]
            )
            await refresh()
            suggestions = await suggest_answers(
                search,
                tenant_id=TENANT_ID,
                brand_id=entry.brand_id,
                language=record.language,
                fallback_language=primary_language.get(record.brand, "en"),
                text=question,
                limit=TOP,
            )
            questions[record.language] += 1
            found = [s for s in suggestions if s.entry_id == record.id]
            hits[record.language] += bool(found)
            well_fitting_hits[record.language] += bool(found) and found[0].fits_well
        await search.index_documents("qna", [qna_search_document(entry)])
    await refresh()
    return Recall(hits=hits, well_fitting_hits=well_fitting_hits, questions=questions)
