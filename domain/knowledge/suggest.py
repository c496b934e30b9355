"""Q&A suggestions for a customer's message, over the `SearchIndex` port.

The port requires every word of a query to match, and a customer's question
rarely uses every word of an approved variant. So a suggestion asks one query
per content word of the message (its search key, see `domain.knowledge.text`)
and adds up each entry's scores over those queries: a disjunctive BM25 ranking
built from conjunctive searches. With one query per key, a message costs at
most `MAX_QUERY_KEYS` searches per language, run concurrently.
"""

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from domain.knowledge.rules import APPROVED, QNA_INDEX, best_variant
from domain.knowledge.text import content_keys, search_key, words
from domain.shared.ports import SearchIndex, SearchPage

#: Content words of a message beyond this many are not searched (the first ones are kept).
MAX_QUERY_KEYS: Final = 16
#: Hits read per key; an entry below this rank for a common word misses only that word's score.
HITS_PER_KEY: Final = 50
#: A suggestion fits well when it shares at least this share of the message's
#: content words, or at least this many of them (long messages carry context
#: that no entry mentions).
MIN_COVERAGE: Final = 0.5
MIN_MATCHED_KEYS: Final = 3


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One approved Q&A entry suggested for a message.

    `score` orders suggestions of one language (backend units, not comparable
    across backends or languages). `matched_terms` are the message's words
    found in the entry; `coverage` is their share of the message's content
    words. `fits_well` is False for an entry that shares only one word with a
    longer message: show it as a weak match, never as the answer.
    `matched_variant` is None when only the answer, product or tags matched.
    """

    entry_id: str
    version: int | None
    language: str
    is_fallback_language: bool
    score: float
    answer: str
    product: str
    tags: tuple[str, ...]
    question_variants: tuple[str, ...]
    matched_variant: str | None
    matched_variant_highlight: str | None
    matched_terms: tuple[str, ...]
    coverage: float
    fits_well: bool


async def suggest_answers(
    search: SearchIndex,
    *,
    tenant_id: uuid.UUID,
    brand_id: uuid.UUID,
    language: str | None,
    fallback_language: str,
    text: str,
    limit: int = 3,
) -> tuple[Suggestion, ...]:
    """The best approved Q&A entries of the brand for `text`, at most `limit`.

    Entries in the customer's `language` come first. When fewer than `limit`
    of them fit well, well-fitting entries in `fallback_language` (the brand's
    primary language) follow, then the weak matches of both. `language=None`
    (not detected) searches the fallback language only. Only documents of the
    tenant and brand whose `status` is approved are read. An empty tuple means
    nothing in the knowledge base matches the message.
    """
    if limit < 1:
        raise ValueError(f"suggestion limit must be at least 1, got {limit}")
    primary_language = language or fallback_language
    primary = await _ranked(
        search,
        tenant_id=tenant_id,
        brand_id=brand_id,
        language=primary_language,
        text=text,
        is_fallback_language=language is not None and primary_language != language,
    )
    fallback: list[Suggestion] = []
    if primary_language != fallback_language and sum(s.fits_well for s in primary) < limit:
        fallback = await _ranked(
            search,
            tenant_id=tenant_id,
            brand_id=brand_id,
            language=fallback_language,
            text=text,
            is_fallback_language=True,
        )
    ordered = [
        *(s for s in primary if s.fits_well),
        *(s for s in fallback if s.fits_well),
        *(s for s in primary if not s.fits_well),
        *(s for s in fallback if not s.fits_well),
    ]
    return tuple(ordered[:limit])


async def _ranked(
    search: SearchIndex,
    *,
    tenant_id: uuid.UUID,
    brand_id: uuid.UUID,
    language: str,
    text: str,
    is_fallback_language: bool,
) -> list[Suggestion]:
    """Every entry of `language` matching a content word of `text`, best first."""
    keys = content_keys(text, language)[:MAX_QUERY_KEYS]
    if not keys:
        return []
    pages: Sequence[SearchPage] = await asyncio.gather(
        *(
            search.search(
                QNA_INDEX,
                tenant_id=tenant_id,
                query=key,
                brand_ids=[brand_id],
                filters={"language": language, "status": APPROVED},
                limit=HITS_PER_KEY,
            )
            for key in keys
        )
    )
    scores: dict[str, float] = {}
    matched_keys: dict[str, list[str]] = {}
    fields: dict[str, Mapping[str, Any]] = {}
    for key, page in zip(keys, pages, strict=True):
        for hit in page.hits:
            scores[hit.id] = scores.get(hit.id, 0.0) + hit.score
            matched_keys.setdefault(hit.id, []).append(key)
            fields.setdefault(hit.id, hit.fields)
    first_words = _first_word_per_key(text, language)
    ranking = sorted(scores, key=lambda entry_id: (-scores[entry_id], entry_id))
    return [
        _suggestion(
            fields[entry_id],
            score=scores[entry_id],
            matched=matched_keys[entry_id],
            first_words=first_words,
            key_count=len(keys),
            language=language,
            is_fallback_language=is_fallback_language,
        )
        for entry_id in ranking
    ]


def _suggestion(
    fields: Mapping[str, Any],
    *,
    score: float,
    matched: Sequence[str],
    first_words: Mapping[str, str],
    key_count: int,
    language: str,
    is_fallback_language: bool,
) -> Suggestion:
    variants = tuple(str(variant) for variant in fields.get("question_variants", []))
    variant = best_variant(variants, query_keys=matched, language=language)
    version = fields.get("version")
    return Suggestion(
        entry_id=str(fields["entry_id"]),
        version=version if isinstance(version, int) else None,
        language=language,
        is_fallback_language=is_fallback_language,
        score=score,
        answer=str(fields.get("answer", "")),
        product=str(fields.get("product", "")),
        tags=tuple(str(tag) for tag in fields.get("tags", [])),
        question_variants=variants,
        matched_variant=None if variant is None else variant.text,
        matched_variant_highlight=None if variant is None else variant.highlight,
        matched_terms=tuple(first_words[key] for key in matched),
        coverage=len(matched) / key_count,
        fits_well=len(matched) / key_count >= MIN_COVERAGE or len(matched) >= MIN_MATCHED_KEYS,
    )


def _first_word_per_key(text: str, language: str) -> dict[str, str]:
    """Each search key of `text` mapped to the first word (as written) that produces it."""
    first: dict[str, str] = {}
    for word in words(text):
        first.setdefault(search_key(word.text, language), word.text)
    return first
