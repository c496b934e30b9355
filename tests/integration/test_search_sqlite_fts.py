"""SqliteFtsIndex, the embedded search backend, on a real SQLite file."""

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from domain.shared.ports import SearchDocument
from search.errors import InvalidFilterError, UnknownIndexError
from search.factory import create_search_index
from search.opensearch import OpenSearchIndex
from search.sqlite_fts import SqliteFtsIndex

TENANT_A = uuid.UUID("00000000-0000-4000-8000-00000000000a")
TENANT_B = uuid.UUID("00000000-0000-4000-8000-00000000000b")
BRAND_A1 = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
BRAND_A2 = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
BRAND_B1 = uuid.UUID("00000000-0000-4000-8000-0000000000b1")

DOCUMENTS = (
    SearchDocument(
        id="a-1",
        tenant_id=TENANT_A,
        brand_id=BRAND_A1,
        text="My refund is late and nobody answers",
        fields={"channel": "facebook", "labels": ["refund", "urgent"], "vip": True, "stars": 5},
    ),
    SearchDocument(
        id="a-2",
        tenant_id=TENANT_A,
        brand_id=BRAND_A2,
        text="Where is my refund? Third week of waiting",
        fields={"channel": "x", "labels": ["refund"]},
    ),
    SearchDocument(
        id="a-3",
        tenant_id=TENANT_A,
        brand_id=None,
        text="Żółty kubek jest pęknięty, café crème brûlée",
        fields={"channel": "facebook", "language": "pl"},
    ),
    SearchDocument(
        id="b-1",
        tenant_id=TENANT_B,
        brand_id=BRAND_B1,
        text="Refund please, the order never came",
        fields={"channel": "facebook"},
    ),
    # The same document id as tenant A's: ids are per tenant and must not collide.
    SearchDocument(
        id="a-1",
        tenant_id=TENANT_B,
        brand_id=BRAND_B1,
        text="A refund question from the other tenant",
        fields={"channel": "x"},
    ),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'search.db'}")
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def search_index(engine: AsyncEngine) -> AsyncIterator[SqliteFtsIndex]:
    index = SqliteFtsIndex(engine)
    await index.ensure_ready()
    yield index
    await index.close()


@pytest.fixture
async def filled_index(search_index: SqliteFtsIndex) -> SqliteFtsIndex:
    assert await search_index.index_documents("mentions", DOCUMENTS) == len(DOCUMENTS)
    return search_index


async def _ids(
    index: SqliteFtsIndex,
    query: str,
    tenant_id: uuid.UUID = TENANT_A,
    *,
    brand_ids: list[uuid.UUID] | None = None,
    filters: dict[str, str] | None = None,
) -> list[str]:
    """The sorted ids of every hit, checking the page holds all of them."""
    page = await index.search(
        "mentions", tenant_id=tenant_id, query=query, brand_ids=brand_ids, filters=filters
    )
    assert page.total == len(page.hits)
    return sorted(hit.id for hit in page.hits)


async def test_ensure_ready_creates_one_fts5_table_per_index_and_is_idempotent(
    engine: AsyncEngine, search_index: SqliteFtsIndex
) -> None:
    await search_index.ensure_ready()

    async with engine.connect() as connection:
        tables = (
            await connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
                )
            )
        ).all()
    assert [name for name, _ in tables] == ["search_mentions", "search_qna"]
    assert all("USING fts5(" in sql for _, sql in tables)
    assert all("unicode61 remove_diacritics 2" in sql for _, sql in tables)


async def test_search_returns_only_the_tenants_documents(filled_index: SqliteFtsIndex) -> None:
    assert await _ids(filled_index, "refund", TENANT_A) == ["a-1", "a-2"]
    assert await _ids(filled_index, "refund", TENANT_B) == ["a-1", "b-1"]
    assert await _ids(filled_index, "order", TENANT_A) == []
    assert await _ids(filled_index, "refund", uuid.uuid4()) == []

    page = await filled_index.search("mentions", tenant_id=TENANT_B, query="other tenant")
    assert [(hit.id, dict(hit.fields)) for hit in page.hits] == [("a-1", {"channel": "x"})]


async def test_every_word_must_match_and_the_best_match_comes_first(
    filled_index: SqliteFtsIndex,
) -> None:
    assert await _ids(filled_index, "refund late") == ["a-1"]
    assert await _ids(filled_index, "refund broken") == []

    page = await filled_index.search("mentions", tenant_id=TENANT_A, query="refund")
    assert [hit.id for hit in page.hits] == ["a-1", "a-2"]
    assert page.hits[0].score > 0
    assert page.hits[0].score >= page.hits[1].score


async def test_brand_filter(filled_index: SqliteFtsIndex) -> None:
    assert await _ids(filled_index, "refund", brand_ids=[BRAND_A1]) == ["a-1"]
    assert await _ids(filled_index, "refund", brand_ids=[BRAND_A1, BRAND_A2]) == ["a-1", "a-2"]
    assert await _ids(filled_index, "refund", brand_ids=[BRAND_B1]) == []
    assert await _ids(filled_index, "refund", brand_ids=[]) == []
    # A document without a brand is found only when no brand filter is given.
    assert await _ids(filled_index, "kubek") == ["a-3"]
    assert await _ids(filled_index, "kubek", brand_ids=[BRAND_A1]) == []


async def test_field_filters_match_exact_values_and_list_items(
    filled_index: SqliteFtsIndex,
) -> None:
    assert await _ids(filled_index, "refund", filters={"channel": "x"}) == ["a-2"]
    assert await _ids(filled_index, "refund", filters={"labels": "urgent"}) == ["a-1"]
    assert await _ids(filled_index, "refund", filters={"labels": "refund", "channel": "x"}) == [
        "a-2"
    ]
    assert await _ids(filled_index, "refund", filters={"vip": "true"}) == ["a-1"]
    assert await _ids(filled_index, "refund", filters={"stars": "5"}) == ["a-1"]
    assert await _ids(filled_index, "refund", filters={"channel": "Facebook"}) == []
    assert await _ids(filled_index, "refund", filters={"unknown_field": "x"}) == []
    with pytest.raises(InvalidFilterError):
        await filled_index.search(
            "mentions", tenant_id=TENANT_A, query="refund", filters={'a"] OR 1=1 --': "x"}
        )


async def test_highlights_mark_matches_with_em(filled_index: SqliteFtsIndex) -> None:
    page = await filled_index.search("mentions", tenant_id=TENANT_A, query="refund late")

    assert [hit.highlights for hit in page.hits] == [
        ("My <em>refund</em> is <em>late</em> and nobody answers",)
    ]


async def test_highlights_are_html_escaped_and_cannot_be_forged(
    search_index: SqliteFtsIndex,
) -> None:
    document = SearchDocument(
        id="x-1",
        tenant_id=TENANT_A,
        brand_id=None,
        text="<script>alert(1)</script> refund <em>now</em> \x02forged\x03",
    )
    await search_index.index_documents("mentions", [document])

    page = await search_index.search("mentions", tenant_id=TENANT_A, query="refund")

    assert page.hits[0].highlights == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <em>refund</em> &lt;em&gt;now&lt;/em&gt; forged",
    )


async def test_long_text_is_cut_to_a_snippet_around_the_match(
    search_index: SqliteFtsIndex,
) -> None:
    words = [f"word{number}" for number in range(100)]
    words[50] = "refund"
    document = SearchDocument(id="x-1", tenant_id=TENANT_A, brand_id=None, text=" ".join(words))
    await search_index.index_documents("mentions", [document])

    (highlight,) = (
        (await search_index.search("mentions", tenant_id=TENANT_A, query="refund"))
        .hits[0]
        .highlights
    )

    assert highlight.startswith("…")
    assert highlight.endswith("…")
    assert " <em>refund</em> " in highlight
    assert len(highlight.split()) == 32


async def test_diacritics_fold_for_letters_with_marks_but_not_for_stroked_letters(
    filled_index: SqliteFtsIndex,
) -> None:
    assert await _ids(filled_index, "cafe creme brulee") == ["a-3"]
    assert await _ids(filled_index, "pekniety") == ["a-3"]
    assert await _ids(filled_index, "ŻÓŁTY") == ["a-3"]
    # `ż` and `ó` are a letter plus a mark and fold; `ł` is a letter of its own.
    assert await _ids(filled_index, "zołty") == ["a-3"]
    assert await _ids(filled_index, "zolty") == []


async def test_there_is_no_stemming(search_index: SqliteFtsIndex) -> None:
    document = SearchDocument(id="r-1", tenant_id=TENANT_A, brand_id=None, text="Где мой заказ?")
    await search_index.index_documents("mentions", [document])

    assert await _ids(search_index, "заказ") == ["r-1"]
    assert await _ids(search_index, "заказы") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('refund"', ["a-1", "a-2"]),
        ('"refund', ["a-1", "a-2"]),
        ("refund)", ["a-1", "a-2"]),
        ("refund*", ["a-1", "a-2"]),
        ("refund\\", ["a-1", "a-2"]),
        ("(refund) [late}", ["a-1"]),
        ("refund~ late^ */? :", ["a-1"]),
        ("text:refund", []),
        ("refund NEAR(late)", []),
        ("-refund", ["a-1", "a-2"]),
        # Operators are words like any other: "and" is in a-1, "or" and "not" nowhere.
        ("(refund AND", ["a-1"]),
        ("refund OR NOT", []),
        ("refund {{ }} <em>", []),
        ('!!! ??? () ""', []),
        ("   ", []),
        ("", []),
    ],
)
async def test_user_queries_with_fts5_syntax_are_plain_words(
    filled_index: SqliteFtsIndex, query: str, expected: list[str]
) -> None:
    assert await _ids(filled_index, query) == expected


async def test_total_counts_every_match_beyond_the_limit(filled_index: SqliteFtsIndex) -> None:
    page = await filled_index.search("mentions", tenant_id=TENANT_A, query="refund", limit=1)

    assert page.total == 2
    assert [hit.id for hit in page.hits] == ["a-1"]
    with pytest.raises(ValueError, match="at least 1"):
        await filled_index.search("mentions", tenant_id=TENANT_A, query="refund", limit=0)


async def test_reindexing_a_document_replaces_it(filled_index: SqliteFtsIndex) -> None:
    changed = SearchDocument(
        id="a-2",
        tenant_id=TENANT_A,
        brand_id=BRAND_A2,
        text="Delivery solved, thanks",
        fields={"posted_at": dt.datetime(2025, 3, 1, 12, 30, tzinfo=dt.UTC)},
    )
    assert await filled_index.index_documents("mentions", [changed, changed]) == 2

    assert await _ids(filled_index, "refund") == ["a-1"]
    page = await filled_index.search("mentions", tenant_id=TENANT_A, query="delivery")
    assert [(hit.id, dict(hit.fields)) for hit in page.hits] == [
        ("a-2", {"posted_at": "2025-03-01T12:30:00+00:00"})
    ]
    # The other tenant's document with the same id is untouched.
    assert await _ids(filled_index, "question", TENANT_B) == ["a-1"]


async def test_delete_documents_deletes_only_in_the_tenant(filled_index: SqliteFtsIndex) -> None:
    assert await filled_index.delete_documents("mentions", tenant_id=TENANT_A, ids=["b-1"]) == 0
    assert (
        await filled_index.delete_documents("mentions", tenant_id=TENANT_A, ids=["a-1", "a-1"]) == 1
    )
    assert await filled_index.delete_documents("mentions", tenant_id=TENANT_A, ids=["a-1"]) == 0
    assert await filled_index.delete_documents("mentions", tenant_id=TENANT_A, ids=[]) == 0

    assert await _ids(filled_index, "refund", TENANT_A) == ["a-2"]
    assert await _ids(filled_index, "refund", TENANT_B) == ["a-1", "b-1"]


async def test_delete_tenant_keeps_other_tenants(filled_index: SqliteFtsIndex) -> None:
    assert await filled_index.delete_tenant("mentions", tenant_id=TENANT_A) == 3

    assert await _ids(filled_index, "refund", TENANT_A) == []
    assert await _ids(filled_index, "refund", TENANT_B) == ["a-1", "b-1"]


async def test_qna_is_a_separate_index(search_index: SqliteFtsIndex) -> None:
    entry = SearchDocument(
        id="q-1", tenant_id=TENANT_A, brand_id=BRAND_A1, text="How long does a refund take?"
    )
    await search_index.index_documents("qna", [entry])

    page = await search_index.search("qna", tenant_id=TENANT_A, query="refund")
    assert [hit.id for hit in page.hits] == ["q-1"]
    assert (await search_index.search("mentions", tenant_id=TENANT_A, query="refund")).total == 0


async def test_unknown_index_names_are_refused(search_index: SqliteFtsIndex) -> None:
    with pytest.raises(UnknownIndexError):
        await search_index.search("mentions; DROP TABLE x", tenant_id=TENANT_A, query="refund")
    with pytest.raises(UnknownIndexError):
        await search_index.delete_tenant("users", tenant_id=TENANT_A)


async def test_ping(search_index: SqliteFtsIndex) -> None:
    assert await search_index.ping() is True


async def test_ping_is_false_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")
    try:
        assert await SqliteFtsIndex(engine).ping() is False
    finally:
        await engine.dispose()


async def test_factory_picks_the_backend(engine: AsyncEngine) -> None:
    embedded = create_search_index(opensearch_url=None, prefix="parley", sqlite_engine=engine)
    assert isinstance(embedded, SqliteFtsIndex)

    served = create_search_index(
        opensearch_url="http://127.0.0.1:9200", prefix="parley", sqlite_engine=engine
    )
    assert isinstance(served, OpenSearchIndex)
    await served.close()

    with pytest.raises(ValueError, match="needs an OpenSearch URL or a SQLite engine"):
        create_search_index(opensearch_url=None, prefix="parley", sqlite_engine=None)
