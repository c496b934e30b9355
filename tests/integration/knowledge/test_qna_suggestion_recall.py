"""Suggestion recall@3 on the shared Q&A, leave one variant out, on both search backends.

Measured (both backends give the same figures): pl 42/47 = 0.894, ru 41/44 =
0.932, it 43/46 = 0.935, fa 35/38 = 0.921, en 64/67 = 0.955, overall
225/242 = 0.930. Polish misses the 0.90 target by one question: its five
misses share no word stem with their entry ("podrożało" vs "podwyżka",
"Holownik się spóźnia" vs "laweta … opóźnienie"), which no lexical query
reaches. The floors below sit at or just under the measured figures, so a
regression fails.
"""

from tests.integration.knowledge.conftest import QnaBackend
from tests.integration.knowledge.qna_recall import leave_one_variant_out

FLOORS = {"pl": 0.89, "ru": 0.93, "it": 0.93, "fa": 0.92, "en": 0.95}
OVERALL_FLOOR = 0.92
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
