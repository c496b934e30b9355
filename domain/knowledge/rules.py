"""Pure rules of the Q&A knowledge base: JSONL records, search documents, variant matching.

A Q&A entry is indexed as one search document in the logical index `qna`: its
id is the entry id, so indexing a newer version of an entry replaces the older
one. The document's text holds the question variants, the answer, the product
and the tags as written (for people and for backends that analyse languages),
followed by a line of search keys (`domain.knowledge.text`): the variants count
twice there because a customer's question reads like a variant more than like
an answer. A last line holds the same words' stem trigrams (`stem_grams`),
weighted the same way, for the suggestions' fuzzy second signal. `fields`
carry what a suggestion shows without reading the database.
"""

import difflib
import html
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from domain.knowledge.errors import InvalidQnaRecordError
from domain.knowledge.text import LANGUAGES, grams_line, keys_line, search_key, words
from domain.shared.ports import SearchDocument

QNA_INDEX: Final = "qna"
APPROVED: Final = "approved"
#: How many times the variants' keys are repeated in a document's key line.
VARIANT_WEIGHT: Final = 2
HIGHLIGHT_START: Final = "<em>"
HIGHLIGHT_END: Final = "</em>"


@dataclass(frozen=True, slots=True)
class QnaRecord:
    """One line of a Q&A JSONL file (the shape of the shared `qna.jsonl`)."""

    id: str
    brand: str
    language: str
    product: str
    question_variants: tuple[str, ...]
    answer: str
    tags: tuple[str, ...]
    last_reviewed: date | None


@dataclass(frozen=True, slots=True)
class QnaSearchEntry:
    """What the index needs of one version of a Q&A entry.

    `status` is the version's lifecycle state; only `approved` documents are
    ever suggested. `version` identifies the indexed version, so a reply can
    record which approved version it used.
    """

    entry_id: str
    tenant_id: uuid.UUID
    brand_id: uuid.UUID
    language: str
    question_variants: tuple[str, ...]
    answer: str
    product: str = ""
    tags: tuple[str, ...] = ()
    status: str = APPROVED
    version: int | None = None


@dataclass(frozen=True, slots=True)
class VariantMatch:
    """The question variant that best matches a customer's text.

    `highlight` is the variant HTML-escaped with `<em>` around the words whose
    search keys the customer's text shares; `matched_words` counts them.
    """

    index: int
    text: str
    highlight: str
    matched_words: int


def parse_qna_jsonl(content: str) -> tuple[QnaRecord, ...]:
    """Every record of a Q&A JSONL text, in file order; blank lines are skipped.

    Raises `InvalidQnaRecordError` naming the line of the first record that is
    not a JSON object with a non-empty `id`, `brand`, `language`, `answer` and
    at least one question variant, or whose `last_reviewed` is not a date, or
    whose id repeats an earlier one.
    """
    records: list[QnaRecord] = []
    seen: set[str] = set()
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidQnaRecordError(number, f"not JSON ({error.msg})") from error
        record = _record(number, raw)
        if record.id in seen:
            raise InvalidQnaRecordError(number, f"id {record.id!r} repeats an earlier line")
        seen.add(record.id)
        records.append(record)
    return tuple(records)


def qna_search_document(entry: QnaSearchEntry) -> SearchDocument:
    """The search document of one version of a Q&A entry (see the module docstring)."""
    meta = [entry.product, *entry.tags] if entry.product else list(entry.tags)
    key_texts = [*entry.question_variants] * VARIANT_WEIGHT + [entry.answer, *meta]
    text = "\n".join(
        [
            *entry.question_variants,
            entry.answer,
            *meta,
            keys_line(key_texts, entry.language),
            grams_line(key_texts, entry.language),
        ]
    )
    return SearchDocument(
        id=entry.entry_id,
        tenant_id=entry.tenant_id,
        brand_id=entry.brand_id,
        text=text,
        fields={
            "entry_id": entry.entry_id,
            "language": entry.language,
            "product": entry.product,
            "tags": list(entry.tags),
            "status": entry.status,
            "version": entry.version,
            "question_variants": list(entry.question_variants),
            "answer": entry.answer,
        },
    )


def best_variant(
    variants: Sequence[str], *, query_keys: Iterable[str], language: str
) -> VariantMatch | None:
    """The variant sharing the most words with the query's keys; None when none shares one.

    Ties go to the variant with the larger share of its own words matched,
    then to the earlier one.
    """
    wanted = frozenset(query_keys)
    best: tuple[tuple[int, float, int], VariantMatch] | None = None
    for index, variant in enumerate(variants):
        highlight, matched, total = _highlight(variant, wanted, language)
        if not matched:
            continue
        rank = (matched, matched / total, -index)
        if best is None or rank > best[0]:
            best = (rank, VariantMatch(index, variant, highlight, matched))
    return None if best is None else best[1]


def highlight_words(text: str, *, query_keys: Iterable[str], language: str) -> str:
    """`text` HTML-escaped with `<em>` around each word whose search key is in `query_keys`."""
    highlight, _, _ = _highlight(text, frozenset(query_keys), language)
    return highlight


def _highlight(text: str, wanted: frozenset[str], language: str) -> tuple[str, int, int]:
    """The highlighted text, how many words matched and how many content words there are."""
    parts: list[str] = []
    position = 0
    matched = 0
    total = 0
    for word in words(text):
        if len(word.normal) < 2:
            continue
        total += 1
        if search_key(word.text, language) not in wanted:
            continue
        matched += 1
        parts.append(html.escape(text[position : word.start], quote=True))
        parts.append(HIGHLIGHT_START + html.escape(word.text, quote=True) + HIGHLIGHT_END)
        position = word.end
    parts.append(html.escape(text[position:], quote=True))
    return "".join(parts), matched, max(total, 1)


def _record(number: int, raw: object) -> QnaRecord:
    if not isinstance(raw, Mapping):
        raise InvalidQnaRecordError(number, "a record must be a JSON object")
    text_fields = {name: _text(number, raw, name) for name in ("id", "brand", "language", "answer")}
    if text_fields["language"] not in LANGUAGES:
        known = ", ".join(LANGUAGES)
        raise InvalidQnaRecordError(
            number, f"language {text_fields['language']!r} is not one of {known}"
        )
    variants = _texts(number, raw, "question_variants")
    if not variants:
        raise InvalidQnaRecordError(number, "question_variants needs at least one question")
    product = raw.get("product", "")
    if not isinstance(product, str):
        raise InvalidQnaRecordError(number, "product must be text")
    return QnaRecord(
        id=text_fields["id"],
        brand=text_fields["brand"],
        language=text_fields["language"],
        product=product.strip(),
        question_variants=variants,
        answer=text_fields["answer"],
        tags=_texts(number, raw, "tags"),
        last_reviewed=_date(number, raw.get("last_reviewed")),
    )


def _text(number: int, raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidQnaRecordError(number, f"{name} must be non-empty text")
    return value.strip()


def _texts(number: int, raw: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidQnaRecordError(number, f"{name} must be a list of texts")
    return tuple(item.strip() for item in value if item.strip())


def _date(number: int, value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidQnaRecordError(number, "last_reviewed must be a YYYY-MM-DD date")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidQnaRecordError(number, "last_reviewed must be a YYYY-MM-DD date") from error


#: How long after its last review an entry is due for review again (then "stale").
REVIEW_PERIOD: Final = timedelta(days=180)


@dataclass(frozen=True, slots=True)
class QnaContent:
    """What one version of an entry says: compared on import, diffed between versions."""

    question_variants: tuple[str, ...]
    answer: str
    product: str = ""
    tags: tuple[str, ...] = ()


def record_content(record: QnaRecord) -> QnaContent:
    return QnaContent(
        question_variants=record.question_variants,
        answer=record.answer,
        product=record.product,
        tags=record.tags,
    )


def review_due_at(last_reviewed: date | None) -> datetime | None:
    """When an entry reviewed on `last_reviewed` becomes stale (None: never reviewed, no date)."""
    if last_reviewed is None:
        return None
    return datetime.combine(last_reviewed, time(), tzinfo=UTC) + REVIEW_PERIOD


def last_reviewed_on(review_at: datetime | None) -> date | None:
    """The review date that `review_due_at` turned into `review_at` (for exports)."""
    return None if review_at is None else (review_at - REVIEW_PERIOD).date()


def is_stale(review_at: datetime | None, *, now: datetime) -> bool:
    """An entry is stale once its review date has passed."""
    return review_at is not None and review_at <= now


def content_lines(content: QnaContent) -> list[str]:
    """A version as lines a person can compare: one per variant, the answer, product and tags."""
    return [
        *(f"Q: {variant}" for variant in content.question_variants),
        f"A: {content.answer}",
        f"Product: {content.product}",
        f"Tags: {', '.join(content.tags)}",
    ]


def version_diff(
    before: QnaContent, after: QnaContent, *, before_label: str, after_label: str
) -> str:
    """A unified diff (difflib) of two versions' lines; empty when they say the same."""
    lines = difflib.unified_diff(
        content_lines(before),
        content_lines(after),
        fromfile=before_label,
        tofile=after_label,
        lineterm="",
    )
    return "\n".join(lines)


def qna_record_json(
    key: str, brand: str, language: str, content: QnaContent, last_reviewed: date | None
) -> str:
    """One line of a Q&A JSONL export, in the shape `parse_qna_jsonl` reads."""
    return json.dumps(
        {
            "id": key,
            "brand": brand,
            "language": language,
            "product": content.product,
            "question_variants": list(content.question_variants),
            "answer": content.answer,
            "tags": list(content.tags),
            "last_reviewed": None if last_reviewed is None else last_reviewed.isoformat(),
        },
        ensure_ascii=False,
    )
