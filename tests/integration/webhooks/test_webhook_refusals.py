"""Deliveries that are refused store nothing; authentic but unreadable ones are kept as failed."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from arq.connections import ArqRedis

from api.services import Services
from api.webhooks.common import MAX_BODY_BYTES
from domain.channels.platforms import sign_generic
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEventStatus
from domain.ingestion.service import list_failed_inbound_events
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.webhooks.webhook_scenario import (
    GENERIC_SECRET,
    META_APP_ID,
    TELEGRAM_BOT,
    VK_GROUP,
    X_SECRET,
    Agency,
    load_channel,
    meta_signature,
    queued_job_ids,
    stored_events,
)
from tests.unit.channels.webhook_fixture_manifests import fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

META_URL = f"/webhooks/meta/{META_APP_ID}"


def x_signature(body: bytes) -> str:
    digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def generic_headers(body: bytes, *, timestamp: int, secret: str = GENERIC_SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Parley-Timestamp": str(timestamp),
        "X-Parley-Signature": sign_generic(secret, timestamp, body),
    }


async def assert_nothing_stored(
    services: Services, agency: Agency, arq_redis: ArqRedis, queue_name: str
) -> None:
    assert await stored_events(services.database, agency.tenant_id) == []
    assert await queued_job_ids(arq_redis, queue_name) == []


def without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key.lower() != name.lower()}


async def test_missing_credentials_get_401_and_store_nothing(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    meta, x, telegram = fixture("facebook", "02_"), fixture("x", "01_"), fixture("telegram", "01_")
    vk_body = json.loads(fixture("vk", "03_").body)
    del vk_body["secret"]
    generic_body = b'{"id": "evt-1", "text": "hello"}'

    responses = [
        await client.post(
            META_URL, content=meta.body, headers=without(meta.headers, "X-Hub-Signature-256")
        ),
        await client.post(
            agency.url_for("x"),
            content=x.body,
            headers=without(x.headers, "X-Twitter-Webhooks-Signature"),
        ),
        await client.post(
            agency.telegram_url,
            content=telegram.body,
            headers=without(telegram.headers, "X-Telegram-Bot-Api-Secret-Token"),
        ),
        await client.post(agency.vk_url, json=vk_body),
        await client.post(agency.vk_url, content=b"not json at all"),
        await client.post(agency.generic_url, content=generic_body),
        await client.post(
            agency.generic_url,
            content=generic_body,
            headers=without(
                generic_headers(generic_body, timestamp=int(time.time())), "X-Parley-Timestamp"
            ),
        ),
    ]

    assert [response.status_code for response in responses] == [401] * 7
    await assert_nothing_stored(services, agency, arq_redis, queue_name)


async def test_wrong_secrets_and_signatures_get_403_and_store_nothing(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    meta, x, telegram = fixture("facebook", "02_"), fixture("x", "01_"), fixture("telegram", "01_")
    vk = fixture("vk", "03_")
    generic_body = b'{"id": "evt-1", "text": "hello"}'
    now = int(time.time())

    responses = [
        await client.post(
            META_URL,
            content=meta.body,
            headers={**meta.headers, "X-Hub-Signature-256": meta_signature(meta.body, "wrong")},
        ),
        await client.post(
            agency.url_for("x"),
            content=x.body,
            headers={**x.headers, "X-Twitter-Webhooks-Signature": "sha256=" + "A" * 43 + "="},
        ),
        await client.post(
            agency.telegram_url,
            content=telegram.body,
            headers={**telegram.headers, "X-Telegram-Bot-Api-Secret-Token": "guessed_token"},
        ),
        await client.post(
            agency.vk_url,
            content=vk.body.replace(b"Solvia_VK_cb_secret_2025", b"Solvia_VK_cb_secret_2024"),
            headers=vk.headers,
        ),
        await client.post(
            agency.generic_url,
            content=generic_body,
            headers=generic_headers(generic_body, timestamp=now, secret="another-secret"),
        ),
    ]

    assert [response.status_code for response in responses] == [403] * 5
    await assert_nothing_stored(services, agency, arq_redis, queue_name)


async def test_a_tampered_body_gets_403_and_stores_nothing(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    meta, x = fixture("facebook", "02_"), fixture("x", "01_")
    tampered_meta = meta.body.replace(b'"verb":"add"', b'"verb":"remove"')
    tampered_x = x.body.replace(b"1453096712384562177", b"1453096712384562178", 1)
    # A parsed and re-serialised body is not the body that was signed.
    reserialised = json.dumps(json.loads(meta.body), ensure_ascii=False).encode()
    assert meta.body not in (tampered_meta, reserialised)
    assert x.body != tampered_x

    responses = [
        await client.post(META_URL, content=tampered_meta, headers=meta.headers),
        await client.post(META_URL, content=reserialised, headers=meta.headers),
        await client.post(agency.url_for("x"), content=tampered_x, headers=x.headers),
    ]

    assert [response.status_code for response in responses] == [403] * 3
    await assert_nothing_stored(services, agency, arq_redis, queue_name)


async def test_a_body_for_accounts_the_tenant_lacks_gets_403(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    unknown_page = fixture("facebook", "02_").body.replace(b"104729384756120", b"555000111222333")
    # An Instagram body names IG accounts: a Facebook Page with that id does not route it.
    instagram_as_page = fixture("instagram", "01_").body.replace(
        b"17841405822304914", b"104729384756120"
    )
    x_body = fixture("x", "01_").body.replace(b'"1453096712384562177"', b'"99"')
    vk_body = fixture("vk", "03_").body.replace(b"227771234", b"227770000")

    responses = [
        await client.post(
            META_URL,
            content=unknown_page,
            headers={"X-Hub-Signature-256": meta_signature(unknown_page)},
        ),
        await client.post(
            META_URL,
            content=instagram_as_page,
            headers={"X-Hub-Signature-256": meta_signature(instagram_as_page)},
        ),
        await client.post(
            agency.url_for("x"),
            content=x_body,
            headers={"X-Twitter-Webhooks-Signature": x_signature(x_body)},
        ),
        await client.post(agency.vk_url, content=vk_body),
    ]

    assert [response.status_code for response in responses] == [403] * 4
    await assert_nothing_stored(services, agency, arq_redis, queue_name)


async def test_unknown_urls_get_404(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    meta, telegram = fixture("facebook", "02_"), fixture("telegram", "01_")
    telegram_channel = str(agency.channel(TELEGRAM_BOT))

    responses = [
        await client.post("/webhooks/meta/1234567", content=meta.body, headers=meta.headers),
        await client.get(
            "/webhooks/meta/1234567",
            params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"},
        ),
        await client.get("/webhooks/x/1234567", params={"crc_token": "abc"}),
        await client.post(
            f"/webhooks/telegram/{uuid.uuid4()}", content=telegram.body, headers=telegram.headers
        ),
        # A channel id under another platform's path is not that platform's URL.
        await client.post(
            f"/webhooks/vk/{telegram_channel}", content=telegram.body, headers=telegram.headers
        ),
        await client.post(f"/webhooks/generic/{'9' * 300}", content=b"{}"),
        await client.post("/webhooks/unknown/1", content=b"{}"),
    ]

    assert [response.status_code for response in responses] == [404] * 7
    await assert_nothing_stored(services, agency, arq_redis, queue_name)


async def test_a_body_over_the_limit_gets_413(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    telegram = fixture("telegram", "01_")
    padded = telegram.body[:-1] + b', "padding": "' + b"x" * MAX_BODY_BYTES + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        yield padded

    response = await client.post(agency.telegram_url, content=padded, headers=telegram.headers)
    streamed = await client.post(
        agency.telegram_url,
        content=chunks(),
        headers=telegram.headers,
    )

    assert (response.status_code, streamed.status_code) == (413, 413)
    await assert_nothing_stored(services, agency, arq_redis, queue_name)


async def test_an_authentic_unreadable_body_is_kept_as_failed_and_not_enqueued(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    telegram_body = b'{"update_id": 803311999, "message": "not an object"}'
    meta_body = b"<html>not json</html>"
    missing_comment_id = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "104729384756120",
                    "time": 1741945267,
                    "changes": [
                        {
                            "field": "feed",
                            "value": {"item": "comment", "verb": "add", "created_time": 1},
                        }
                    ],
                }
            ],
        }
    ).encode()
    now = int(time.time())
    generic_body = b"id=1&text=plain form"

    responses = [
        await client.post(
            agency.telegram_url,
            content=telegram_body,
            headers={"X-Telegram-Bot-Api-Secret-Token": "solvia_tg_wh_7Qm2pX9vLk4Rz8Tn"},
        ),
        await client.post(
            META_URL, content=meta_body, headers={"X-Hub-Signature-256": meta_signature(meta_body)}
        ),
        await client.post(
            META_URL,
            content=missing_comment_id,
            headers={"X-Hub-Signature-256": meta_signature(missing_comment_id)},
        ),
        await client.post(
            agency.generic_url,
            content=generic_body,
            headers=generic_headers(generic_body, timestamp=now),
        ),
    ]
    repeated = await client.post(
        agency.telegram_url,
        content=telegram_body,
        headers={"X-Telegram-Bot-Api-Secret-Token": "solvia_tg_wh_7Qm2pX9vLk4Rz8Tn"},
    )

    assert [response.status_code for response in responses] == [200] * 4
    assert (repeated.status_code, repeated.content) == (200, b"")
    events = await stored_events(services.database, agency.tenant_id)
    summary = sorted(((e.source, e.channel_id, e.error) for e in events), key=str)
    telegram_channel, generic_channel = agency.channel(TELEGRAM_BOT), agency.channel("crm-feed")
    not_an_object = "telegram payload: message: expected an object, got string"
    not_json = "payload is not valid JSON (Expecting value at line 1, column 1)"
    assert summary == sorted(
        [
            ("telegram", telegram_channel, not_an_object),
            ("meta", None, f"meta {not_json}"),
            ("meta", None, "facebook payload: entry[0].changes[0].value.comment_id: missing"),
            ("generic", generic_channel, f"generic {not_json}"),
        ],
        key=str,
    )
    assert {event.status for event in events} == {InboundEventStatus.FAILED}
    assert await queued_job_ids(arq_redis, queue_name) == []

    telegram = await load_channel(services.database, agency.tenant_id, telegram_channel)
    assert (telegram.error_count, telegram.last_error) == (1, not_an_object)
    assert telegram.last_error_at == telegram.last_event_at
    # A batch that names a known Page is routed even when unreadable further in.
    page = await load_channel(
        services.database, agency.tenant_id, agency.channel("104729384756120")
    )
    assert page.error_count == 1
    vk = await load_channel(services.database, agency.tenant_id, agency.channel(VK_GROUP))
    assert (vk.error_count, vk.last_event_at) == (0, None)

    scope = TenantScope(agency.tenant_id)
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=scope) as uow:
        failed = await list_failed_inbound_events(uow)
        of_telegram = await list_failed_inbound_events(uow, channel_id=telegram_channel)
        first_two = await list_failed_inbound_events(uow, limit=2)
    assert sorted(event.id for event in failed) == sorted(event.id for event in events)
    assert [event.body for event in of_telegram] == [telegram_body]
    by_id = sorted(events, key=lambda event: event.id)
    newest_first = sorted(by_id, key=lambda event: event.received_at, reverse=True)
    assert [event.id for event in first_two] == [event.id for event in newest_first[:2]]
