"""Which conversation a customer's message goes to (pure rules)."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.conversations.models import ConversationKind, ConversationStatus
from domain.conversations.rules import (
    DEFAULT_REOPEN_WINDOW,
    Placement,
    conversation_kind,
    place_customer_message,
    status_after_customer_message,
    thread_key,
)

RESOLVED = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
S = ConversationStatus


def place(
    status: ConversationStatus | None,
    message_at: datetime,
    *,
    resolved_at: datetime | None = RESOLVED,
    last_message_at: datetime | None = RESOLVED - timedelta(hours=1),
) -> Placement:
    return place_customer_message(
        status=status,
        resolved_at=resolved_at,
        last_message_at=last_message_at,
        message_at=message_at,
        reopen_window=DEFAULT_REOPEN_WINDOW,
    )


def test_the_default_window_is_seven_days() -> None:
    assert timedelta(days=7) == DEFAULT_REOPEN_WINDOW


def test_no_conversation_opens_one() -> None:
    assert place(None, RESOLVED, resolved_at=None, last_message_at=None) is Placement.OPEN_NEW


@pytest.mark.parametrize("status", [S.NEW, S.OPEN, S.PENDING_CUSTOMER, S.ESCALATED])
def test_an_unfinished_conversation_takes_the_message(status: ConversationStatus) -> None:
    assert place(status, RESOLVED + timedelta(days=90)) is Placement.ADD


@pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED])
@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (timedelta(minutes=5), Placement.REOPEN),
        (timedelta(days=7), Placement.REOPEN),
        (timedelta(days=7, seconds=1), Placement.OPEN_NEW),
        (timedelta(days=30), Placement.OPEN_NEW),
        # Written before the resolution, delivered after it: nobody saw it yet.
        (-timedelta(minutes=30), Placement.REOPEN),
    ],
)
def test_a_finished_conversation_reopens_within_the_window(
    status: ConversationStatus, after: timedelta, expected: Placement
) -> None:
    assert place(status, RESOLVED + after) is expected


def test_without_a_resolution_time_the_last_message_counts() -> None:
    last = RESOLVED - timedelta(days=1)
    assert place(S.CLOSED, last + timedelta(days=6), resolved_at=None, last_message_at=last) is (
        Placement.REOPEN
    )
    assert place(S.CLOSED, last + timedelta(days=8), resolved_at=None, last_message_at=last) is (
        Placement.OPEN_NEW
    )


def test_the_window_is_a_value() -> None:
    assert (
        place_customer_message(
            status=S.RESOLVED,
            resolved_at=RESOLVED,
            last_message_at=RESOLVED,
            message_at=RESOLVED + timedelta(hours=2),
            reopen_window=timedelta(hours=1),
        )
        is Placement.OPEN_NEW
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (S.NEW, S.NEW),
        (S.OPEN, S.OPEN),
        (S.ESCALATED, S.ESCALATED),
        (S.PENDING_CUSTOMER, S.OPEN),
        (S.RESOLVED, S.OPEN),
        (S.CLOSED, S.OPEN),
    ],
)
def test_status_after_a_customer_message(
    before: ConversationStatus, after: ConversationStatus
) -> None:
    assert status_after_customer_message(before) is after


def test_thread_key_is_the_root_or_the_mention_itself() -> None:
    assert thread_key(external_id="c1", root_external_id="post") == "post"
    assert thread_key(external_id="post", root_external_id=None) == "post"


def test_dms_make_direct_conversations() -> None:
    assert conversation_kind("dm") is ConversationKind.DIRECT
    for kind in ("post", "comment", "reply", "review"):
        assert conversation_kind(kind) is ConversationKind.PUBLIC_THREAD
