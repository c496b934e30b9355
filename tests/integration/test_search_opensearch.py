"""OpenSearchIndex against the real OpenSearch node from `make services`."""

import uuid
from collections.abc import AsyncIterator

import pytest
from opensearchpy import AsyncOpenSearch

from domain.shared.ports import SearchDocument
from search.errors import IndexingError, InvalidFilterError, UnknownIndexError
from search.opensearch import OpenSearchIndex, create_opensearch_client

pytestmark = pytest.mark.opensearch

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
        fields={"channel": "facebook", "labels": ["refund", "urgent"], "posted_at": "2025-03-01"},
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
        brand_id=BRAND_A1,
        text="Где мой заказ? Жду уже неделю",
        fields={"channel": "telegram", "language": "ru"},
    ),
    SearchDocument(
        id="a-4",
        tenant_id=TENANT_A,
        brand_id=None,
        text="The cat food arrived broken",
        fields={"channel": "facebook"},
    ),
    SearchDocument(
        id="a-5",
        tenant_id=TENANT_A,
        brand_id=BRAND_A2,
        text="Żółty kubek jest pęknięty",
        fields={"channel": "facebook", "language": "pl"},
    ),
    SearchDocument(
        id="b-1",
        tenant_id=TENANT_B,
        brand_id=BRAND_B1,
        text="Refund please, the order never came",
        fields={"channel": "facebook", "labels": ["refund"]},
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
def prefix() -> str:
    return f"parley-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def client(opensearch_url: str, prefix: str) -> AsyncIterator[AsyncOpenSearch]:
    """A client made in the test's loop; removes the test's indices and templates after."""
    client = create_opensearch_client(opensearch_url)
    try:
        yield client
        for index in ("mentions", "qna"):
            await client.indices.delete(index=f"{prefix}-{index}-v1", ignore_unavailable=True)
            await client.indices.delete_index_template(
                name=f"{prefix}-{index}-template", ignore=[404]
            )
    finally:
        await client.close()


@pytest.fixture
async def search_index(client: AsyncOpenSearch, prefix: str) -> OpenSearchIndex:
    index = OpenSearchIndex(client, prefix=prefix)
    await index.ensure_ready()
    return index


@pytest.fixture
async def filled_index(search_index: OpenSearchIndex) -> OpenSearchIndex:
    assert await search_index.index_documents("mentions", DOCUMENTS) == len(DOCUMENTS)
    await search_index.refresh("mentions")
    return search_index


async def _ids(
    index: OpenSearchIndex,
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


async def test_ensure_ready_creates_versioned_indices_from_templates_behind_aliases(
    client: AsyncOpenSearch, search_index: OpenSearchIndex, prefix: str
) -> None:
    await search_index.ensure_ready()  # a second run changes nothing

    for index in ("mentions", "qna"):
        concrete = f"{prefix}-{index}-v1"
        template = await client.indices.get_index_template(name=f"{prefix}-{index}-template")
        assert template["index_templates"][0]["index_template"]["index_patterns"] == [
            f"{prefix}-{index}-*"
        ]
        aliases = await client.indices.get_alias(name=f"{prefix}-{index}")
        assert aliases == {concrete: {"aliases": {f"{prefix}-{index}": {"is_write_index": True}}}}

        settings = (await client.indices.get_settings(index=concrete))[concrete]["settings"]
        assert settings["index"]["number_of_shards"] == "1"
        assert settings["index"]["number_of_replicas"] == "0"
        assert settings["index"]["analysis"]["analyzer"]["parley_polish"] == {
            "filter": ["lowercase", "asciifolding"],
            "type": "custom",
            "tokenizer": "standard",
        }

        mappings = (await client.indices.get_mapping(index=concrete))[concrete]["mappings"]
        assert mappings["dynamic"] == "false"
        assert mappings["_routing"] == {"required": True}
        properties = mappings["properties"]
        assert properties["tenant_id"] == {"type": "keyword"}
        assert properties["brand_id"] == {"type": "keyword"}
        assert properties["text"] == {
            "type": "text",
            "analyzer": "standard",
            "fields": {
                "en": {"type": "text", "analyzer": "english"},
                "fa": {"type": "text", "analyzer": "persian"},
                "it": {"type": "text", "analyzer": "italian"},
                "pl": {"type": "text", "analyzer": "parley_polish"},
                "ru": {"type": "text", "analyzer": "russian"},
            },
        }
    mentions = f"{prefix}-mentions-v1"
    mapping = (await client.indices.get_mapping(index=mentions))[mentions]["mappings"]
    assert mapping["properties"]["fields"]["properties"] == {"posted_at": {"type": "date"}}


async def test_documents_are_routed_by_tenant_and_fields_become_keywords(
    client: AsyncOpenSearch, filled_index: OpenSearchIndex, prefix: str
) -> None:
    stored = await client.get(
        index=f"{prefix}-mentions", id=f"{TENANT_A}:a-1", routing=str(TENANT_A)
    )

    assert stored["_routing"] == str(TENANT_A)
    assert stored["_source"] == {
        "doc_id": "a-1",
        "tenant_id": str(TENANT_A),
        "brand_id": str(BRAND_A1),
        "text": "My refund is late and nobody answers",
        "fields": {
            "channel": "facebook",
            "labels": ["refund", "urgent"],
            "posted_at": "2025-03-01",
        },
    }
    concrete = f"{prefix}-mentions-v1"
    fields = (await client.indices.get_mapping(index=concrete))[concrete]["mappings"]["properties"][
        "fields"
    ]["properties"]
    assert fields["channel"] == {"type": "keyword", "ignore_above": 1024}
    assert fields["labels"] == {"type": "keyword", "ignore_above": 1024}
    assert fields["posted_at"] == {"type": "date"}


async def test_search_returns_only_the_tenants_documents(filled_index: OpenSearchIndex) -> None:
    assert await _ids(filled_index, "refund", TENANT_A) == ["a-1", "a-2"]
    assert await _ids(filled_index, "refund", TENANT_B) == ["a-1", "b-1"]
    assert await _ids(filled_index, "order", TENANT_A) == []

    page = await filled_index.search("mentions", tenant_id=TENANT_B, query="other tenant")
    assert [(hit.id, dict(hit.fields)) for hit in page.hits] == [("a-1", {"channel": "x"})]


async def test_every_word_must_match(filled_index: OpenSearchIndex) -> None:
    assert await _ids(filled_index, "refund late") == ["a-1"]
    assert await _ids(filled_index, "refund broken") == []


async def test_search_of_an_unknown_tenant_finds_nothing(filled_index: OpenSearchIndex) -> None:
    page = await filled_index.search("mentions", tenant_id=uuid.uuid4(), query="refund")

    assert (page.total, page.hits) == (0, ())


async def test_brand_filter(filled_index: OpenSearchIndex) -> None:
    assert await _ids(filled_index, "refund", brand_ids=[BRAND_A1]) == ["a-1"]
    assert await _ids(filled_index, "refund", brand_ids=[BRAND_A1, BRAND_A2]) == ["a-1", "a-2"]
    assert await _ids(filled_index, "refund", brand_ids=[BRAND_B1]) == []
    assert await _ids(filled_index, "refund", brand_ids=[]) == []
    # A document without a brand is found only when no brand filter is given.
    assert await _ids(filled_index, "cat") == ["a-4"]
    assert await _ids(filled_index, "cat", brand_ids=[BRAND_A1]) == []


async def test_field_filters_match_exact_values_and_list_items(
    filled_index: OpenSearchIndex,
) -> None:
    assert await _ids(filled_index, "refund", filters={"channel": "x"}) == ["a-2"]
    assert await _ids(filled_index, "refund", filters={"labels": "urgent"}) == ["a-1"]
    assert await _ids(filled_index, "refund", filters={"labels": "refund", "channel": "x"}) == [
        "a-2"
    ]
    assert await _ids(filled_index, "refund", filters={"channel": "Facebook"}) == []
    assert await _ids(filled_index, "refund", filters={"unknown_field": "x"}) == []
    with pytest.raises(InvalidFilterError):
        await filled_index.search(
            "mentions", tenant_id=TENANT_A, query="refund", filters={"tenant_id.x": "1"}
        )


async def test_highlights_mark_matches_with_em(filled_index: OpenSearchIndex) -> None:
    page = await filled_index.search("mentions", tenant_id=TENANT_A, query="refund late")

    assert page.total == 1
    assert page.hits[0].highlights == ("My <em>refund</em> is <em>late</em> and nobody answers",)
    assert page.hits[0].score > 0


async def test_highlights_are_html_escaped(search_index: OpenSearchIndex) -> None:
    document = SearchDocument(
        id="x-1",
        tenant_id=TENANT_A,
        brand_id=None,
        text="<script>alert(1)</script> refund <em>now</em>",
    )
    await search_index.index_documents("mentions", [document])
    await search_index.refresh("mentions")

    page = await search_index.search("mentions", tenant_id=TENANT_A, query="refund")

    assert page.hits[0].highlights == (
        "&lt;script&gt;alert(1)&lt;&#x2F;script&gt; <em>refund</em> &lt;em&gt;now&lt;&#x2F;em&gt;",
    )


async def test_russian_inflected_forms_match_through_the_russian_analyser(
    filled_index: OpenSearchIndex,
) -> None:
    assert await _ids(filled_index, "заказа") == ["a-3"]
    assert await _ids(filled_index, "заказы") == ["a-3"]
    page = await filled_index.search("mentions", tenant_id=TENANT_A, query="заказы")
    assert page.hits[0].highlights == ("Где мой <em>заказ</em>? Жду уже неделю",)


async def test_english_plural_finds_the_singular_through_the_english_analyser(
    filled_index: OpenSearchIndex,
) -> None:
    assert await _ids(filled_index, "cats") == ["a-4"]
    assert await _ids(filled_index, "refunds") == ["a-1", "a-2"]
    page = await filled_index.search("mentions", tenant_id=TENANT_A, query="cats")
    assert page.hits[0].highlights == ("The <em>cat</em> food arrived broken",)


async def test_polish_without_diacritics_matches_through_ascii_folding(
    filled_index: OpenSearchIndex,
) -> None:
    assert await _ids(filled_index, "zolty") == ["a-5"]
    assert await _ids(filled_index, "ŻÓŁTY pęknięty") == ["a-5"]
    assert await _ids(filled_index, "pekniety") == ["a-5"]


async def test_total_counts_every_match_beyond_the_limit(filled_index: OpenSearchIndex) -> None:
    page = await filled_index.search("mentions", tenant_id=TENANT_A, query="refund", limit=1)

    assert page.total == 2
    assert len(page.hits) == 1
    with pytest.raises(ValueError, match="at least 1"):
        await filled_index.search("mentions", tenant_id=TENANT_A, query="refund", limit=0)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('refund"', ["a-1", "a-2"]),
        ('"refund', ["a-1", "a-2"]),
        ("refund)", ["a-1", "a-2"]),
        ("refund\\", ["a-1", "a-2"]),
        ("(refund) [late}", ["a-1"]),
        ("refund~ late^ */? :", ["a-1"]),
        # Operators are words like any other: "and" is in a-1, "or" and "not" nowhere.
        ("(refund AND", ["a-1"]),
        ("refund OR NOT", []),
        ("refund {{ }} <em>", []),
        ('!!! ??? () ""', []),
        ("   ", []),
    ],
)
async def test_user_queries_with_syntax_characters_are_plain_words(
    filled_index: OpenSearchIndex, query: str, expected: list[str]
) -> None:
    assert await _ids(filled_index, query) == expected


async def test_reindexing_a_document_replaces_it(filled_index: OpenSearchIndex) -> None:
    changed = SearchDocument(
        id="a-2", tenant_id=TENANT_A, brand_id=BRAND_A2, text="Delivery solved, thanks"
    )
    assert await filled_index.index_documents("mentions", [changed]) == 1
    await filled_index.refresh("mentions")

    assert await _ids(filled_index, "refund") == ["a-1"]
    assert await _ids(filled_index, "delivery") == ["a-2"]


async def test_delete_documents_deletes_only_in_the_tenant(filled_index: OpenSearchIndex) -> None:
    assert await filled_index.delete_documents("mentions", tenant_id=TENANT_A, ids=["b-1"]) == 0
    assert (
        await filled_index.delete_documents("mentions", tenant_id=TENANT_A, ids=["a-1", "a-1"]) == 1
    )
    assert await filled_index.delete_documents("mentions", tenant_id=TENANT_A, ids=["a-1"]) == 0
    assert await filled_index.delete_documents("mentions", tenant_id=TENANT_A, ids=[]) == 0
    await filled_index.refresh("mentions")

    assert await _ids(filled_index, "refund", TENANT_A) == ["a-2"]
    assert await _ids(filled_index, "refund", TENANT_B) == ["a-1", "b-1"]


async def test_delete_tenant_keeps_other_tenants(filled_index: OpenSearchIndex) -> None:
    unrefreshed = SearchDocument(id="a-9", tenant_id=TENANT_A, brand_id=None, text="refund")
    await filled_index.index_documents("mentions", [unrefreshed])

    assert await filled_index.delete_tenant("mentions", tenant_id=TENANT_A) == 6

    assert await _ids(filled_index, "refund", TENANT_A) == []
    assert await _ids(filled_index, "refund", TENANT_B) == ["a-1", "b-1"]


async def test_delete_tenant_deletes_more_documents_than_one_batch(
    search_index: OpenSearchIndex,
) -> None:
    many = [
        SearchDocument(id=f"m-{number}", tenant_id=TENANT_A, brand_id=None, text="refund")
        for number in range(1_201)
    ]
    other = SearchDocument(id="m-0", tenant_id=TENANT_B, brand_id=None, text="refund")
    assert await search_index.index_documents("mentions", [*many, other]) == 1_202

    assert await search_index.delete_tenant("mentions", tenant_id=TENANT_A) == 1_201

    assert (await search_index.search("mentions", tenant_id=TENANT_A, query="refund")).total == 0
    assert await _ids(search_index, "refund", TENANT_B) == ["m-0"]


async def test_qna_is_a_separate_index(search_index: OpenSearchIndex) -> None:
    entry = SearchDocument(
        id="q-1", tenant_id=TENANT_A, brand_id=BRAND_A1, text="How long does a refund take?"
    )
    await search_index.index_documents("qna", [entry])
    await search_index.refresh("qna")

    page = await search_index.search("qna", tenant_id=TENANT_A, query="refunds")
    assert [hit.id for hit in page.hits] == ["q-1"]
    assert (await search_index.search("mentions", tenant_id=TENANT_A, query="refund")).total == 0


async def test_refused_documents_raise_with_their_reasons(search_index: OpenSearchIndex) -> None:
    good = SearchDocument(id="ok", tenant_id=TENANT_A, brand_id=None, text="refund")
    bad = SearchDocument(
        id="bad", tenant_id=TENANT_A, brand_id=None, text="refund", fields={"posted_at": "soon"}
    )

    with pytest.raises(
        IndexingError, match=r"^1 of 2 documents were not written: bad: 400 "
    ) as info:
        await search_index.index_documents("mentions", [good, bad])

    assert [(failure.document_id, failure.status) for failure in info.value.failures] == [
        ("bad", 400)
    ]
    assert info.value.failures[0].reason.startswith("mapper_parsing_exception: ")
    await search_index.refresh("mentions")
    assert await _ids(search_index, "refund") == ["ok"]


async def test_unknown_index_names_are_refused(search_index: OpenSearchIndex) -> None:
    with pytest.raises(UnknownIndexError):
        await search_index.search("users", tenant_id=TENANT_A, query="refund")
    with pytest.raises(UnknownIndexError):
        await search_index.index_documents("*", [])


async def test_invalid_prefix_is_refused(client: AsyncOpenSearch) -> None:
    with pytest.raises(ValueError, match="invalid search index prefix"):
        OpenSearchIndex(client, prefix="Parley/*")


async def test_ping(search_index: OpenSearchIndex) -> None:
    assert await search_index.ping() is True


async def test_ping_is_false_when_nothing_answers() -> None:
    index = OpenSearchIndex(create_opensearch_client("http://127.0.0.1:9"), prefix="parley")
    try:
        assert await index.ping() is False
    finally:
        await index.close()
