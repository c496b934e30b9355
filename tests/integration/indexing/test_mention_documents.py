"""Mentions as search documents, and the outbox retry delays: pure rules, no I/O."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.db.outbox import retry_delay
from domain.mentions.documents import FILTERABLE_FIELDS, mention_document, triage_labels
from domain.mentions.models import Mention, MentionDirection, TriageStatus
from domain.shared.ports import SearchDocument

TENANT = uuid.UUID("00000000-0000-4000-8000-00000000000a")
BRAND = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
CHANNEL = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
MENTION = uuid.UUID("00000000-0000-4000-8000-0000000000e1")
CONVERSATION = uuid.UUID("00000000-0000-4000-8000-0000000000f1")
POSTED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def mention(**values: object) -> Mention:
    defaults: dict[str, object] = {
        "id": MENTION,
        "tenant_id": TENANT,
        "brand_id": BRAND,
        "channel_id": CHANNEL,
        "conversation_id": CONVERSATION,
        "customer_id": None,
        "external_id": "c-1",
        "platform": "instagram",
        "kind": "dm",
        "direction": MentionDirection.INBOUND,
        "author_handle": "ola",
        "author_name": "Ola",
        "text": "Gdzie jest moja paczka?",
        "has_media": True,
        "posted_at": POSTED,
        "received_at": POSTED + timedelta(seconds=3),
        "edited_at": None,
        "deleted_at": None,
        "hidden_at": None,
        "triage_status": TriageStatus.DONE,
        "language": "pl",
        "labels": {"priority": "hot", "category": "complaint", "sentiment": "negative"},
        "version": 4,
    }
    return Mention(**{**defaults, **values})


def test_a_mention_maps_to_its_document() -> None:
    assert mention_document(mention(), channel_kind="instagram") == SearchDocument(
        id=str(MENTION),
        tenant_id=TENANT,
        brand_id=BRAND,
        text="Gdzie jest moja paczka?",
        fields={
            "channel_id": str(CHANNEL),
            "channel_kind": "instagram",
            "platform": "instagram",
            "kind": "dm",
            "direction": "inbound",
            "language": "pl",
            "author_handle": "ola",
            "author_name": "Ola",
            "posted_at": "2026-11-02T09:30:00+00:00",
            "received_at": "2026-11-02T09:30:03+00:00",
            "conversation_id": str(CONVERSATION),
            "customer_id": None,
            "deleted": False,
            "hidden": False,
            "edited": False,
            "has_media": True,
            "triage_status": "done",
            "priority": "hot",
            "category": "complaint",
            "sentiment": "negative",
        },
        version=4,
    )


def test_a_deleted_mention_is_an_empty_tombstone_and_a_hidden_one_keeps_its_text() -> None:
    deleted = mention_document(mention(deleted_at=POSTED, version=5), channel_kind="x")
    hidden = mention_document(mention(hidden_at=POSTED, edited_at=POSTED), channel_kind="x")

    assert (deleted.text, deleted.fields["deleted"], deleted.version) == ("", True, 5)
    assert (hidden.text, hidden.fields["hidden"], hidden.fields["edited"]) == (
        "Gdzie jest moja paczka?",
        True,
        True,
    )


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({}, {"priority": "pending", "category": "pending", "sentiment": "pending"}),
        (
            {"priority": "cold", "category": "", "sentiment": {"score": -0.4}},
            {"priority": "cold", "category": "pending", "sentiment": "pending"},
        ),
        (
            {"priority": "noise", "category": "spam", "sentiment": "neutral", "extra": "x"},
            {"priority": "noise", "category": "spam", "sentiment": "neutral"},
        ),
    ],
)
def test_triage_labels_read_pending_until_set(
    labels: dict[str, object], expected: dict[str, str]
) -> None:
    assert triage_labels(labels) == expected


def test_every_filterable_field_is_in_every_document() -> None:
    assert set(mention_document(mention(), channel_kind="x").fields) >= FILTERABLE_FIELDS


def test_retry_delays_double_from_five_seconds_up_to_ten_minutes() -> None:
    assert [retry_delay(attempts).total_seconds() for attempts in (1, 2, 3, 4, 7, 8, 30)] == [
        5,
        10,
        20,
        40,
        320,
        600,
        600,
    ]
