"""What the receivers write to the log, and how a delivery's dedupe key is made."""

import hashlib
import json
import logging

import httpx
import pytest

from domain.ingestion.service import inbound_dedupe_key
from tests.integration.webhooks.webhook_scenario import (
    META_SECRET,
    TELEGRAM_SECRET,
    Agency,
    deliver,
    meta_signature,
)
from tests.unit.channels.webhook_fixture_manifests import body, fixture


@pytest.mark.postgres
@pytest.mark.redis
async def test_logs_name_outcomes_but_no_content_or_secret(
    client: httpx.AsyncClient, agency: Agency, caplog: pytest.LogCaptureFixture
) -> None:
    dm = fixture("facebook", "08_")
    update = fixture("telegram", "01_")
    unreadable = b'{"update_id": 803311999, "message": "Marek Kowalczyk, PL-2025-118734"}'
    caplog.set_level(logging.DEBUG, logger="parley")

    accepted = await deliver(client, agency, dm)
    forged = await client.post(
        agency.meta_url,
        content=dm.body,
        headers={"X-Hub-Signature-256": meta_signature(dm.body, "guess")},
    )
    stored = await deliver(client, agency, update)
    failed = await client.post(
        agency.telegram_url,
        content=unreadable,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )

    assert [r.status_code for r in (accepted, forged, stored, failed)] == [200, 403, 200, 200]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "webhook meta/902118344576631 accepted: stored" in logged
    assert "webhook meta/902118344576631 refused with 403: webhook_credentials_invalid" in logged
    message = json.loads(dm.body)["entry"][0]["messaging"][0]["message"]["text"]
    sender = json.loads(update.body)["message"]["from"]
    forbidden = [
        message,
        message.encode("unicode_escape").decode(),
        sender["first_name"],
        sender["username"],
        "Marek Kowalczyk",
        "PL-2025",
        META_SECRET,
        TELEGRAM_SECRET,
        dm.headers["X-Hub-Signature-256"],
        meta_signature(dm.body, "guess"),
    ]
    assert [value for value in forbidden if value in logged] == []


def test_a_dedupe_key_comes_from_the_event_keys_not_the_bytes() -> None:
    compact = body("telegram", "01_")
    spaced = json.dumps(json.loads(compact), indent=2).encode()
    keys = sorted(["tg:update:803311047", "tg:msg:523987114:1184"])
    by_keys = "keys:" + hashlib.sha256("\n".join(keys).encode()).hexdigest()

    assert inbound_dedupe_key("telegram", compact) == by_keys
    assert inbound_dedupe_key("telegram", spaced) == by_keys
    assert len(by_keys) == 69


def test_a_body_without_event_keys_is_keyed_by_its_bytes() -> None:
    unreadable = b"<html>not json</html>"
    no_keys = b'{"object":"page","entry":[{"id":"104729384756120","changes":[]}]}'

    assert inbound_dedupe_key("facebook", unreadable) == (
        "body:" + hashlib.sha256(unreadable).hexdigest()
    )
    assert inbound_dedupe_key("facebook", no_keys) == "body:" + hashlib.sha256(no_keys).hexdigest()
    assert inbound_dedupe_key(None, b"{}") == "body:" + hashlib.sha256(b"{}").hexdigest()
