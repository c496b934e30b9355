"""The fuzzy second signal of Q&A suggestions (stem trigrams), on both search backends."""

import uuid

from domain.knowledge.rules import QnaSearchEntry, qna_search_document
from domain.knowledge.suggest import suggest_answers
from tests.integration.knowledge.conftest import QnaBackend

TENANT = uuid.UUID("00000000-0000-4000-8000-0000000000f1")
BRAND = uuid.UUID("00000000-0000-4000-8000-0000000000f2")

TOWING = QnaSearchEntry(
    entry_id="qna-towing",
    tenant_id=TENANT,
    brand_id=BRAND,
    language="pl",
    question_variants=("Czekam na lawetę, nikt nie przyjeżdża",),
    answer="Jeśli pomoc drogowa nie dotarła w podanym czasie, prosimy ponownie zadzwonić.",
    product="Assistance",
    tags=("laweta", "opóźnienie"),
    version=1,
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


async def _indexed(backend: QnaBackend) -> None:
    await backend.search.index_documents(
        "qna", [qna_search_document(entry) for entry in (TOWING, INSTALMENTS)]
    )
    await backend.refresh()


async def test_a_word_no_entry_holds_finds_its_derivation_as_a_weak_match(
    qna_backend: QnaBackend,
) -> None:
    await _indexed(qna_backend)

    suggestions = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        fallback_language="pl",
        text="Holownik się spóźnia",
    )

    # "spóźnia" shares no search key with "opóźnienie", only stem trigrams.
    assert [(s.entry_id, s.fits_well, s.matched_terms, s.coverage) for s in suggestions] == [
        ("qna-towing", False, (), 0.0)
    ]
    assert suggestions[0].matched_variant is None


async def test_a_fuzzy_match_never_outranks_an_entry_sharing_a_word(
    qna_backend: QnaBackend,
) -> None:
    await _indexed(qna_backend)

    suggestions = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        fallback_language="pl",
        text="Składka, holownik i spóźnia się",
    )

    # One word of three matched: no entry fits well, so the trigram round runs.
    assert [(s.entry_id, s.matched_terms, s.fits_well) for s in suggestions] == [
        ("qna-instalments", ("Składka",), False),
        ("qna-towing", (), False),
    ]


async def test_no_trigram_round_when_an_entry_fits_well(qna_backend: QnaBackend) -> None:
    await _indexed(qna_backend)

    suggestions = await suggest_answers(
        qna_backend.search,
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        fallback_language="pl",
        text="Składka się spóźnia",
    )

    assert [(s.entry_id, s.matched_terms, s.fits_well) for s in suggestions] == [
        ("qna-instalments", ("Składka",), True)
    ]
