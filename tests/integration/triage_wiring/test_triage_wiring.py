"""Ingested webhook fixtures end labelled by the triage pipeline, and conversations follow."""

import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.conversations.models import Conversation
from domain.db.session import Database
from domain.ingestion.processing import TriageService
from domain.mentions.documents import mention_document
from domain.mentions.models import Mention
from domain.triage.ingestion import TRIAGED_EVENT, conversation_priority
from tests.integration.processing.conftest import (
    RECEIVED_AT,
    SOURCES,
    Solvia,
    channel_for,
    conversations_of,
    events_of,
    facebook_comment,
    make_solvia,
    mentions_of,
    outbox_of,
    store_event,
)
from tests.unit.channels.webhook_fixture_manifests import body
from workers.jobs.ingestion import TRIAGE_CTX_KEY, process_inbound_event

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "webhooks"
PLATFORMS = ("facebook", "instagram", "x", "telegram", "vk")

#: Clear fixtures and their exact labels: (language, priority, category, sentiment).
POLISH_LOGIN_COMPLAINT = "523987114:1184"
ITALIAN_SPAM = "122158734409283716_1187792218837645"
ITALIAN_PRAISE = "18139902745610038"


def fixture_prefixes(platform: str) -> list[str]:
    return sorted(path.name[:3] for path in (FIXTURES / platform).glob("[0-9][0-9]_*.json"))


async def deliver_all(
    database: Database, solvia: Solvia, triage: TriageService, platforms: tuple[str, ...]
) -> list[uuid.UUID]:
    """Store every fixture of `platforms` as an event and run the job on each, in order."""
    event_ids = []
    for platform in platforms:
        for prefix in fixture_prefixes(platform):
            event_id = await store_event(
                database,
                solvia.tenant_id,
                source=SOURCES[platform],
                payload=body(platform, prefix),
                channel_id=channel_for(solvia, platform),
            )
            await run(database, solvia, triage, event_id)
            event_ids.append(event_id)
    return event_ids


async def run(
    database: Database, solvia: Solvia, triage: TriageService, event_id: uuid.UUID
) -> Any:
    ctx = {"database": database, "job_try": 1, TRIAGE_CTX_KEY: triage}
    return await process_inbound_event(ctx, tenant_id=str(solvia.tenant_id), event_id=str(event_id))


def summary(item: Mention) -> tuple[str | None, str, str, str]:
    labels = item.labels
    return (item.language, labels["priority"], labels["category"], labels["sentiment"])


def snapshot(items: list[Mention]) -> list[tuple[Any, ...]]:
    return [
        (item.id, item.triage_status, item.language, item.labels, item.reasons, item.version)
        for item in items
    ]


def expected_priorities(
    mentions: list[Mention], conversations: list[Conversation]
) -> dict[uuid.UUID, str | None]:
    open_priorities: dict[uuid.UUID, list[str | None]] = defaultdict(list)
    for item in mentions:
        if (
            item.conversation_id is not None
            and item.direction.value == "inbound"
            and item.deleted_at is None
            and item.hidden_at is None
        ):
            open_priorities[item.conversation_id].append(item.labels.get("priority"))
    return {
        conversation.id: conversation_priority(open_priorities[conversation.id])
        for conversation in conversations
    }


@pytest.mark.postgres
async def test_ingested_fixtures_end_labelled_and_conversations_follow(
    pg_database: Database, pipeline_triage: TriageService
) -> None:
    solvia = await make_solvia(pg_database)
    event_ids = await deliver_all(pg_database, solvia, pipeline_triage, PLATFORMS)

    mentions = await mentions_of(pg_database, solvia.tenant_id)
    inbound = [item for item in mentions if item.direction.value == "inbound"]
    outbound = [item for item in mentions if item.direction.value == "outbound"]
    assert inbound
    assert outbound
    for item in inbound:
        assert item.triage_status.value == "done"
        assert item.language
        assert item.reasons
        assert {"priority", "category", "sentiment", "sensitive_data", "needs_private"} <= set(
            item.labels
        )
    # The brand's own messages are activity, not mentions to triage.
    for item in outbound:
        assert (item.triage_status.value, item.language, item.labels, item.reasons) == (
            "pending",
            None,
            {},
            [],
        )

    by_external_id = {item.external_id: item for item in mentions}
    assert summary(by_external_id[POLISH_LOGIN_COMPLAINT]) == ("pl", "hot", "complaint", "negative")
    assert summary(by_external_id[ITALIAN_SPAM]) == ("it", "noise", "spam", "neutral")
    assert summary(by_external_id[ITALIAN_PRAISE]) == ("it", "cold", "praise", "positive")
    assert by_external_id[POLISH_LOGIN_COMPLAINT].reasons[0].startswith("language pl")
    # The labels reach the search index: the document of the row ingestion queued for
    # indexing (at the mention's current version) carries them.
    complaint = by_external_id[POLISH_LOGIN_COMPLAINT]
    fields = mention_document(complaint, channel_kind="telegram").fields
    assert (fields["triage_status"], fields["language"], fields["priority"]) == (
        "done",
        "pl",
        "hot",
    )
    assert (fields["category"], fields["sentiment"]) == ("complaint", "negative")
    assert {"mention_id": str(complaint.id), "version": complaint.version} in await outbox_of(
        pg_database, solvia.tenant_id, "index_mention"
    )

    conversations = await conversations_of(pg_database, solvia.tenant_id)
    assert {"hot", "cold"} <= {conversation.priority for conversation in conversations}
    assert {
        conversation.id: conversation.priority for conversation in conversations
    } == expected_priorities(mentions, conversations)
    complaint_thread = by_external_id[POLISH_LOGIN_COMPLAINT].conversation_id
    assert complaint_thread is not None
    triaged = [
        data
        for kind, data in await events_of(pg_database, solvia.tenant_id, complaint_thread)
        if kind == TRIAGED_EVENT
    ]
    assert triaged[0]["priority"] == "hot"
    assert str(by_external_id[POLISH_LOGIN_COMPLAINT].id) in triaged[0]["mention_ids"]

    # The spam comment was triaged as noise, then hidden: its thread has no open message.
    spam_thread = by_external_id[ITALIAN_SPAM].conversation_id
    assert spam_thread is not None
    assert [
        (data["previous_priority"], data["priority"])
        for kind, data in await events_of(pg_database, solvia.tenant_id, spam_thread)
        if kind == TRIAGED_EVENT
    ] == [(None, "noise"), ("noise", None)]

    # Running every job again changes nothing: the events are processed already.
    before = snapshot(mentions)
    events_before = await events_of(pg_database, solvia.tenant_id, complaint_thread)
    for event_id in event_ids:
        assert (await run(pg_database, solvia, pipeline_triage, event_id))["status"] == "skipped"
    assert snapshot(await mentions_of(pg_database, solvia.tenant_id)) == before
    assert await events_of(pg_database, solvia.tenant_id, complaint_thread) == events_before
    assert [
        (conversation.id, conversation.priority)
        for conversation in await conversations_of(pg_database, solvia.tenant_id)
    ] == [(conversation.id, conversation.priority) for conversation in conversations]


async def test_triage_wiring_on_the_embedded_database(
    sqlite_database: Database, pipeline_triage: TriageService
) -> None:
    solvia = await make_solvia(sqlite_database)
    await deliver_all(sqlite_database, solvia, pipeline_triage, ("telegram",))

    mentions = await mentions_of(sqlite_database, solvia.tenant_id)
    by_external_id = {item.external_id: item for item in mentions}
    assert summary(by_external_id[POLISH_LOGIN_COMPLAINT]) == ("pl", "hot", "complaint", "negative")
    assert {item.triage_status.value for item in mentions if item.direction.value == "inbound"} == {
        "done"
    }
    conversations = await conversations_of(sqlite_database, solvia.tenant_id)
    assert {
        conversation.id: conversation.priority for conversation in conversations
    } == expected_priorities(mentions, conversations)


def test_conversation_priority_is_the_highest_triaged_one() -> None:
    assert conversation_priority(["cold", "hot", "noise"]) == "hot"
    assert conversation_priority(["noise", "cold", None]) == "cold"
    assert conversation_priority(["noise", "noise"]) == "noise"
    assert conversation_priority([None, "unknown"]) is None
    assert conversation_priority([]) is None


OUTAGE_REPORTS = (
    "The Solvia app is down, I can't log in since this morning!",
    "Is the app down? Cannot log in at all, error every time",
    "App not working again, login fails with an error. Fix it please",
    "Solvia app down for me too, can't log in",
    "Login is broken, the app is not working for me either",
)


@pytest.mark.postgres
async def test_a_burst_spread_over_deliveries_becomes_one_incident(
    pg_database: Database, pipeline_triage: TriageService
) -> None:
    solvia = await make_solvia(pg_database)
    start = RECEIVED_AT - timedelta(minutes=30)
    for index, message in enumerate(OUTAGE_REPORTS):
        event_id = await store_event(
            pg_database,
            solvia.tenant_id,
            source="meta",
            payload=facebook_comment(
                comment_id=f"122158734409283716_90000{index}",
                created=start + timedelta(minutes=3 * index),
                author_id=f"84120933755210{index}",
                author_name="Test Author",
                message=message,
            ),
        )
        await run(pg_database, solvia, pipeline_triage, event_id)

    reports = [
        item
        for item in await mentions_of(pg_database, solvia.tenant_id)
        if item.external_id.startswith("122158734409283716_90000")
    ]
    incidents = [item.labels["incident"] for item in sorted(reports, key=lambda m: m.external_id)]
    # Each delivery is its own job: the earlier reports are replayed into the detector,
    # so the post that completes the burst opens the incident, the posts that formed it
    # get its key afterwards, and later ones join it.
    assert incidents[0] == "polska-outage-20250320-1130"
    assert incidents == [incidents[0]] * len(OUTAGE_REPORTS)
    assert {item.labels["priority"] for item in reports} == {"hot"}
