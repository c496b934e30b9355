"""Customers (list, profile, update, merge), mention search with highlights, triage corrections."""

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from api.services import Services
from domain.authz.policy import Role
from domain.channels.models import Channel
from domain.customers.models import Customer, CustomerIdentity
from domain.mentions.documents import MENTIONS_INDEX, mention_document
from domain.mentions.models import Mention
from tests.api.inbox.conftest import World, ask, build_world, gid

CUSTOMERS = """
query($filter: CustomerFilter, $first: Int, $after: String) {
  customers(filter: $filter, first: $first, after: $after) {
    nodes { id displayName }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CUSTOMER = """
query($id: ID!) {
  customer(id: $id) {
    displayName isVip crmId notes mergedIntoId
    identities { platform platformUserId handle displayName }
    conversations(first: 10) { nodes { id } }
  }
}
"""
UPDATE = """
mutation($input: CustomerUpdateInput!) {
  customerUpdate(input: $input) {
    customer { displayName isVip crmId notes }
    userErrors { field message code }
  }
}
"""
MERGE = """
mutation($input: CustomerMergeInput!) {
  customerMerge(input: $input) {
    customer { id identities { handle } conversations { nodes { id } } }
    userErrors { field message code }
  }
}
"""
SEARCH = """
query($query: String!, $filter: MentionSearchFilter, $first: Int, $after: String) {
  searchMentions(query: $query, filter: $filter, first: $first, after: $after) {
    edges { cursor score node { id text brand { slug } } highlight { field fragments } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
TRIAGE = """
mutation($input: TriageCorrectInput!) {
  triageCorrect(input: $input) {
    mention { labels { priority category corrected } }
    changes { field oldValue newValue }
    userErrors { field message code }
  }
}
"""


async def index_everything(world: World) -> None:
    for tenant_id in (world.tenant_id, world.other_tenant_id):
        async with world.unit_of_work(tenant_id) as uow:
            rows = (
                await uow.session.execute(
                    select(Mention, Channel.kind).join(Channel, Channel.id == Mention.channel_id)
                )
            ).all()
        documents = [mention_document(mention, channel_kind=str(kind)) for mention, kind in rows]
        await world.services.search.index_documents(MENTIONS_INDEX, documents)
    await world.services.search.refresh(MENTIONS_INDEX)


@pytest.mark.postgres
async def test_customer_list_and_profile(client: httpx.AsyncClient, world: World) -> None:
    ann = await world.customer("Ann Lee", handle="annie")
    bob = await world.customer("Bob Stone")
    await world.customer("Eve", tenant_id=world.other_tenant_id)
    ann_conversation = await world.conversation(customer_id=ann, brand="globex")
    token = world.token(Role.AGENT)
    everyone = (await ask(client, token, CUSTOMERS)).json()
    assert [node["displayName"] for node in everyone["data"]["customers"]["nodes"]] == [
        "Bob Stone",
        "Ann Lee",
    ]
    by_handle = (await ask(client, token, CUSTOMERS, {"filter": {"text": "ANNI"}})).json()
    assert by_handle["data"]["customers"]["nodes"] == [
        {"id": gid("Customer", ann), "displayName": "Ann Lee"}
    ]
    by_brand = (
        await ask(
            client, token, CUSTOMERS, {"filter": {"brandId": gid("Brand", world.brand_ids["acme"])}}
        )
    ).json()
    assert by_brand["data"]["customers"]["nodes"] == []
    paged = (await ask(client, token, CUSTOMERS, {"first": 1})).json()["data"]["customers"]
    assert paged["nodes"] == [{"id": gid("Customer", bob), "displayName": "Bob Stone"}]
    rest = (
        await ask(client, token, CUSTOMERS, {"first": 1, "after": paged["pageInfo"]["endCursor"]})
    ).json()
    assert rest["data"]["customers"]["nodes"] == [
        {"id": gid("Customer", ann), "displayName": "Ann Lee"}
    ]

    profile = (await ask(client, token, CUSTOMER, {"id": gid("Customer", ann)})).json()
    assert profile["data"]["customer"]["identities"][0]["handle"] == "annie"
    assert profile["data"]["customer"]["conversations"]["nodes"] == [
        {"id": gid("Conversation", ann_conversation)}
    ]
    for refused_token in (world.other_token(), world.token(Role.CLIENT_APPROVER)):
        body = (await ask(client, refused_token, CUSTOMER, {"id": gid("Customer", ann)})).json()
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    forbidden = (await ask(client, world.token(Role.CLIENT_VIEWER), CUSTOMERS)).json()
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await ask(client, None, CUSTOMERS)).status_code == 401


@pytest.mark.postgres
async def test_customer_update(client: httpx.AsyncClient, world: World) -> None:
    ann = await world.customer("Ann Lee")
    fields = {"customerId": gid("Customer", ann), "isVip": True, "crmId": "CRM-7", "notes": "kind"}
    for token, code in (
        (world.other_token(), "NOT_FOUND"),
        (world.token(Role.CLIENT_APPROVER), "FORBIDDEN"),
        (world.token(Role.ANALYST), "FORBIDDEN"),
    ):
        body = (await ask(client, token, UPDATE, {"input": fields})).json()
        assert [error["code"] for error in body["data"]["customerUpdate"]["userErrors"]] == [code]
    async with world.unit_of_work() as uow:
        unchanged = await uow.session.get(Customer, ann)
    assert unchanged is not None
    assert (unchanged.is_vip, unchanged.crm_id) == (False, None)
    body = (await ask(client, world.token(Role.AGENT), UPDATE, {"input": fields})).json()
    assert body["data"]["customerUpdate"] == {
        "customer": {"displayName": "Ann Lee", "isVip": True, "crmId": "CRM-7", "notes": "kind"},
        "userErrors": [],
    }
    too_long = (
        await ask(
            client,
            world.token(Role.AGENT),
            UPDATE,
            {"input": {"customerId": gid("Customer", ann), "crmId": "x" * 101}},
        )
    ).json()
    assert too_long["data"]["customerUpdate"]["userErrors"] == [
        {"field": "crmId", "message": "at most 100 characters", "code": "INVALID"}
    ]


@pytest.mark.postgres
async def test_customer_merge(client: httpx.AsyncClient, world: World) -> None:
    ann = await world.customer("Ann Lee", handle="ann_fb")
    ann_again = await world.customer("Ann L.", handle="ann_ig", platform="instagram")
    first = await world.conversation(customer_id=ann)
    second = await world.conversation(customer_id=ann_again)
    fields = {
        "sourceCustomerId": gid("Customer", ann_again),
        "targetCustomerId": gid("Customer", ann),
    }
    for role in (Role.ANALYST, Role.CLIENT_VIEWER):
        refused = (await ask(client, world.token(role), MERGE, {"input": fields})).json()
        assert refused["data"]["customerMerge"]["userErrors"][0]["code"] == "FORBIDDEN"
    body = (await ask(client, world.token(Role.AGENT), MERGE, {"input": fields})).json()
    merged = body["data"]["customerMerge"]
    assert merged["userErrors"] == []
    assert sorted(identity["handle"] for identity in merged["customer"]["identities"]) == [
        "ann_fb",
        "ann_ig",
    ]
    assert sorted(node["id"] for node in merged["customer"]["conversations"]["nodes"]) == sorted(
        [gid("Conversation", first), gid("Conversation", second)]
    )
    async with world.unit_of_work() as uow:
        source = await uow.session.get(Customer, ann_again)
        identities = (
            (await uow.session.execute(select(CustomerIdentity.customer_id))).scalars().all()
        )
        moved = (
            (
                await uow.session.execute(
                    select(Mention.customer_id).where(Mention.customer_id == ann)
                )
            )
            .scalars()
            .all()
        )
    assert source is not None
    assert source.merged_into_id == ann
    assert set(identities) == {ann}
    assert len(moved) == 2
    again = (await ask(client, world.token(Role.AGENT), MERGE, {"input": fields})).json()
    assert again["data"]["customerMerge"]["userErrors"][0]["code"] == "CONFLICT"
    itself = (
        await ask(
            client,
            world.token(Role.AGENT),
            MERGE,
            {
                "input": {
                    "sourceCustomerId": gid("Customer", ann),
                    "targetCustomerId": gid("Customer", ann),
                }
            },
        )
    ).json()
    assert itself["data"]["customerMerge"]["userErrors"][0]["field"] == "sourceCustomerId"


@pytest.mark.postgres
@pytest.mark.opensearch
async def test_search_mentions_on_opensearch(
    client: httpx.AsyncClient, world: World, services: Services
) -> None:
    await services.search.ensure_ready()
    ann = await world.customer("Ann Lee")
    refund = await world.conversation(
        customer_id=ann, texts=("I want a refund for my order",), priority="hot"
    )
    await world.conversation(
        customer_id=ann, texts=("refund please",), brand="globex", language="de", priority="cold"
    )
    await world.conversation(customer_id=ann, texts=("just saying hello",))
    other = await world.customer("Eve", tenant_id=world.other_tenant_id)
    await world.conversation(
        customer_id=other,
        tenant_id=world.other_tenant_id,
        brand_id=world.other_brand_id,
        channel_id=world.other_channel_id,
        texts=("refund refund refund",),
    )
    await index_everything(world)
    token = world.token(Role.AGENT)
    body = (await ask(client, token, SEARCH, {"query": "refund"})).json()
    assert "errors" not in body, body
    edges = body["data"]["searchMentions"]["edges"]
    assert sorted(edge["node"]["brand"]["slug"] for edge in edges) == ["acme", "globex"]
    acme_edge = next(edge for edge in edges if edge["node"]["brand"]["slug"] == "acme")
    assert acme_edge["highlight"] == [
        {"field": "text", "fragments": ["I want a <em>refund</em> for my order"]}
    ]
    only_acme = (
        await ask(
            client,
            token,
            SEARCH,
            {"query": "refund", "filter": {"brandIds": [gid("Brand", world.brand_ids["acme"])]}},
        )
    ).json()
    assert [edge["node"]["text"] for edge in only_acme["data"]["searchMentions"]["edges"]] == [
        "I want a refund for my order"
    ]
    by_language = (
        await ask(client, token, SEARCH, {"query": "refund", "filter": {"languages": ["de", "fr"]}})
    ).json()
    assert [edge["node"]["text"] for edge in by_language["data"]["searchMentions"]["edges"]] == [
        "refund please"
    ]
    by_priority = (
        await ask(client, token, SEARCH, {"query": "refund", "filter": {"priorities": ["HOT"]}})
    ).json()
    assert [edge["node"]["text"] for edge in by_priority["data"]["searchMentions"]["edges"]] == [
        "I want a refund for my order"
    ]
    first_page = (await ask(client, token, SEARCH, {"query": "refund", "first": 1})).json()
    page = first_page["data"]["searchMentions"]
    assert page["pageInfo"]["hasNextPage"] is True
    second_page = (
        await ask(
            client,
            token,
            SEARCH,
            {"query": "refund", "first": 1, "after": page["pageInfo"]["endCursor"]},
        )
    ).json()["data"]["searchMentions"]
    assert second_page["pageInfo"]["hasNextPage"] is False
    assert {page["edges"][0]["node"]["id"], second_page["edges"][0]["node"]["id"]} == {
        edge["node"]["id"] for edge in edges
    }
    in_the_inbox = (
        await ask(
            client,
            token,
            "query($f: InboxFilter) { inbox(filter: $f) { nodes { id } } }",
            {"f": {"text": "order"}},
        )
    ).json()
    assert in_the_inbox["data"]["inbox"]["nodes"] == [{"id": gid("Conversation", refund)}]
    theirs = (await ask(client, world.other_token(), SEARCH, {"query": "order"})).json()
    assert theirs["data"]["searchMentions"]["edges"] == []
    client_role = (
        await ask(client, world.token(Role.CLIENT_VIEWER), SEARCH, {"query": "refund"})
    ).json()
    assert client_role["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await ask(client, None, SEARCH, {"query": "refund"})).status_code == 401


@pytest.mark.postgres
async def test_triage_correct(client: httpx.AsyncClient, world: World) -> None:
    ann = await world.customer("Ann Lee")
    conversation = await world.conversation(
        customer_id=ann, priority="cold", labels={"category": "other"}
    )
    async with world.unit_of_work() as uow:
        mention_id = (
            await uow.session.execute(
                select(Mention.id).where(Mention.conversation_id == conversation)
            )
        ).scalar_one()
    fields = {"mentionId": gid("Mention", mention_id), "priority": "HOT"}
    for token, code in (
        (world.other_token(), "NOT_FOUND"),
        (world.token(Role.ANALYST), "FORBIDDEN"),
    ):
        body = (await ask(client, token, TRIAGE, {"input": fields})).json()
        assert [error["code"] for error in body["data"]["triageCorrect"]["userErrors"]] == [code]
    body = (await ask(client, world.token(Role.AGENT), TRIAGE, {"input": fields})).json()
    assert body["data"]["triageCorrect"] == {
        "mention": {"labels": {"priority": "hot", "category": "other", "corrected": True}},
        "changes": [{"field": "priority", "oldValue": "cold", "newValue": "hot"}],
        "userErrors": [],
    }
    invalid = (
        await ask(
            client,
            world.token(Role.AGENT),
            TRIAGE,
            {"input": {"mentionId": gid("Mention", mention_id), "category": "no-such-category"}},
        )
    ).json()
    assert invalid["data"]["triageCorrect"]["userErrors"][0]["code"] == "INVALID_LABEL"
    assert invalid["data"]["triageCorrect"]["userErrors"][0]["field"] == "category"


async def test_search_mentions_on_the_embedded_default(embedded: Services) -> None:
    assert embedded.database.dialect == "sqlite"
    world = await build_world(embedded)
    ann = await world.customer("Ann Lee")
    await world.conversation(customer_id=ann, texts=("my parcel never arrived",))
    await world.conversation(customer_id=ann, texts=("thanks a lot",))
    await index_everything(world)
    app = create_app(embedded.settings, services=embedded)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo.test") as client:
        body = (await ask(client, world.token(Role.AGENT), SEARCH, {"query": "parcel"})).json()
        inbox = (await ask(client, world.token(Role.AGENT), "{ inbox { nodes { id } } }")).json()
    assert "errors" not in body, body
    edges = body["data"]["searchMentions"]["edges"]
    assert [edge["node"]["text"] for edge in edges] == ["my parcel never arrived"]
    assert edges[0]["highlight"] == [
        {"field": "text", "fragments": ["my <em>parcel</em> never arrived"]}
    ]
    assert len(inbox["data"]["inbox"]["nodes"]) == 2
