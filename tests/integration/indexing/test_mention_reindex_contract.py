"""Rebuilding the mention index from the database, on both backends."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import pytest

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.documents import MENTIONS_INDEX
from domain.mentions.search import (
    ReindexReport,
    index_pending_mentions,
    rebuild_mention_index,
    reindex_tenant_mentions,
    search_mentions,
)
from domain.shared.clock import utcnow
from domain.shared.ports import SearchDocument, SearchIndex
from tests.factories import TEST_ACTOR
from tests.integration.indexing.indexing_scenario import (
    add_mentions,
    change_mention,
    make_place,
    mention_count,
    scope,
    staff,
)


class WritesDuringTheCopy:
    """The real index, plus something happening when a rebuild first writes its new version.

    It stands for the outbox drain changing the live index while a rebuild copies.
    """

    def __init__(self, inner: SearchIndex, meanwhile: Callable[[], Awaitable[None]]) -> None:
        self._inner = inner
        self._meanwhile: Callable[[], Awaitable[None]] | None = meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def index_documents(
        self,
        index: str,
        documents: Sequence[SearchDocument],
        *,
        into: str | None = None,
        overwrite_same_version: bool = False,
    ) -> int:
        if into is not None and self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()
        return await self._inner.index_documents(
            index, documents, into=into, overwrite_same_version=overwrite_same_version
        )


async def drain(database: Database, search: SearchIndex, tenant_id: uuid.UUID) -> None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        await index_pending_mentions(uow, search=search, now=utcnow())
    await search.refresh(MENTIONS_INDEX)


async def found(
    database: Database, search: SearchIndex, tenant_id: uuid.UUID, query: str
) -> set[uuid.UUID]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        result = await search_mentions(uow, staff(), search=search, query=query)
    assert result.total == len(result.hits)
    return set(result.mention_ids)


def stray(tenant_id: uuid.UUID, brand_id: uuid.UUID, document_id: str) -> SearchDocument:
    """A document the database knows nothing of."""
    return SearchDocument(id=document_id, tenant_id=tenant_id, brand_id=brand_id, text="refund")


async def test_a_full_rebuild_swaps_in_a_new_version_with_every_tenant_apart(
    backend: str, database: Database, search_index: SearchIndex, index_prefix: str
) -> None:
    first = await make_place(database, "agency-a", "alpha")
    second = await make_place(database, "agency-b", "beta")
    changed, *others_a = await add_mentions(
        database, first, ["refund before", "refund two", "refund three"]
    )
    in_b = await add_mentions(database, second, ["refund in b", "parcel in b"])
    await drain(database, search_index, first.tenant_id)
    await drain(database, search_index, second.tenant_id)
    await search_index.index_documents(
        MENTIONS_INDEX, [stray(first.tenant_id, first.brand_id, str(uuid.uuid4()))]
    )

    async def the_drain_meanwhile() -> None:
        await change_mention(database, first.tenant_id, changed, text="reworded during rebuild")
        await drain(database, search_index, first.tenant_id)

    rebuilding = cast("SearchIndex", WritesDuringTheCopy(search_index, the_drain_meanwhile))
    report = await rebuild_mention_index(database, search=rebuilding, actor=TEST_ACTOR)
    await search_index.refresh(MENTIONS_INDEX)

    if backend == "opensearch":
        expected_names = (f"{index_prefix}-mentions-v2", (f"{index_prefix}-mentions-v1",))
    else:
        expected_names = ("search_mentions_next", ("search_mentions",))
    assert (report.live_index, report.dropped) == expected_names
    assert (report.tenants, report.documents) == (2, 5)
    assert report.caught_up == 1
    assert await found(database, search_index, first.tenant_id, "refund") == set(others_a)
    assert await found(database, search_index, first.tenant_id, "reworded") == {changed}
    assert await found(database, search_index, second.tenant_id, "refund") == {in_b[0]}
    assert await found(database, search_index, second.tenant_id, "reworded") == set()
    for place in (first, second):
        assert await search_index.count_documents(
            MENTIONS_INDEX, tenant_id=place.tenant_id
        ) == await mention_count(database, place.tenant_id)

    again = await rebuild_mention_index(database, search=search_index, actor=TEST_ACTOR)
    if backend == "opensearch":
        assert (again.live_index, again.dropped) == (
            f"{index_prefix}-mentions-v3",
            (f"{index_prefix}-mentions-v2",),
        )
    assert (again.documents, again.caught_up) == (5, 0)
    assert await found(database, search_index, first.tenant_id, "reworded") == {changed}


async def test_a_failed_rebuild_leaves_the_live_index_as_it_was(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    ids = await add_mentions(database, place, ["refund one", "refund two"])
    await drain(database, search_index, place.tenant_id)

    async def backend_breaks() -> None:
        raise ConnectionResetError("lost the search node")

    failing = cast("SearchIndex", WritesDuringTheCopy(search_index, backend_breaks))
    with pytest.raises(ConnectionResetError):
        await rebuild_mention_index(database, search=failing, actor=TEST_ACTOR)

    assert await found(database, search_index, place.tenant_id, "refund") == set(ids)
    report = await rebuild_mention_index(database, search=search_index, actor=TEST_ACTOR)
    assert report.documents == 2
    assert await found(database, search_index, place.tenant_id, "refund") == set(ids)


async def test_a_tenant_is_reindexed_in_place_without_touching_the_others(
    database: Database, search_index: SearchIndex
) -> None:
    mine = await make_place(database, "agency-a", "alpha")
    theirs = await make_place(database, "agency-b", "beta")
    garbled, intact = await add_mentions(database, mine, ["refund garbled", "refund intact"])
    [lost] = await add_mentions(database, mine, ["refund lost"], with_outbox=False)
    [their_mention] = await add_mentions(database, theirs, ["refund theirs"])
    await drain(database, search_index, mine.tenant_id)
    await drain(database, search_index, theirs.tenant_id)
    # Damage: a document rewritten wrongly at its own version, one never written, two stale.
    wrong = SearchDocument(
        id=str(garbled),
        tenant_id=mine.tenant_id,
        brand_id=mine.brand_id,
        text="nonsense",
        version=1,
    )
    await search_index.index_documents(MENTIONS_INDEX, [wrong], overwrite_same_version=True)
    their_stray = str(uuid.uuid4())
    await search_index.index_documents(
        MENTIONS_INDEX,
        [
            stray(mine.tenant_id, mine.brand_id, str(uuid.uuid4())),
            stray(mine.tenant_id, mine.brand_id, "legacy-1"),
            stray(theirs.tenant_id, theirs.brand_id, their_stray),
        ],
    )
    await search_index.refresh(MENTIONS_INDEX)

    report = await reindex_tenant_mentions(
        database, search=search_index, actor=TEST_ACTOR, tenant_id=mine.tenant_id, batch_size=2
    )
    await search_index.refresh(MENTIONS_INDEX)

    assert report == ReindexReport(tenants=1, documents=3, removed=2)
    assert await found(database, search_index, mine.tenant_id, "refund") == {
        garbled,
        lost,
        intact,
    }
    assert await found(database, search_index, mine.tenant_id, "nonsense") == set()
    assert await search_index.count_documents(MENTIONS_INDEX, tenant_id=mine.tenant_id) == 3
    # The other tenant's documents, stale one included, are exactly as they were.
    their_ids: list[str] = []
    async for batch in search_index.document_ids(MENTIONS_INDEX, tenant_id=theirs.tenant_id):
        their_ids.extend(batch)
    assert sorted(their_ids) == sorted([str(their_mention), their_stray])


async def test_a_document_deleted_moments_ago_is_reported_as_skipped_on_opensearch(
    backend: str, database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    [mention_id] = await add_mentions(database, place, ["refund"])
    await drain(database, search_index, place.tenant_id)
    await search_index.delete_tenant(MENTIONS_INDEX, tenant_id=place.tenant_id)

    report = await reindex_tenant_mentions(
        database, search=search_index, actor=TEST_ACTOR, tenant_id=place.tenant_id
    )
    await search_index.refresh(MENTIONS_INDEX)

    # OpenSearch keeps a deleted document's version for `index.gc_deletes` (60 s) and
    # refuses to write that version again meanwhile; the report says so.
    if backend == "opensearch":
        assert (report.documents, report.skipped) == (0, 1)
        assert await found(database, search_index, place.tenant_id, "refund") == set()
    else:
        assert (report.documents, report.skipped) == (1, 0)
        assert await found(database, search_index, place.tenant_id, "refund") == {mention_id}
