"""`any_of` and posting-time `ranges` of the search port, applied by the index on both backends.

The same documents and expectations run against OpenSearch and SQLite FTS5:
the filters narrow the hits inside the index, so `total` counts exactly the
filtered matches and a small `limit` returns the best of them.
"""

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from domain.shared.ports import SearchDocument, SearchIndex, SearchPage
from search.errors import InvalidFilterError
from search.opensearch import OpenSearchIndex, create_opensearch_client
from search.sqlite_fts import SqliteFtsIndex

TENANT = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
OTHER_TENANT = uuid.UUID("00000000-0000-4000-8000-0000000000c2")
BRAND = uuid.UUID("00000000-0000-4000-8000-0000000000d1")
OTHER_BRAND = uuid.UUID("00000000-0000-4000-8000-0000000000d2")
START = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
CHANNELS = ("chan-a", "chan-b", "chan-c")
LANGUAGES = ("en", "de", "pl")
PRIORITIES = ("hot", "normal", "low")
#: Documents `m-00`…`m-29`, posted one hour apart from `START`.
COUNT = 30


def _posted(number: int) -> dt.datetime:
    return START + dt.timedelta(hours=number)


def _document(number: int, *, tenant_id: uuid.UUID = TENANT) -> SearchDocument:
    # Posting times are stored with a +02:00 offset for odd numbers: the range
    # must compare instants, not text.
    posted = _posted(number)
    if number % 2:
        posted = posted.astimezone(dt.timezone(dt.timedelta(hours=2)))
    return SearchDocument(
        id=f"m-{number:02d}",
        tenant_id=tenant_id,
        brand_id=BRAND if number % 5 else OTHER_BRAND,
        text=f"refund request number {number}" + " refund" * (number % 4),
        fields={
            "channel_id": CHANNELS[number % 3],
            "language": LANGUAGES[number % 3 if number % 2 else 0],
            "priority": PRIORITIES[number % 3 if number % 4 else 2],
            "posted_at": posted.isoformat(),
        },
        version=1,
    )


DOCUMENTS = tuple(_document(number) for number in range(COUNT))
# The other tenant holds the same ids and values: none of them may appear.
OTHER_DOCUMENTS = tuple(_document(number, tenant_id=OTHER_TENANT) for number in range(COUNT))
UNDATED = SearchDocument(
    id="undated",
    tenant_id=TENANT,
    brand_id=BRAND,
    text="refund without a posting time",
    fields={"channel_id": "chan-a", "language": "en", "priority": "hot", "posted_at": None},
)


@pytest.fixture(params=["sqlite", pytest.param("opensearch", marks=pytest.mark.opensearch)])
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchIndex]:
    """A search index of either backend, filled with the documents above."""
    if request.param == "sqlite":
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'search.db'}")
        sqlite_index = SqliteFtsIndex(engine)
        try:
            await _fill(sqlite_index)
            yield sqlite_index
        finally:
            await engine.dispose()
        return
    prefix = f"parley-test-{uuid.uuid4().hex[:12]}"
    client = create_opensearch_client(request.getfixturevalue("opensearch_url"))
    opensearch_index = OpenSearchIndex(client, prefix=prefix)
    try:
        await _fill(opensearch_index)
        await opensearch_index.refresh("mentions")
        yield opensearch_index
    finally:
        for logical in ("mentions", "qna"):
            await client.indices.delete(index=f"{prefix}-{logical}-v1", ignore_unavailable=True)
            await client.indices.delete_index_template(
                name=f"{prefix}-{logical}-template", ignore=[404]
            )
        await client.close()


async def _fill(index: SearchIndex) -> None:
    await index.ensure_ready()
    documents = (*DOCUMENTS, *OTHER_DOCUMENTS, UNDATED)
    assert await index.index_documents("mentions", documents) == len(documents)


async def _search(index: SearchIndex, *, limit: int = 100, **conditions: Any) -> SearchPage:
    return await index.search(
        "mentions",
        tenant_id=TENANT,
        query="refund",
        limit=limit,
        **conditions,
    )


def _ids(page: SearchPage) -> list[str]:
    return sorted(hit.id for hit in page.hits)


def _expected(**wanted: tuple[str, ...]) -> list[str]:
    return sorted(
        document.id
        for document in DOCUMENTS
        if all(document.fields[name] in values for name, values in wanted.items())
    )


async def test_range_includes_from_and_excludes_to(index: SearchIndex) -> None:
    page = await _search(index, ranges={"posted_at": (_posted(3), _posted(7))})
    assert _ids(page) == ["m-03", "m-04", "m-05", "m-06"]
    assert page.total == 4


async def test_bounds_in_other_zones_compare_as_instants(index: SearchIndex) -> None:
    kolkata = dt.timezone(dt.timedelta(hours=5, minutes=30))
    new_york = dt.timezone(dt.timedelta(hours=-5))
    page = await _search(
        index,
        ranges={"posted_at": (_posted(10).astimezone(kolkata), _posted(13).astimezone(new_york))},
    )
    assert _ids(page) == ["m-10", "m-11", "m-12"]


async def test_a_bound_without_a_zone_is_utc(index: SearchIndex) -> None:
    naive_to = _posted(2).replace(tzinfo=None)
    assert _ids(await _search(index, ranges={"posted_at": (None, naive_to)})) == ["m-00", "m-01"]


async def test_one_millisecond_off_the_bounds(index: SearchIndex) -> None:
    millisecond = dt.timedelta(milliseconds=1)
    after_from = await _search(index, ranges={"posted_at": (_posted(5) + millisecond, _posted(8))})
    assert _ids(after_from) == ["m-06", "m-07"]
    past_to = await _search(index, ranges={"posted_at": (_posted(5), _posted(8) + millisecond)})
    assert _ids(past_to) == ["m-05", "m-06", "m-07", "m-08"]


async def test_open_ended_ranges(index: SearchIndex) -> None:
    since = await _search(index, ranges={"posted_at": (_posted(27), None)})
    assert _ids(since) == ["m-27", "m-28", "m-29"]
    unbounded = await _search(index, ranges={"posted_at": (None, None)})
    assert unbounded.total == COUNT + 1  # no condition at all: the undated one too


async def test_documents_without_a_posting_time_never_match_a_bounded_range(
    index: SearchIndex,
) -> None:
    everything = await _search(index, ranges={"posted_at": (START - dt.timedelta(days=3650), None)})
    assert "undated" not in _ids(everything)
    assert everything.total == COUNT


async def test_any_of_matches_one_of_several_values_per_field(index: SearchIndex) -> None:
    channels = await _search(index, any_of={"channel_id": ["chan-a", "chan-c"]})
    assert _ids(channels) == sorted([*_expected(channel_id=("chan-a", "chan-c")), "undated"])
    combined = {
        "channel_id": ("chan-a", "chan-b"),
        "language": ("en", "de"),
        "priority": ("hot", "low"),
    }
    page = await _search(index, any_of=combined, ranges={"posted_at": (START, None)})
    assert _ids(page) == _expected(**combined)
    assert page.total == len(_expected(**combined)) > 0


async def test_any_of_combines_with_exact_filters_and_brands(index: SearchIndex) -> None:
    page = await _search(
        index,
        brand_ids=[BRAND],
        filters={"language": "en"},
        any_of={"priority": ["hot", "normal"]},
        ranges={"posted_at": (START, None)},
    )
    assert _ids(page) == sorted(
        document.id
        for document in DOCUMENTS
        if document.brand_id == BRAND
        and document.fields["language"] == "en"
        and document.fields["priority"] in ("hot", "normal")
    )


async def test_any_of_without_values_matches_nothing(index: SearchIndex) -> None:
    page = await _search(index, any_of={"channel_id": [], "language": ["en"]})
    assert page == SearchPage(total=0, hits=())


async def test_total_is_exact_with_filters_beyond_the_limit(index: SearchIndex) -> None:
    wanted = {"channel_id": ("chan-a", "chan-b")}
    page = await _search(
        index, limit=3, any_of=wanted, ranges={"posted_at": (_posted(0), _posted(24))}
    )
    expected = [
        document.id
        for document in DOCUMENTS[:24]
        if document.fields["channel_id"] in wanted["channel_id"]
    ]
    assert page.total == len(expected) == 16
    assert len(page.hits) == 3
    assert set(_ids(page)) <= set(expected)


async def test_growing_limits_page_through_the_filtered_hits_without_gaps_or_repeats(
    index: SearchIndex,
) -> None:
    """The service pages by asking for `offset + limit + 1` hits and slicing."""
    conditions: dict[str, Any] = {
        "any_of": {"language": ["en", "pl"]},
        "ranges": {"posted_at": (_posted(1), _posted(29))},
    }
    everything = await _search(index, **conditions)
    best_first = [hit.id for hit in everything.hits]
    assert sorted(best_first) == sorted(
        document.id for document in DOCUMENTS[1:29] if document.fields["language"] in ("en", "pl")
    )
    paged: list[str] = []
    size = 4
    for offset in range(0, len(best_first), size):
        page = await _search(index, limit=offset + size + 1, **conditions)
        assert page.total == len(best_first)
        paged.extend(hit.id for hit in page.hits[offset : offset + size])
    assert paged == best_first


async def test_filters_stay_inside_the_tenant(index: SearchIndex) -> None:
    page = await index.search(
        "mentions",
        tenant_id=OTHER_TENANT,
        query="refund",
        any_of={"channel_id": ["chan-a", "chan-b", "chan-c"]},
        ranges={"posted_at": (START, None)},
        limit=100,
    )
    assert page.total == COUNT
    mine = await _search(index, ranges={"posted_at": (START, None)})
    assert mine.total == COUNT
    unknown = await index.search(
        "mentions",
        tenant_id=uuid.uuid4(),
        query="refund",
        any_of={"channel_id": ["chan-a"]},
        ranges={"posted_at": (START, None)},
    )
    assert unknown == SearchPage(total=0, hits=())


async def test_ranges_on_fields_that_are_not_dates_are_refused(index: SearchIndex) -> None:
    with pytest.raises(InvalidFilterError):
        await _search(index, ranges={"language": (START, None)})
    with pytest.raises(InvalidFilterError):
        await _search(index, any_of={"bad key": ["x"]})
