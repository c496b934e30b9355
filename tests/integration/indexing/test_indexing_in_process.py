"""The embedded default: the in-process runner drains the outbox periodically, on SQLite."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.documents import MENTIONS_INDEX
from domain.mentions.search import search_mentions
from search.sqlite_fts import SqliteFtsIndex
from tests.factories import TEST_ACTOR
from tests.integration.indexing.indexing_scenario import (
    add_mentions,
    make_place,
    outbox_rows,
    scope,
    staff,
)
from workers.jobs import jobs_by_name
from workers.jobs.indexing import drain_outboxes, start_in_process_schedule
from workers.queue import InProcessJobQueue


@pytest.fixture
async def fts(sqlite_database: Database) -> AsyncIterator[SqliteFtsIndex]:
    index = SqliteFtsIndex(sqlite_database.engine)
    await index.ensure_ready()
    yield index
    await index.close()


@pytest.fixture
async def runner(
    sqlite_database: Database, fts: SqliteFtsIndex
) -> AsyncIterator[InProcessJobQueue]:
    context: dict[str, Any] = {"database": sqlite_database, "search": fts}
    queue = InProcessJobQueue(jobs_by_name(), context)
    context["queue"] = queue
    yield queue
    await queue.close()


async def wait_until_done(database: Database, place_tenant: Any, *, rows: int) -> None:
    for _ in range(200):
        found = await outbox_rows(database, place_tenant)
        if len(found) == rows and all(row.done_at is not None for row in found):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox was not drained in time")


async def test_a_periodic_drain_indexes_new_mentions_until_closed(
    sqlite_database: Database, fts: SqliteFtsIndex, runner: InProcessJobQueue
) -> None:
    place = await make_place(sqlite_database, "agency-a", "alpha")
    runner.run_periodically("drain_outboxes", drain_outboxes, every_seconds=0.05)
    runner.run_periodically("drain_outboxes", drain_outboxes, every_seconds=60)  # kept once

    ids = await add_mentions(sqlite_database, place, ["refund please", "refund again"])
    await wait_until_done(sqlite_database, place.tenant_id, rows=2)

    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope(place.tenant_id)) as uow:
        result = await search_mentions(uow, staff(), search=fts, query="refund")
    assert set(result.mention_ids) == set(ids)

    await runner.close()
    await add_mentions(sqlite_database, place, ["refund after close"])
    await asyncio.sleep(0.2)
    assert [row.done_at is None for row in await outbox_rows(sqlite_database, place.tenant_id)] == [
        False,
        False,
        True,
    ]
    assert await fts.count_documents(MENTIONS_INDEX, tenant_id=place.tenant_id) == 2


async def test_the_schedule_of_the_embedded_default_starts_both_cron_functions(
    runner: InProcessJobQueue,
) -> None:
    start_in_process_schedule(runner)
    start_in_process_schedule(runner)

    assert sorted(runner.periodic_names) == ["drain_outboxes", "sweep_stale_work"]
    await runner.stop_periodic()
    assert runner.periodic_names == ()
