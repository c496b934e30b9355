"""Q&A suggestions for a customer's message, over the `SearchIndex` port.

The port requires every word of a query to match, and a customer's question
rarely uses every word of an approved variant. So a suggestion asks one query
per content word of the message (its search key, see `domain.knowledge.text`)
and adds up each entry's scores over those queries: a disjunctive BM25 ranking
built from conjunctive searches. With one query per key, a message costs at
most `MAX_QUERY_KEYS` searches per language, run concurrently.

When no entry fits well, a word whose key no entry of the brand holds (a
vocabulary gap: "spóźnia" where the entry says "opóźnienie") gets a second,
fuzzier chance: one more round of searches, one per character trigram of its
stem (at most `MAX_QUERY_GRAMS`). A fuzzy match never outranks a shared
word: the trigram scores order the entries found only that way, after the
others, and break ties. Trigram matches never count as matched words, so an entry found only
through them is a weak match (`fits_well` False), never the answer.
"""

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from domain.knowledge.rules import APPROVED, QNA_INDEX, best_variant
from domain.knowledge.text import content_keys, search_key, stem_grams, words
from domain.shared.ports import SearchIndex, SearchPage

#: Content words of a message beyond this many are not searched (the first ones are kept).
MAX_QUERY_KEYS: Final = 16
#: Trigrams searched for the words no entry holds (the first ones are kept).
MAX_QUERY_GRAMS: Final = 24
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
    across backends or languages), except that entries sharing a word with
    the message come before entries found by stem trigrams only.
    `matched_terms` are the message's words found in the entry; `coverage` is
    their share of the message's content words. `fits_well` is False for an
    entry that shares only one word with a longer message (or none: found by
    trigrams): show it as a weak match, never as the answer.
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
    pages = await _search_each(
        search, tenant_id=tenant_id, brand_id=brand_id, language=language, queries=keys
    )
    scores: dict[str, float] = {}
    matched_keys: dict[str, list[str]] = {}
    fields: dict[str, Mapping[str, Any]] = {}
    for key, page in zip(keys, pages, strict=True):
        for hit in page.hits:
            scores[hit.id] = scores.get(hit.id, 0.0) + hit.score
            matched_keys.setdefault(hit.id, []).append(key)
            fields.setdefault(hit.id, hit.fields)
    # The fuzzy round is for messages whose words found no good answer alone.
    fits_well = any(_fits_well(len(matched), len(keys)) for matched in matched_keys.values())
    unknown = [] if fits_well else [k for k, p in zip(keys, pages, strict=True) if not p.hits]
    grams_per_key = _grams_per_key(text, language, unknown)
    grams = tuple(dict.fromkeys(gram for grams in grams_per_key.values() for gram in grams))
    searched = grams[:MAX_QUERY_GRAMS]
    gram_pages = await _search_each(
        search, tenant_id=tenant_id, brand_id=brand_id, language=language, queries=searched
    )
    gram_hits = {gram: page.hits for gram, page in zip(searched, gram_pages, strict=True)}
    fuzzy_scores: dict[str, float] = {}
    for key_grams in grams_per_key.values():
        # A word counts once, however many trigrams it has: each entry gets
        # the mean of its scores over the word's trigrams.
        for gram in key_grams:
            for hit in gram_hits.get(gram, ()):
                fuzzy_scores[hit.id] = fuzzy_scores.get(hit.id, 0.0) + hit.score / len(key_grams)
                fields.setdefault(hit.id, hit.fields)
    first_words = _first_word_per_key(text, language)
    # A fuzzy match never outranks a shared word: the trigram scores order the
    # entries that share no word with the message, and break ties.
    ranking = sorted(
        scores.keys() | fuzzy_scores.keys(),
        key=lambda entry_id: (
            -scores.get(entry_id, 0.0),
            -fuzzy_scores.get(entry_id, 0.0),
            entry_id,
        ),
    )
    return [
        _suggestion(
            fields[entry_id],
            score=scores.get(entry_id, 0.0) + fuzzy_scores.get(entry_id, 0.0),
            matched=matched_keys.get(entry_id, ()),
            first_words=first_words,
            key_count=len(keys),
            language=language,
            is_fallback_language=is_fallback_language,
        )
        for entry_id in ranking
    ]


async def _search_each(
    search: SearchIndex,
    *,
    tenant_id: uuid.UUID,
    brand_id: uuid.UUID,
    language: str,
    queries: Sequence[str],
) -> Sequence[SearchPage]:
    """One search per query over the brand's approved entries in `language`, concurrently."""
    return await asyncio.gather(
        *(
            search.search(
                QNA_INDEX,
                tenant_id=tenant_id,
                query=query,
                brand_ids=[brand_id],
                filters={"language": language, "status": APPROVED},
                limit=HITS_PER_KEY,
            )
            for query in queries
        )
    )


def _grams_per_key(text: str, language: str, keys: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The stem trigrams of the first word of `text` behind each of `keys` (if it has any)."""
    wanted = set(keys)
    grams: dict[str, tuple[str, ...]] = {}
    for word in words(text):
        key = search_key(word.text, language)
        if key in wanted and key not in grams:
            grams[key] = stem_grams(word.text, language)
    return {key: key_grams for key, key_grams in grams.items() if key_grams}


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
        fits_well=_fits_well(len(matched), key_count),
    )


def _fits_well(matched: int, key_count: int) -> bool:
    return matched / key_count >= MIN_COVERAGE or matched >= MIN_MATCHED_KEYS


def _first_word_per_key(text: str, language: str) -> dict[str, str]:
    """Each search key of `text` mapped to the first word (as written) that produces it."""
    first: dict[str, str] = {}
    for word in words(text):
        first.setdefault(search_key(word.text, language), word.text)
    return first
