"""Handshakes as the platforms' SPEC files describe them, and our generic webhook's clock."""

import json
import time
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from arq.connections import ArqRedis

from api.services import Services
from domain.channels.platforms import sign_generic
from domain.ingestion.models import InboundEventStatus
from tests.integration.webhooks.webhook_scenario import (
    GENERIC_SECRET,
    META_APP_ID,
    VK_SECRET,
    X_APP_ID,
    Agency,
    queued_job_ids,
    queued_processing_runs,
    stored_events,
)
from tests.unit.channels.webhook_fixture_manifests import fixture, manifest

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def manifest_query(platform: str) -> dict[str, str]:
    """The query string of the handshake request a manifest records."""
    request = str(manifest(platform)["handshake"]["request"])
    return dict(parse_qsl(urlsplit(request.split(" ", 1)[1]).query))


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
async def test_meta_verification_echoes_the_challenge(
    platform: str, client: httpx.AsyncClient, agency: Agency
) -> None:
    expected = manifest(platform)["handshake"]["expected_response"]

    response = await client.get(f"/webhooks/meta/{META_APP_ID}", params=manifest_query(platform))

    assert (response.status_code, response.text) == (expected["status"], expected["body"])
    assert response.headers["content-type"].startswith("text/plain")


async def test_meta_verification_refuses_a_wrong_token_or_mode(
    client: httpx.AsyncClient, agency: Agency
) -> None:
    good = manifest_query("facebook")
    url = f"/webhooks/meta/{META_APP_ID}"

    wrong_token = await client.get(url, params={**good, "hub.verify_token": "solvia-verify-0000"})
    wrong_mode = await client.get(url, params={**good, "hub.mode": "unsubscribe"})
    no_challenge = await client.get(
        url, params={key: value for key, value in good.items() if key != "hub.challenge"}
    )
    nothing = await client.get(url)

    assert manifest("facebook")["handshake"]["wrong_token_response"] == {"status": 403}
    statuses = [r.status_code for r in (wrong_token, wrong_mode, no_challenge, nothing)]
    assert statuses == [403, 403, 403, 403]


async def test_x_crc_answers_the_manifest_response_token(
    client: httpx.AsyncClient, agency: Agency
) -> None:
    expected = manifest("x")["handshake"]["expected_response"]

    response = await client.get(f"/webhooks/x/{X_APP_ID}", params=manifest_query("x"))
    without_token = await client.get(f"/webhooks/x/{X_APP_ID}")

    assert response.status_code == expected["status"]
    assert response.headers["content-type"] == expected["content_type"]
    assert response.json() == expected["body"]
    assert without_token.status_code == 400


async def test_vk_confirmation_checks_the_secret_and_the_community(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    confirmation = json.loads(fixture("vk", "01_").body)

    with_secret = await client.post(agency.vk_url, json={**confirmation, "secret": VK_SECRET})
    wrong_secret = await client.post(agency.vk_url, json={**confirmation, "secret": "nope"})
    other_group = await client.post(agency.vk_url, json={**confirmation, "group_id": 1})

    assert (with_secret.status_code, with_secret.text) == (200, "5e8c1f27")
    assert (wrong_secret.status_code, other_group.status_code) == (403, 403)
    assert await stored_events(services.database, agency.tenant_id) == []
    assert await queued_job_ids(arq_redis, queue_name) == []


async def test_generic_webhook_accepts_fresh_signatures_only(
    client: httpx.AsyncClient,
    agency: Agency,
    services: Services,
    arq_redis: ArqRedis,
    queue_name: str,
) -> None:
    now = int(time.time())

    async def post(body: bytes, timestamp: int, signature: str) -> int:
        response = await client.post(
            agency.generic_url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Parley-Timestamp": str(timestamp),
                "X-Parley-Signature": signature,
            },
        )
        return response.status_code

    fresh = b'{"id": "crm-1", "kind": "comment", "text": "fresh"}'
    rotated = (
        b'{"id": "crm-2", "kind": "comment", "text": "signed with the old and the new secret"}'
    )
    stale = b'{"id": "crm-3", "kind": "comment", "text": "replayed"}'
    future = b'{"id": "crm-4", "kind": "comment", "text": "from a fast clock"}'
    wrong = b'{"id": "crm-5", "kind": "comment", "text": "forged"}'
    statuses = [
        await post(fresh, now - 10, sign_generic(GENERIC_SECRET, now - 10, fresh)),
        await post(
            rotated,
            now,
            f"{sign_generic('retired-secret', now, rotated)}, "
            f"{sign_generic(GENERIC_SECRET, now, rotated)}",
        ),
        await post(stale, now - 400, sign_generic(GENERIC_SECRET, now - 400, stale)),
        await post(future, now + 400, sign_generic(GENERIC_SECRET, now + 400, future)),
        await post(wrong, now, sign_generic("not-the-secret", now, wrong)),
        # A valid signature of another timestamp: the timestamp is signed too.
        await post(fresh, now - 5, sign_generic(GENERIC_SECRET, now - 10, fresh)),
    ]

    assert statuses == [200, 200, 403, 403, 403, 403]
    events = await stored_events(services.database, agency.tenant_id)
    assert sorted(event.body for event in events) == sorted([fresh, rotated])
    assert {(event.source, event.status) for event in events} == {
        ("generic", InboundEventStatus.PENDING)
    }
    # The first accepted delivery's run is queued, not started: the second joined it.
    first = min(events, key=lambda event: event.received_at)
    assert [
        run["event_id"]
        for run in await queued_processing_runs(arq_redis, queue_name, agency.tenant_id)
    ] == [str(first.id)]
    assert len(await queued_job_ids(arq_redis, queue_name)) == 1
