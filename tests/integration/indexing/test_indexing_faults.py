"""Outbox delivery when the search node is down, and concurrent drains, on the real services."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any, cast

import pytest
from arq.worker import Retry

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.documents import MENTIONS_INDEX
from domain.mentions.search import IndexingRun, index_pending_mentions
from domain.shared.clock import utcnow
from domain.shared.ports import SearchDocument, SearchIndex
from search.opensearch import OpenSearchIndex, create_opensearch_client
from tests.factories import TEST_ACTOR
from tests.integration.indexing.indexing_scenario import (
    add_mentions,
    later,
    make_place,
    mention_count,
    outbox_rows,
    scope,
)
from workers.jobs.indexing import index_mentions

pytestmark = [pytest.mark.postgres, pytest.mark.opensearch]

DEAD_NODE = "http://127.0.0.1:9"


@pytest.fixture
async def dead_index(index_prefix: str) -> AsyncIterator[OpenSearchIndex]:
    """The same index prefix on a port where nothing listens."""
    index = OpenSearchIndex(create_opensearch_client(DEAD_NODE), prefix=index_prefix)
    yield index
    await index.close()


@pytest.mark.parametrize("backend", ["opensearch"], indirect=True)
async def test_a_dead_node_delays_indexing_and_loses_nothing(
    database: Database, search_index: SearchIndex, dead_index: OpenSearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    await add_mentions(database, place, [f"refund number {n}" for n in range(5)])
    before = utcnow()
    ctx: dict[str, Any] = {"database": database, "search": dead_index, "job_try": 1}

    with pytest.raises(Retry):
        await index_mentions(ctx, tenant_id=str(place.tenant_id))

    rows = await outbox_rows(database, place.tenant_id)
    assert len(rows) == 5
    for row in rows:
        assert (row.done_at, row.attempts) == (None, 1)
        assert row.last_error == "search backend unreachable: ConnectionError"
        assert (
            before + timedelta(seconds=5) <= row.next_attempt_at <= utcnow() + timedelta(seconds=5)
        )
    # Retried at once, the rows are not due yet: nothing is taken, nothing fails.
    assert await index_mentions({**ctx, "job_try": 2}, tenant_id=str(place.tenant_id)) == {
        "batches": 1,
        "claimed": 0,
        "indexed": 0,
        "removed": 0,
        "done": 0,
        "failed": 0,
    }

    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(place.tenant_id)) as uow:
        run = await index_pending_mentions(uow, search=dead_index, now=later())
    assert (run.failed, run.retry_later) == (5, True)
    assert {row.attempts for row in await outbox_rows(database, place.tenant_id)} == {2}

    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(place.tenant_id)) as uow:
        run = await index_pending_mentions(uow, search=search_index, now=later(minutes=120))
    await search_index.refresh(MENTIONS_INDEX)

    assert run == IndexingRun(claimed=5, indexed=5, done=5)
    assert all(row.done_at is not None for row in await outbox_rows(database, place.tenant_id))
    assert await search_index.count_documents(
        MENTIONS_INDEX, tenant_id=place.tenant_id
    ) == await mention_count(database, place.tenant_id)


class MeetsAnotherDrain:
    """The real index, holding each batch until two drains are both writing.

    If the second drain could not take rows while the first holds its own
    (no SKIP LOCKED), the meeting never happens and the test times out.
    """

    def __init__(self, inner: SearchIndex) -> None:
        self._inner = inner
        self._arrived = 0
        self._both_writing = asyncio.Event()
        self.written: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def index_documents(
        self, index: str, documents: Sequence[SearchDocument], **options: Any
    ) -> int:
        self.written.append([document.id for document in documents])
        self._arrived += 1
        if self._arrived == 2:
            self._both_writing.set()
        await asyncio.wait_for(self._both_writing.wait(), timeout=10)
        return await self._inner.index_documents(index, documents, **options)


@pytest.mark.parametrize("backend", ["opensearch"], indirect=True)
async def test_two_concurrent_drains_never_take_the_same_rows(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    ids = await add_mentions(database, place, [f"refund {n}" for n in range(10)])
    meeting = MeetsAnotherDrain(search_index)

    async def drain() -> IndexingRun:
        async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(place.tenant_id)) as uow:
            return await index_pending_mentions(
                uow, search=cast("SearchIndex", meeting), now=utcnow(), batch_size=6
            )

    first, second = await asyncio.gather(drain(), drain())

    assert sorted([first.claimed, second.claimed]) == [4, 6]
    assert first.done + second.done == 10
    one, other = meeting.written
    assert not set(one) & set(other)
    assert sorted(uuid.UUID(i) for i in one + other) == sorted(ids)
    assert all(row.done_at is not None for row in await outbox_rows(database, place.tenant_id))
