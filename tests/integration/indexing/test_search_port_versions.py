"""The search port's versioned writes, id listing and index versions, on both backends."""

import uuid

import pytest
from opensearchpy import AsyncOpenSearch

from domain.settings import Settings
from domain.shared.ports import SearchDocument, SearchIndex, SearchUnavailableError
from search.errors import UnknownIndexVersionError
from search.opensearch import OpenSearchIndex, create_opensearch_client

TENANT_A = uuid.UUID("00000000-0000-4000-8000-00000000000a")
TENANT_B = uuid.UUID("00000000-0000-4000-8000-00000000000b")
BRAND = uuid.UUID("00000000-0000-4000-8000-0000000000a1")


def document(
    document_id: str, text: str, *, version: int | None = None, tenant_id: uuid.UUID = TENANT_A
) -> SearchDocument:
    return SearchDocument(
        id=document_id, tenant_id=tenant_id, brand_id=BRAND, text=text, version=version
    )


async def texts(index: SearchIndex, query: str, tenant_id: uuid.UUID = TENANT_A) -> list[str]:
    await index.refresh("mentions")
    page = await index.search("mentions", tenant_id=tenant_id, query=query)
    return sorted(hit.id for hit in page.hits)


async def test_versioned_writes_never_go_back(search_index: SearchIndex) -> None:
    assert await search_index.index_documents("mentions", [document("m", "two", version=2)]) == 1
    assert await search_index.index_documents("mentions", [document("m", "one", version=1)]) == 0
    assert await search_index.index_documents("mentions", [document("m", "dup", version=2)]) == 0
    assert await texts(search_index, "two") == ["m"]

    rewritten = [document("m", "rewritten", version=2)]
    assert (
        await search_index.index_documents("mentions", rewritten, overwrite_same_version=True) == 1
    )
    assert await texts(search_index, "rewritten") == ["m"]
    assert (
        await search_index.index_documents(
            "mentions", [document("m", "older", version=1)], overwrite_same_version=True
        )
        == 0
    )

    # The highest version of a batch wins; every copy of a written id counts.
    batch = [document("m", "v3", version=3), document("m", "v5", version=5)]
    batch.append(document("m", "v4", version=4))
    assert await search_index.index_documents("mentions", batch) == 3
    assert (await texts(search_index, "v5"), await texts(search_index, "v4")) == (["m"], [])
    # Versions are per tenant: the same id elsewhere starts from scratch.
    other = document("m", "elsewhere", version=1, tenant_id=TENANT_B)
    assert await search_index.index_documents("mentions", [other]) == 1
    assert await texts(search_index, "elsewhere", TENANT_B) == ["m"]


async def test_unversioned_documents_are_always_written(search_index: SearchIndex) -> None:
    for text in ("first", "second"):
        assert await search_index.index_documents("mentions", [document("u", text)]) == 1
    assert await texts(search_index, "second") == ["u"]
    assert await texts(search_index, "first") == []


async def test_document_ids_and_counts_are_per_tenant(search_index: SearchIndex) -> None:
    mine = [document(f"a-{number}", "refund") for number in range(7)]
    theirs = [document(f"b-{number}", "refund", tenant_id=TENANT_B) for number in range(2)]
    await search_index.index_documents("mentions", [*mine, *theirs])
    await search_index.refresh("mentions")

    batches = [
        batch
        async for batch in search_index.document_ids("mentions", tenant_id=TENANT_A, batch_size=3)
    ]

    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert sorted(i for batch in batches for i in batch) == sorted(d.id for d in mine)
    assert await search_index.count_documents("mentions", tenant_id=TENANT_A) == 7
    assert await search_index.count_documents("mentions", tenant_id=TENANT_B) == 2
    assert await search_index.count_documents("mentions", tenant_id=uuid.uuid4()) == 0


async def test_a_new_version_is_invisible_until_swapped_in(search_index: SearchIndex) -> None:
    await search_index.index_documents("mentions", [document("old", "refund", version=1)])
    version = await search_index.create_index_version("mentions")
    await search_index.index_documents(
        "mentions", [document("new", "refund", version=1)], into=version
    )

    assert await texts(search_index, "refund") == ["old"]
    dropped = await search_index.swap_alias("mentions", version)
    assert version not in dropped
    assert len(dropped) == 1
    assert await texts(search_index, "refund") == ["new"]
    # Writes through the logical name now land in the new version.
    await search_index.index_documents("mentions", [document("later", "refund")])
    assert await texts(search_index, "refund") == ["later", "new"]

    abandoned = await search_index.create_index_version("mentions")
    await search_index.index_documents("mentions", [document("x", "refund")], into=abandoned)
    await search_index.discard_index_version("mentions", abandoned)
    assert await texts(search_index, "refund") == ["later", "new"]
    with pytest.raises(UnknownIndexVersionError):
        await search_index.index_documents("mentions", [document("x", "y")], into="mentions")
    with pytest.raises(UnknownIndexVersionError):
        await search_index.swap_alias("qna", version)


@pytest.mark.postgres
@pytest.mark.opensearch
@pytest.mark.parametrize("backend", ["opensearch"], indirect=True)
async def test_opensearch_recreates_a_missing_alias_instead_of_a_bare_index(
    search_index: SearchIndex, index_prefix: str, services_settings: Settings
) -> None:
    client: AsyncOpenSearch = create_opensearch_client(str(services_settings.opensearch_url))
    try:
        await client.indices.delete(index=f"{index_prefix}-mentions-*")

        assert await search_index.index_documents("mentions", [document("m", "refund")]) == 1

        aliases = await client.indices.get_alias(name=f"{index_prefix}-mentions")
        assert list(aliases) == [f"{index_prefix}-mentions-v1"]
    finally:
        await client.close()
    assert await texts(search_index, "refund") == ["m"]


@pytest.mark.opensearch
async def test_an_unreachable_node_is_a_passing_failure(index_prefix: str) -> None:
    dead = OpenSearchIndex(create_opensearch_client("http://127.0.0.1:9"), prefix=index_prefix)
    try:
        with pytest.raises(SearchUnavailableError, match="unreachable: ConnectionError"):
            await dead.index_documents("mentions", [document("m", "refund")])
        with pytest.raises(SearchUnavailableError):
            await dead.search("mentions", tenant_id=TENANT_A, query="refund")
        assert await dead.ping() is False
    finally:
        await dead.close()
