"""channels (with health and failed inbound events), channelCreate and channelUpdate."""

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from api.graphql.ids import to_global_id
from api.services import Services
from domain.authz.policy import Role
from domain.channels.models import Channel
from domain.channels.service import read_channel_secrets
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEvent, InboundEventStatus
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.api.admin.conftest import Agency, error_codes, gql
from tests.factories import TEST_ACTOR, make_channel

pytestmark = pytest.mark.postgres

CHANNELS = """
query Channels($brandId: ID, $first: Int, $after: String) {
  channels(brandId: $brandId, first: $first, after: $after) {
    nodes {
      id kind name externalAccountId active webhookUrl
      brand { slug }
      health { status lastEventAt errorCount lastError mentionsInLastHour failedEventsInLastHour }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
FAILED = """
query Failed($id: ID!, $first: Int, $after: String) {
  channel(id: $id) {
    name
    failedInboundEvents(first: $first, after: $after) {
      nodes { source dedupeKey receivedAt error attempts bodyExcerpt bodySize }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
CHANNEL_CREATE = """
mutation Create($input: ChannelCreateInput!) {
  channelCreate(input: $input) {
    channel { id kind name externalAccountId active webhookUrl brand { slug } }
    webhookUrl
    generatedSecret
    userErrors { field message code }
  }
}
"""
CHANNEL_UPDATE = """
mutation Update($input: ChannelUpdateInput!) {
  channelUpdate(input: $input) {
    channel { name active health { status } }
    generatedSecret
    userErrors { field message code }
  }
}
"""


async def channel_rows(services: Services, agency: Agency) -> list[Channel]:
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        result = await uow.session.execute(select(Channel).order_by(Channel.name))
        return list(result.scalars())


async def stored_secrets(
    services: Services, agency: Agency, channel_id: uuid.UUID
) -> dict[str, str]:
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        channel = (
            await uow.session.execute(select(Channel).where(Channel.id == channel_id))
        ).scalar_one()
        return read_channel_secrets(uow, channel)


def telegram_input(agency: Agency, **extra: object) -> dict[str, object]:
    return {
        "brandId": agency.brand_gid("acme"),
        "kind": "TELEGRAM",
        "externalAccountId": "4242",
        "name": "Acme bot",
        **extra,
    }


async def test_channels_need_a_token(client: httpx.AsyncClient) -> None:
    body = await gql(client, None, CHANNELS)
    assert body["status_code"] == 401


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.AGENT, Role.ANALYST])
async def test_staff_list_channels_with_health(
    client: httpx.AsyncClient, services: Services, agency: Agency, role: Role
) -> None:
    await make_channel(
        services.database, agency.tenant_id, agency.brand_ids["acme"], external_account_id="p1"
    )
    await make_channel(
        services.database, agency.tenant_id, agency.brand_ids["bolt"], external_account_id="p2"
    )
    body = await gql(client, agency.token(role), CHANNELS)
    nodes = body["data"]["channels"]["nodes"]
    assert [(node["name"], node["brand"]["slug"]) for node in nodes] == [
        ("page p1", "acme"),
        ("page p2", "bolt"),
    ]
    assert nodes[0]["kind"] == "FACEBOOK_PAGE"
    assert nodes[0]["webhookUrl"] is None
    assert nodes[0]["health"] == {
        "status": "UNKNOWN",
        "lastEventAt": None,
        "errorCount": 0,
        "lastError": None,
        "mentionsInLastHour": 0,
        "failedEventsInLastHour": 0,
    }
    only_bolt = await gql(
        client, agency.token(role), CHANNELS, {"brandId": agency.brand_gid("bolt")}
    )
    assert [node["name"] for node in only_bolt["data"]["channels"]["nodes"]] == ["page p2"]
    first = await gql(client, agency.token(role), CHANNELS, {"first": 1})
    page = first["data"]["channels"]["pageInfo"]
    assert page["hasNextPage"] is True
    second = await gql(
        client, agency.token(role), CHANNELS, {"first": 1, "after": page["endCursor"]}
    )
    assert [node["name"] for node in second["data"]["channels"]["nodes"]] == ["page p2"]


@pytest.mark.parametrize("role", [Role.CLIENT_APPROVER, Role.CLIENT_VIEWER])
async def test_client_roles_may_not_read_channels(
    client: httpx.AsyncClient, services: Services, agency: Agency, role: Role
) -> None:
    await make_channel(
        services.database, agency.tenant_id, agency.brand_ids["acme"], external_account_id="p1"
    )
    for variables in ({}, {"brandId": agency.brand_gid("acme")}):
        body = await gql(client, agency.token(role), CHANNELS, variables)
        assert body["data"] is None
        assert error_codes(body) == ["FORBIDDEN"]


async def test_another_agency_sees_no_channel(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    channel = await make_channel(
        services.database, agency.tenant_id, agency.brand_ids["acme"], external_account_id="p1"
    )
    token = rival.token(Role.OWNER)
    assert (await gql(client, token, CHANNELS))["data"]["channels"]["nodes"] == []
    foreign_brand = await gql(client, token, CHANNELS, {"brandId": agency.brand_gid("acme")})
    assert error_codes(foreign_brand) == ["NOT_FOUND"]
    foreign_channel = await gql(client, token, FAILED, {"id": to_global_id("Channel", channel.id)})
    assert error_codes(foreign_channel) == ["NOT_FOUND"]


async def add_failed_events(
    services: Services, agency: Agency, channel_id: uuid.UUID, count: int
) -> None:
    now = utcnow()
    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        for index in range(count):
            uow.session.add(
                InboundEvent(
                    tenant_id=agency.tenant_id,
                    source="meta",
                    dedupe_key=f"body:{index}",
                    channel_id=channel_id,
                    body=("é" * 400 + f"#{index}").encode(),
                    headers={},
                    received_at=now - timedelta(minutes=index),
                    status=InboundEventStatus.FAILED,
                    attempts=1,
                    error=f"unparseable {index}",
                )
            )
        await uow.commit()


async def test_admins_page_through_failed_inbound_events(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    channel = await make_channel(
        services.database, agency.tenant_id, agency.brand_ids["acme"], external_account_id="p1"
    )
    await add_failed_events(services, agency, channel.id, 3)
    gid = to_global_id("Channel", channel.id)
    first = await gql(client, agency.token(Role.ADMIN), FAILED, {"id": gid, "first": 2})
    events = first["data"]["channel"]["failedInboundEvents"]
    assert [node["dedupeKey"] for node in events["nodes"]] == ["body:0", "body:1"]
    assert events["nodes"][0]["error"] == "unparseable 0"
    assert events["nodes"][0]["source"] == "meta"
    assert events["nodes"][0]["bodyExcerpt"] == "é" * 400 + "#0"
    assert events["nodes"][0]["bodySize"] == 802
    assert events["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        client,
        agency.token(Role.OWNER),
        FAILED,
        {"id": gid, "first": 2, "after": events["pageInfo"]["endCursor"]},
    )
    rest_events = rest["data"]["channel"]["failedInboundEvents"]
    assert [node["dedupeKey"] for node in rest_events["nodes"]] == ["body:2"]
    assert rest_events["pageInfo"]["hasNextPage"] is False
    health = await gql(client, agency.token(Role.AGENT), CHANNELS)
    assert health["data"]["channels"]["nodes"][0]["health"]["failedEventsInLastHour"] == 3


@pytest.mark.parametrize("role", [Role.AGENT, Role.ANALYST])
async def test_failed_inbound_events_are_for_channel_managers(
    client: httpx.AsyncClient, services: Services, agency: Agency, role: Role
) -> None:
    channel = await make_channel(
        services.database, agency.tenant_id, agency.brand_ids["acme"], external_account_id="p1"
    )
    await add_failed_events(services, agency, channel.id, 1)
    body = await gql(
        client, agency.token(role), FAILED, {"id": to_global_id("Channel", channel.id)}
    )
    assert body["data"] is None
    assert error_codes(body) == ["FORBIDDEN"]
    assert "é" not in str(body)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
async def test_admins_connect_a_telegram_channel(
    client: httpx.AsyncClient, services: Services, agency: Agency, role: Role
) -> None:
    body = await gql(client, agency.token(role), CHANNEL_CREATE, {"input": telegram_input(agency)})
    payload = body["data"]["channelCreate"]
    assert payload["userErrors"] == []
    channel = payload["channel"]
    rows = await channel_rows(services, agency)
    assert [(row.name, row.external_account_id) for row in rows] == [("Acme bot", "4242")]
    channel_id = rows[0].id
    expected_url = f"{services.settings.public_base_url.rstrip('/')}/webhooks/telegram/{channel_id}"
    assert payload["webhookUrl"] == expected_url
    assert channel == {
        "id": to_global_id("Channel", channel_id),
        "kind": "TELEGRAM",
        "name": "Acme bot",
        "externalAccountId": "4242",
        "active": True,
        "webhookUrl": expected_url,
        "brand": {"slug": "acme"},
    }
    generated = payload["generatedSecret"]
    assert len(generated) >= 40
    assert await stored_secrets(services, agency, channel_id) == {"secret_token": generated}
    assert rows[0].secrets_ciphertext is not None
    assert generated.encode() not in rows[0].secrets_ciphertext
    listed = await gql(client, agency.token(role), CHANNELS)
    assert generated not in str(listed)


async def test_secrets_given_are_write_only(
    client: httpx.AsyncClient, services: Services, agency: Agency
) -> None:
    body = await gql(
        client,
        agency.token(Role.ADMIN),
        CHANNEL_CREATE,
        {
            "input": {
                "brandId": agency.brand_gid("bolt"),
                "kind": "VK",
                "externalAccountId": "club77",
                "secret": "vk-secret-key",
                "confirmationCode": "c0nf1rm",
            }
        },
    )
    payload = body["data"]["channelCreate"]
    assert payload["userErrors"] == []
    assert payload["generatedSecret"] is None
    assert "vk-secret-key" not in str(body)
    assert "c0nf1rm" not in str(body)
    [row] = await channel_rows(services, agency)
    assert await stored_secrets(services, agency, row.id) == {
        "secret": "vk-secret-key",
        "confirmation_code": "c0nf1rm",
    }


async def test_channel_create_refusals_change_nothing(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    await gql(client, agency.token(Role.ADMIN), CHANNEL_CREATE, {"input": telegram_input(agency)})
    cases = [
        (agency.token(Role.ADMIN), telegram_input(agency), ("externalAccountId", "CONFLICT")),
        (
            agency.token(Role.ADMIN),
            telegram_input(agency, kind="VK", externalAccountId="club1", secret="s"),
            ("confirmationCode", "INVALID"),
        ),
        (
            agency.token(Role.ADMIN),
            telegram_input(agency, externalAccountId="5", secret="not valid!"),
            ("secret", "INVALID"),
        ),
        (
            agency.token(Role.ADMIN),
            telegram_input(agency, kind="FACEBOOK_PAGE", externalAccountId="9", appId="nope"),
            ("appId", "NOT_FOUND"),
        ),
        (
            agency.token(Role.AGENT),
            telegram_input(agency, externalAccountId="6"),
            (None, "FORBIDDEN"),
        ),
        (
            agency.token(Role.CLIENT_APPROVER),
            telegram_input(agency, externalAccountId="7"),
            (None, "FORBIDDEN"),
        ),
        (
            rival.token(Role.ADMIN),
            telegram_input(agency, externalAccountId="8"),
            ("brandId", "NOT_FOUND"),
        ),
    ]
    for token, channel_input, expected in cases:
        body = await gql(client, token, CHANNEL_CREATE, {"input": channel_input})
        payload = body["data"]["channelCreate"]
        assert payload["channel"] is None, channel_input
        assert payload["generatedSecret"] is None
        assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [expected]
    assert [row.external_account_id for row in await channel_rows(services, agency)] == ["4242"]
    assert await channel_rows(services, rival) == []


async def test_admins_pause_rename_and_rotate(
    client: httpx.AsyncClient, services: Services, agency: Agency
) -> None:
    created = await gql(
        client, agency.token(Role.ADMIN), CHANNEL_CREATE, {"input": telegram_input(agency)}
    )
    first_secret = created["data"]["channelCreate"]["generatedSecret"]
    gid = created["data"]["channelCreate"]["channel"]["id"]
    body = await gql(
        client,
        agency.token(Role.ADMIN),
        CHANNEL_UPDATE,
        {
            "input": {
                "channelId": gid,
                "name": "Acme support bot",
                "active": False,
                "rotateSecret": True,
            }
        },
    )
    payload = body["data"]["channelUpdate"]
    assert payload["userErrors"] == []
    assert payload["channel"] == {
        "name": "Acme support bot",
        "active": False,
        "health": {"status": "DISABLED"},
    }
    rotated = payload["generatedSecret"]
    assert rotated not in (None, first_secret)
    [row] = await channel_rows(services, agency)
    assert await stored_secrets(services, agency, row.id) == {"secret_token": rotated}
    resumed = await gql(
        client,
        agency.token(Role.OWNER),
        CHANNEL_UPDATE,
        {"input": {"channelId": gid, "active": True}},
    )
    assert resumed["data"]["channelUpdate"]["channel"]["active"] is True
    assert resumed["data"]["channelUpdate"]["generatedSecret"] is None


async def test_channel_update_refusals_change_nothing(
    client: httpx.AsyncClient, services: Services, agency: Agency, rival: Agency
) -> None:
    page = await make_channel(
        services.database,
        agency.tenant_id,
        agency.brand_ids["acme"],
        external_account_id="p1",
    )
    gid = to_global_id("Channel", page.id)
    cases = [
        (agency.token(Role.ADMIN), {"channelId": gid, "rotateSecret": True}, ("secret", "INVALID")),
        (agency.token(Role.ADMIN), {"channelId": gid, "name": " "}, ("name", "INVALID")),
        (agency.token(Role.AGENT), {"channelId": gid, "active": False}, (None, "FORBIDDEN")),
        (agency.token(Role.ANALYST), {"channelId": gid, "name": "x"}, (None, "FORBIDDEN")),
        (rival.token(Role.OWNER), {"channelId": gid, "active": False}, ("channelId", "NOT_FOUND")),
    ]
    for token, change, expected in cases:
        payload = (await gql(client, token, CHANNEL_UPDATE, {"input": change}))["data"][
            "channelUpdate"
        ]
        assert payload["channel"] is None
        assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [expected]
    [row] = await channel_rows(services, agency)
    assert (row.name, row.is_active) == ("page p1", True)
