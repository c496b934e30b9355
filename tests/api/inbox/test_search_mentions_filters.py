"""`searchMentions` with several channels, languages, priorities and a date range, paged.

The filters are applied by the search index, so `totalCount` is exact and
pages of any size walk the filtered hits without gaps or repeats; on
OpenSearch (with PostgreSQL) and on the embedded default (SQLite FTS5).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from api.services import Services
from domain.authz.policy import Role
from domain.channels.models import Channel
from domain.mentions.documents import MENTIONS_INDEX, mention_document
from domain.mentions.models import Mention
from domain.shared.ports import SearchDocument
from tests.api.inbox.conftest import World, ask, build_world, gid
from tests.factories import make_channel

SEARCH = """
query($query: String!, $filter: MentionSearchFilter, $first: Int, $after: String) {
  searchMentions(query: $query, filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { id text } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
LANGUAGES = ("en", "de", "fr")
PRIORITIES = ("hot", "cold", "noise")
COUNT = 18


@dataclass(frozen=True)
class Posted:
    number: int
    channel: str
    language: str
    priority: str
    posted_at: datetime


async def _fill(world: World) -> list[Posted]:
    """`COUNT` mentions an hour apart over three channels (two brands), cycling values."""
    extra = await make_channel(
        world.services.database, world.tenant_id, world.brand_ids["acme"], external_account_id="x2"
    )
    channels = {"acme": world.channel_ids["acme"], "globex": world.channel_ids["globex"]}
    posted: list[Posted] = []
    customer = await world.customer("Ann Lee")
    for number in range(COUNT):
        name = ("acme", "globex", "extra")[number % 3]
        language = LANGUAGES[number // 3 % 3]
        priority = PRIORITIES[number // 2 % 3]
        moment = START + timedelta(hours=number)
        await world.conversation(
            customer_id=customer,
            brand="globex" if name == "globex" else "acme",
            channel_id=extra.id if name == "extra" else channels[name],
            texts=(f"parcel {number} is late" + " parcel" * (number % 5),),
            language=language,
            priority=priority,
            opened_at=moment,
        )
        posted.append(Posted(number, name, language, priority, moment))
    other = await world.customer("Eve", tenant_id=world.other_tenant_id)
    await world.conversation(
        customer_id=other,
        tenant_id=world.other_tenant_id,
        brand_id=world.other_brand_id,
        channel_id=world.other_channel_id,
        texts=("parcel parcel parcel",),
        language="en",
        priority="hot",
        opened_at=START + timedelta(hours=2),
    )
    documents: list[SearchDocument] = []
    for tenant_id in (world.tenant_id, world.other_tenant_id):
        async with world.unit_of_work(tenant_id) as uow:
            rows = (
                await uow.session.execute(
                    select(Mention, Channel.kind).join(Channel, Channel.id == Mention.channel_id)
                )
            ).all()
        documents.extend(
            mention_document(mention, channel_kind=str(kind)) for mention, kind in rows
        )
    await world.services.search.index_documents(MENTIONS_INDEX, documents)
    await world.services.search.refresh(MENTIONS_INDEX)
    world.channel_ids["extra"] = extra.id
    return posted


async def _all_pages(
    client: httpx.AsyncClient, token: str, filter_: dict[str, Any], first: int
) -> tuple[list[str], set[int]]:
    """Texts of every page in order, and the `totalCount` values the pages reported."""
    texts: list[str] = []
    totals: set[int] = set()
    after: str | None = None
    while True:
        body = (
            await ask(
                client,
                token,
                SEARCH,
                {"query": "parcel", "filter": filter_, "first": first, "after": after},
            )
        ).json()
        assert "errors" not in body, body
        found = body["data"]["searchMentions"]
        texts.extend(edge["node"]["text"] for edge in found["edges"])
        totals.add(found["totalCount"])
        if not found["pageInfo"]["hasNextPage"]:
            return texts, totals
        assert len(found["edges"]) == first
        after = found["pageInfo"]["endCursor"]


def _number(text: str) -> int:
    return int(text.split()[1])


async def _check_filters(client: httpx.AsyncClient, world: World) -> None:
    posted = await _fill(world)
    token = world.token(Role.AGENT)
    # From 10:00+02:00 is 08:00 UTC, the posting time of mention 0: inclusive, so it is in.
    filter_ = {
        "channelIds": [gid("Channel", world.channel_ids[name]) for name in ("acme", "extra")],
        "languages": ["en", "fr"],
        "priorities": ["HOT", "NOISE"],
        "from": START.astimezone(timezone(timedelta(hours=2))).isoformat(),
        "to": (START + timedelta(hours=15)).isoformat(),
    }
    expected = {
        item.number
        for item in posted
        if item.channel in ("acme", "extra")
        and item.language in ("en", "fr")
        and item.priority in ("hot", "noise")
        and item.number < 15
    }
    assert expected == {0, 6, 11}
    unpaged, totals = await _all_pages(client, token, filter_, first=100)
    assert {_number(text) for text in unpaged} == expected
    assert totals == {len(expected)}
    for first in (1, 2, 3):
        texts, totals = await _all_pages(client, token, filter_, first=first)
        assert texts == unpaged  # same order: no gaps, no repeats
        assert totals == {len(expected)}

    hour_10 = START + timedelta(hours=10)
    window = {"from": hour_10.isoformat(), "to": (hour_10 + timedelta(hours=3)).isoformat()}
    texts, totals = await _all_pages(client, token, window, first=2)
    assert sorted(_number(text) for text in texts) == [10, 11, 12]
    assert totals == {3}
    just_after = {"from": (hour_10 + timedelta(milliseconds=1)).isoformat()}
    texts, _ = await _all_pages(client, token, just_after, first=100)
    assert sorted(_number(text) for text in texts) == list(range(11, COUNT))

    # The other tenant sees only its own mention, whatever the filters.
    theirs, totals = await _all_pages(
        client, world.other_token(), {"languages": ["en", "de"], "priorities": ["HOT"]}, first=5
    )
    assert theirs == ["parcel parcel parcel"]
    assert totals == {1}


@pytest.mark.postgres
@pytest.mark.opensearch
async def test_filters_and_paging_on_opensearch(
    client: httpx.AsyncClient, world: World, services: Services
) -> None:
    await services.search.ensure_ready()
    await _check_filters(client, world)


async def test_filters_and_paging_on_the_embedded_default(embedded: Services) -> None:
    assert embedded.database.dialect == "sqlite"
    world = await build_world(embedded)
    app = create_app(embedded.settings, services=embedded)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo.test") as client:
        await _check_filters(client, world)


async def _check_paging_past_a_stale_hit(client: httpx.AsyncClient, world: World) -> None:
    await _fill(world)
    # A document whose mention is no longer stored, ranked first: the page leaves it
    # out, and the next page must start after it, not one hit early.
    stale = SearchDocument(
        id=str(uuid.uuid4()),
        tenant_id=world.tenant_id,
        brand_id=world.brand_ids["acme"],
        text="parcel " * 20,
        fields={"language": "en", "priority": "hot"},
    )
    await world.services.search.index_documents(MENTIONS_INDEX, [stale])
    await world.services.search.refresh(MENTIONS_INDEX)
    token = world.token(Role.AGENT)

    unpaged, _ = await _all_pages(client, token, {}, first=100)
    assert sorted(_number(text) for text in unpaged) == list(range(COUNT))
    for first in (1, 2):
        texts: list[str] = []
        after: str | None = None
        while True:
            found = (
                await ask(
                    client, token, SEARCH, {"query": "parcel", "first": first, "after": after}
                )
            ).json()["data"]["searchMentions"]
            texts.extend(edge["node"]["text"] for edge in found["edges"])
            if not found["pageInfo"]["hasNextPage"]:
                break
            assert found["pageInfo"]["endCursor"] is not None
            after = found["pageInfo"]["endCursor"]
        assert texts == unpaged  # no repeat after the page that lost the stale hit


@pytest.mark.postgres
@pytest.mark.opensearch
async def test_paging_past_a_hit_whose_mention_is_gone_on_opensearch(
    client: httpx.AsyncClient, world: World, services: Services
) -> None:
    await services.search.ensure_ready()
    await _check_paging_past_a_stale_hit(client, world)


async def test_paging_past_a_hit_whose_mention_is_gone_on_the_embedded_default(
    embedded: Services,
) -> None:
    world = await build_world(embedded)
    app = create_app(embedded.settings, services=embedded)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo.test") as client:
        await _check_paging_past_a_stale_hit(client, world)
