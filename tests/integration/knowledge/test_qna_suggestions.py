"""Q&A suggestions over the real search backends: what is suggested, to whom, and how."""

import uuid
from dataclasses import replace

import pytest

from domain.knowledge.rules import QnaSearchEntry, qna_search_document
from domain.knowledge.suggest import suggest_answers
from tests.integration.knowledge.conftest import QnaBackend

TENANT = uuid.UUID("00000000-0000-4000-8000-0000000000d1")
OTHER_TENANT = uuid.UUID("00000000-0000-4000-8000-0000000000d2")
BRAND = uuid.UUID("00000000-0000-4000-8000-0000000000e1")
OTHER_BRAND = uuid.UUID("00000000-0000-4000-8000-0000000000e2")

CLAIM = QnaSearchEntry(
    entry_id="qna-claim",
    tenant_id=TENANT,
    brand_id=BRAND,
    language="pl",
    question_variants=("Jak zgłosić szkodę z OC sprawcy?", "Gdzie zgłosić wypadek?"),
    answer="Szkodę można zgłosić całodobowo w aplikacji lub na infolinii.",
    product="OC komunikacyjne",
    tags=("szkoda", "zgłoszenie"),
    version=3,
)
INSTALMENTS = QnaSearchEntry(
    entry_id="qna-instalments",
    tenant_id=TENANT,
    brand_id=BRAND,
    language="pl",
    question_variants=("Czy mogę płacić składkę w ratach?",),
    answer="Składkę można rozłożyć na 2 lub 4 raty bez dodatkowych opłat.",
    product="Płatności",
    tags=("raty",),
    version=1,
)
ENGLISH = QnaSearchEntry(
    entry_id="qna-english-desk",
    tenant_id=TENANT,
    brand_id=BRAND,
    language="en",
    question_variants=("Can I handle my claim in English?",),
    answer="Yes. Our international desk handles claims in English on weekdays.",
    product="Customer service",
    version=1,
)


async def _index(backend: QnaBackend, *entries: QnaSearchEntry) -> None:
    await backend.search.index_documents("qna", [qna_search_document(entry) for entry in entries])
    await backend.refresh()


async def test_suggests_the_matching_entry_with_its_variant_highlighted(
    qna_backend: QnaBackend,
) -> None:
    await _index(qna_backend, CLAIM, INSTALMENTS)

    suggestions = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        fallback_language="pl",
        text="Chcę zgłosić szkodę, sprawca ma OC",
    )

    assert [s.entry_id for s in suggestions] == ["qna-claim"]
    [claim] = suggestions
    assert claim.version == 3
    assert claim.language == "pl"
    assert claim.is_fallback_language is False
    assert claim.answer == CLAIM.answer
    assert claim.product == "OC komunikacyjne"
    assert claim.tags == ("szkoda", "zgłoszenie")
    assert claim.question_variants == CLAIM.question_variants
    assert claim.matched_variant == "Jak zgłosić szkodę z OC sprawcy?"
    assert claim.matched_variant_highlight == (
        "Jak <em>zgłosić</em> <em>szkodę</em> z <em>OC</em> <em>sprawcy</em>?"
    )
    assert claim.matched_terms == ("zgłosić", "szkodę", "sprawca", "OC")
    assert claim.coverage == 1.0
    assert claim.fits_well is True
    assert claim.score > 0


async def test_better_matches_come_first_and_the_limit_holds(qna_backend: QnaBackend) -> None:
    await _index(qna_backend, CLAIM, INSTALMENTS)

    suggestions = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        fallback_language="pl",
        text="Czy składkę za OC mogę płacić w ratach?",
    )
    assert [s.entry_id for s in suggestions] == ["qna-instalments", "qna-claim"]
    assert suggestions[0].fits_well is True
    # "OC" alone, one word of four: shown, but as a weak match.
    assert suggestions[1].matched_terms == ("OC",)
    assert suggestions[1].coverage == 0.25
    assert suggestions[1].fits_well is False

    limited = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        fallback_language="pl",
        text="Czy składkę za OC mogę płacić w ratach?",
        limit=1,
    )
    assert [s.entry_id for s in limited] == ["qna-instalments"]


async def test_only_approved_entries_are_suggested(qna_backend: QnaBackend) -> None:
    draft = replace(CLAIM, entry_id="qna-claim-draft", status="draft")
    retired = replace(CLAIM, entry_id="qna-claim-retired", status="retired")
    await _index(qna_backend, draft, retired)

    nothing = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        fallback_language="pl",
        text="Jak zgłosić szkodę?",
    )
    assert nothing == ()

    # Approving the entry re-indexes it under the same id, replacing the draft.
    await _index(qna_backend, replace(draft, status="approved"))
    approved = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        fallback_language="pl",
        text="Jak zgłosić szkodę?",
    )
    assert [s.entry_id for s in approved] == ["qna-claim-draft"]


async def test_other_tenants_and_brands_are_never_suggested(qna_backend: QnaBackend) -> None:
    await _index(
        qna_backend,
        replace(CLAIM, tenant_id=OTHER_TENANT),
        replace(CLAIM, entry_id="qna-other-brand", brand_id=OTHER_BRAND),
    )

    suggestions = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        fallback_language="pl",
        text="Jak zgłosić szkodę?",
    )

    assert suggestions == ()


async def test_the_customers_language_comes_first_then_the_brands_language(
    qna_backend: QnaBackend,
) -> None:
    await _index(qna_backend, CLAIM, INSTALMENTS, ENGLISH)

    english = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="en",
        fallback_language="pl",
        text="How do I handle a claim in English?",
    )
    assert [(s.entry_id, s.is_fallback_language) for s in english] == [("qna-english-desk", False)]

    # No English entry matches; the Polish ones do, and say they are in another language.
    fallback = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="en",
        fallback_language="pl",
        text="OC szkoda",
    )
    assert [(s.entry_id, s.language, s.is_fallback_language) for s in fallback] == [
        ("qna-claim", "pl", True)
    ]

    # An undetected language searches the brand's language as the customer's own.
    undetected = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language=None,
        fallback_language="pl",
        text="raty składki",
    )
    assert [(s.entry_id, s.is_fallback_language) for s in undetected] == [
        ("qna-instalments", False)
    ]


async def test_nothing_is_forced_when_nothing_matches(qna_backend: QnaBackend) -> None:
    await _index(qna_backend, CLAIM, INSTALMENTS)

    for text in ("Jaka będzie jutro pogoda w Gdańsku?", "", "!!! ???"):
        suggestions = await suggest_answers(
            qna_backend.search,
            tenant_id=TENANT,
            brand_id=BRAND,
            language="pl",
            fallback_language="pl",
            text=text,
        )
        assert suggestions == (), text


async def test_limit_must_be_positive(qna_backend: QnaBackend) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await suggest_answers(
            qna_backend.search,
            tenant_id=TENANT,
            brand_id=BRAND,
            language="pl",
            fallback_language="pl",
            text="szkoda",
            limit=0,
        )
