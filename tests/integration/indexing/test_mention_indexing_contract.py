"""The same indexing and search behaviours on PostgreSQL + OpenSearch and on SQLite + FTS5."""

import uuid
from collections.abc import Sequence
from typing import Any, cast

import pytest

from domain.authz.policy import Grantee, Role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.documents import MENTIONS_INDEX
from domain.mentions.search import (
    IndexingRun,
    MentionSearchResult,
    index_due_mentions,
    index_pending_mentions,
    search_mentions,
)
from domain.shared.clock import utcnow
from domain.shared.errors import PermissionDeniedError, ValidationError
from domain.shared.ports import SearchDocument, SearchIndex, SearchWriteError
from tests.factories import TEST_ACTOR, make_brand
from tests.integration.indexing.indexing_scenario import (
    POSTED_AT,
    Place,
    add_mentions,
    add_outbox_message,
    change_mention,
    erase_mention,
    make_place,
    mention_count,
    outbox_rows,
    scope,
    staff,
)


async def drain(database: Database, search: SearchIndex, tenant_id: uuid.UUID) -> IndexingRun:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        run = await index_pending_mentions(uow, search=search, now=utcnow())
    await search.refresh(MENTIONS_INDEX)
    return run


async def find(
    database: Database,
    search: SearchIndex,
    tenant_id: uuid.UUID,
    query: str,
    *,
    grantee: Grantee | None = None,
    filters: dict[str, str] | None = None,
    brand_ids: Sequence[uuid.UUID] | None = None,
) -> MentionSearchResult:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant_id)) as uow:
        return await search_mentions(
            uow,
            grantee or staff(),
            search=search,
            query=query,
            filters=filters,
            brand_ids=brand_ids,
        )


async def found_ids(
    database: Database,
    search: SearchIndex,
    tenant_id: uuid.UUID,
    query: str,
    *,
    grantee: Grantee | None = None,
    filters: dict[str, str] | None = None,
    brand_ids: Sequence[uuid.UUID] | None = None,
) -> set[uuid.UUID]:
    """The ids found, checking the page holds every match."""
    result = await find(
        database, search, tenant_id, query, grantee=grantee, filters=filters, brand_ids=brand_ids
    )
    assert result.total == len(result.hits)
    return set(result.mention_ids)


async def test_outbox_rows_are_indexed_in_one_batch_and_marked_done(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    ids = await add_mentions(
        database, place, ["My refund is late", "Refund please", "Love the new shop"]
    )
    realtime = await add_outbox_message(
        database, place.tenant_id, topic="inbox_event", payload={"kind": "mention_added"}
    )

    run = await drain(database, search_index, place.tenant_id)

    assert run == IndexingRun(claimed=3, indexed=3, removed=0, done=3, failed=0)
    assert await found_ids(database, search_index, place.tenant_id, "refund") == set(ids[:2])
    rows = {row.id: row for row in await outbox_rows(database, place.tenant_id)}
    realtime_row = rows.pop(realtime)
    assert (realtime_row.done_at, realtime_row.attempts) == (None, 0)
    assert all(row.done_at is not None and row.last_error is None for row in rows.values())
    assert await search_index.count_documents(MENTIONS_INDEX, tenant_id=place.tenant_id) == 3
    assert await mention_count(database, place.tenant_id) == 3
    assert await drain(database, search_index, place.tenant_id) == IndexingRun()


async def test_a_hit_carries_highlights_and_the_documented_fields(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    [mention_id] = await add_mentions(
        database,
        place,
        ["Where is my parcel & receipt?"],
        language="en",
        labels={"priority": "hot"},
    )
    await drain(database, search_index, place.tenant_id)

    result = await find(database, search_index, place.tenant_id, "parcel")

    [hit] = result.hits
    assert hit.mention_id == mention_id
    assert hit.highlights == ("Where is my <em>parcel</em> &amp; receipt?",)
    assert dict(hit.fields) == {
        "channel_id": str(place.channel_id),
        "channel_kind": "facebook_page",
        "platform": "facebook",
        "kind": "comment",
        "direction": "inbound",
        "language": "en",
        "author_handle": "jan.k",
        "author_name": "Jan K",
        "posted_at": POSTED_AT.isoformat(),
        "received_at": hit.fields["received_at"],
        "conversation_id": None,
        "customer_id": None,
        "deleted": False,
        "hidden": False,
        "edited": False,
        "has_media": False,
        "triage_status": "pending",
        "priority": "hot",
        "category": "pending",
        "sentiment": "pending",
    }


async def test_filters_match_exactly_and_unknown_ones_are_refused(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    hot, cold = await add_mentions(database, place, ["refund now", "refund later"])
    await change_mention(database, place.tenant_id, hot, labels={"priority": "hot"})
    await change_mention(database, place.tenant_id, cold, hidden_at=utcnow())
    await drain(database, search_index, place.tenant_id)
    tenant = place.tenant_id

    assert await found_ids(database, search_index, tenant, "refund") == {hot, cold}
    assert await found_ids(
        database, search_index, tenant, "refund", filters={"priority": "hot"}
    ) == {hot}
    assert await found_ids(
        database, search_index, tenant, "refund", filters={"priority": "pending"}
    ) == {cold}
    assert await found_ids(
        database, search_index, tenant, "refund", filters={"hidden": "true"}
    ) == {cold}
    assert await found_ids(
        database, search_index, tenant, "refund", filters={"channel_id": str(place.channel_id)}
    ) == {hot, cold}
    with pytest.raises(ValidationError) as refused:
        await find(database, search_index, tenant, "refund", filters={"text": "refund"})
    assert refused.value.field == "filters"
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(tenant)) as uow:
        with pytest.raises(ValidationError) as too_big:
            await search_mentions(uow, staff(), search=search_index, query="refund", page_size=101)
    assert too_big.value.field == "page_size"


async def test_an_older_version_never_replaces_a_newer_one(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    [mention_id] = await add_mentions(database, place, ["first wording"])
    await drain(database, search_index, place.tenant_id)
    stale = SearchDocument(
        id=str(mention_id),
        tenant_id=place.tenant_id,
        brand_id=place.brand_id,
        text="first wording",
        version=1,
    )
    await change_mention(database, place.tenant_id, mention_id, text="second wording")
    assert (await drain(database, search_index, place.tenant_id)).done == 1

    # A late retry of version 1 arrives after version 2: it is skipped, not an error.
    assert await search_index.index_documents(MENTIONS_INDEX, [stale]) == 0
    await search_index.refresh(MENTIONS_INDEX)

    tenant = place.tenant_id
    assert await found_ids(database, search_index, tenant, "second") == {mention_id}
    assert await found_ids(database, search_index, tenant, "first") == set()


async def test_a_row_whose_mention_is_already_indexed_newer_counts_as_done(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    [mention_id] = await add_mentions(database, place, ["first wording"])
    changed = await change_mention(
        database, place.tenant_id, mention_id, text="third wording", with_outbox=False
    )
    newer = SearchDocument(
        id=str(mention_id),
        tenant_id=place.tenant_id,
        brand_id=place.brand_id,
        text="a later state",
        version=changed.version + 1,
    )
    assert await search_index.index_documents(MENTIONS_INDEX, [newer]) == 1

    run = await drain(database, search_index, place.tenant_id)

    assert (run.claimed, run.indexed, run.done, run.failed) == (1, 0, 1, 0)
    assert [row.done_at is not None for row in await outbox_rows(database, place.tenant_id)] == [
        True
    ]
    assert await found_ids(database, search_index, place.tenant_id, "later") == {mention_id}


async def test_deleted_mentions_stop_matching_and_erased_ones_leave_the_index(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    deleted, erased, kept = await add_mentions(
        database, place, ["refund one", "refund two", "refund three"]
    )
    await drain(database, search_index, place.tenant_id)
    await change_mention(database, place.tenant_id, deleted, deleted_at=utcnow())
    await erase_mention(database, place.tenant_id, erased)

    run = await drain(database, search_index, place.tenant_id)

    assert (run.claimed, run.indexed, run.removed, run.done) == (2, 1, 1, 2)
    assert await found_ids(database, search_index, place.tenant_id, "refund") == {kept}
    # The deleted mention stays as an empty tombstone that keeps its version.
    assert await search_index.count_documents(MENTIONS_INDEX, tenant_id=place.tenant_id) == 2
    late = SearchDocument(
        id=str(deleted),
        tenant_id=place.tenant_id,
        brand_id=place.brand_id,
        text="refund one",
        version=1,
    )
    assert await search_index.index_documents(MENTIONS_INDEX, [late]) == 0


async def test_search_is_confined_to_the_tenant_and_to_readable_brands(
    database: Database, search_index: SearchIndex
) -> None:
    alpha = await make_place(database, "agency-a", "alpha")
    beta_brand = await make_brand(database, alpha.tenant_id, "beta")
    beta = Place(alpha.tenant_id, beta_brand.id, alpha.channel_id)
    other = await make_place(database, "agency-b", "gamma")
    [in_alpha] = await add_mentions(database, alpha, ["refund for alpha"])
    [in_beta] = await add_mentions(database, beta, ["refund for beta"])
    [in_other] = await add_mentions(database, other, ["refund for gamma"])
    await drain(database, search_index, alpha.tenant_id)
    await drain(database, search_index, other.tenant_id)
    # A document of tenant A under a brand the tenant does not have: never shown.
    stray = SearchDocument(
        id=str(uuid.uuid4()), tenant_id=alpha.tenant_id, brand_id=uuid.uuid4(), text="refund"
    )
    await search_index.index_documents(MENTIONS_INDEX, [stray])
    await search_index.refresh(MENTIONS_INDEX)
    tenant_a, tenant_b = alpha.tenant_id, other.tenant_id

    assert await found_ids(database, search_index, tenant_a, "refund") == {in_alpha, in_beta}
    assert await found_ids(database, search_index, tenant_b, "refund") == {in_other}
    assert await found_ids(database, search_index, tenant_a, "gamma") == set()
    assert await found_ids(
        database, search_index, tenant_a, "refund", brand_ids=[beta.brand_id]
    ) == {in_beta}
    # Another tenant's brand looks like a brand without matches.
    assert (
        await found_ids(database, search_index, tenant_a, "refund", brand_ids=[other.brand_id])
        == set()
    )
    for role in (Role.OWNER, Role.ADMIN, Role.ANALYST):
        assert await found_ids(database, search_index, tenant_a, "refund", grantee=staff(role)) == {
            in_alpha,
            in_beta,
        }
    client = Grantee(
        role=Role.CLIENT_APPROVER,
        brand_ids=frozenset({alpha.brand_id}),
        scopes=frozenset({"approvals", "reports:read"}),
    )
    without_inbox_scope = Grantee(role=Role.AGENT, brand_ids=frozenset(), scopes=frozenset())
    for grantee in (client, without_inbox_scope):
        with pytest.raises(PermissionDeniedError):
            await find(database, search_index, tenant_a, "refund", grantee=grantee)


class RefusesOne:
    """The real index, except that the backend refuses one document (as for a mapping error)."""

    def __init__(self, inner: SearchIndex, refused_id: uuid.UUID) -> None:
        self._inner = inner
        self._refused = str(refused_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def index_documents(
        self, index: str, documents: Sequence[SearchDocument], **options: Any
    ) -> int:
        accepted = [document for document in documents if document.id != self._refused]
        await self._inner.index_documents(index, accepted, **options)
        raise SearchWriteError(
            "1 document refused",
            refused={self._refused: "400 mapper_parsing_exception"},
            retryable=False,
        )


async def test_a_refused_document_keeps_only_its_own_rows_pending(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    refused, accepted, erased = await add_mentions(
        database, place, ["refund refused", "refund accepted", "refund erased"]
    )
    await drain(database, search_index, place.tenant_id)
    await change_mention(database, place.tenant_id, refused, text="refund refused again")
    await change_mention(database, place.tenant_id, accepted, text="refund accepted again")
    await erase_mention(database, place.tenant_id, erased)
    refusing = cast("SearchIndex", RefusesOne(search_index, refused))

    run = await drain(database, refusing, place.tenant_id)

    assert run == IndexingRun(
        claimed=3, removed=1, done=2, failed=1, error="400 mapper_parsing_exception"
    )
    pending = [row for row in await outbox_rows(database, place.tenant_id) if row.done_at is None]
    assert [(row.payload["mention_id"], row.attempts, row.last_error) for row in pending] == [
        (str(refused), 1, "400 mapper_parsing_exception")
    ]
    assert await found_ids(database, search_index, place.tenant_id, "again") == {accepted}
    assert await found_ids(database, search_index, place.tenant_id, "erased") == set()


async def in_two_lanes(
    database: Database, search: SearchIndex, place: Place, *, batch_size: int, max_batches: int
) -> list[IndexingRun]:
    return await index_due_mentions(
        database,
        scope=scope(place.tenant_id),
        actor=TEST_ACTOR,
        search=search,
        batch_size=batch_size,
        lanes=2,
        max_batches=max_batches,
    )


async def test_two_lanes_deliver_every_due_row_once_and_stop_when_none_is_left(
    database: Database, search_index: SearchIndex
) -> None:
    place = await make_place(database, "agency-a", "alpha")
    texts = [f"parcel number {number}" for number in range(18)]
    ids = await add_mentions(database, place, texts)

    runs = await in_two_lanes(database, search_index, place, batch_size=4, max_batches=100)
    await search_index.refresh(MENTIONS_INDEX)

    # No row was claimed by both lanes, and every one is done.
    assert sum(run.claimed for run in runs) == sum(run.done for run in runs) == len(ids)
    assert any(run.claimed == 0 for run in runs)
    assert all(row.done_at is not None for row in await outbox_rows(database, place.tenant_id))
    assert await found_ids(database, search_index, place.tenant_id, "parcel") == set(ids)


async def test_lanes_stop_at_the_batch_limit(database: Database, search_index: SearchIndex) -> None:
    place = await make_place(database, "agency-a", "alpha")
    await add_mentions(database, place, [f"parcel number {number}" for number in range(10)])

    runs = await in_two_lanes(database, search_index, place, batch_size=2, max_batches=3)

    assert len(runs) <= 4  # a lane checks the limit before each batch
    pending = [row for row in await outbox_rows(database, place.tenant_id) if row.done_at is None]
    assert len(pending) == 10 - sum(run.done for run in runs) > 0
