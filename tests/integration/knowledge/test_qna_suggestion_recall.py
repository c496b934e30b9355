"""Suggestion recall@3 on the shared Q&A, leave one variant out, on both search backends.

Measured (both backends give the same figures): pl 43/47 = 0.915, ru 41/44 =
0.932, it 43/46 = 0.935, fa 35/38 = 0.921, en 64/67 = 0.955, overall
226/242 = 0.934. The Polish question the stem trigrams added ("Holownik się
spóźnia" → the entry tagged "opóźnienie") shares no search key with its entry;
the four Polish misses left share not even a root ("podrożało" vs "podwyżka",
"wycena" vs "kosztorys"). The floors below sit just under the measured
figures, so a regression fails.
"""

from tests.integration.knowledge.conftest import QnaBackend
from tests.integration.knowledge.qna_recall import leave_one_variant_out

FLOORS = {"pl": 0.91, "ru": 0.93, "it": 0.93, "fa": 0.92, "en": 0.95}
OVERALL_FLOOR = 0.93
WELL_FITTING_FLOOR = 0.82


async def test_recall_at_3_per_language_leaving_one_variant_out(qna_backend: QnaBackend) -> None:
    recall = await leave_one_variant_out(qna_backend.search, qna_backend.refresh)

    assert sum(recall.questions.values()) == 242
    assert dict(recall.questions) == {"pl": 47, "en": 67, "ru": 44, "it": 46, "fa": 38}
    for language, floor in FLOORS.items():
        assert recall.at(language) >= floor, language
    assert recall.at() >= OVERALL_FLOOR
    # Most right answers are also marked as fitting well, not only as weak matches.
    assert recall.well_fitting_at() >= WELL_FITTING_FLOOR
