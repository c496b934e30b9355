"""Pure rules of conversation work and the Relay helpers (no I/O)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.graphql.relay import (
    InvalidPageArgumentsError,
    decode_cursor,
    encode_cursor,
    page_request,
    slice_rows,
)
from domain.conversations.keyset import KeysetWindow
from domain.conversations.models import ConversationStatus as S
from domain.conversations.rules import (
    MAX_NOTE_LENGTH,
    can_change_status,
    clean_note,
    is_snoozed,
    resolved_at_after,
    snooze_problem,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

ALLOWED = {
    (S.NEW, S.OPEN), (S.NEW, S.PENDING_CUSTOMER), (S.NEW, S.ESCALATED), (S.NEW, S.RESOLVED),
    (S.NEW, S.CLOSED),
    (S.OPEN, S.PENDING_CUSTOMER), (S.OPEN, S.ESCALATED), (S.OPEN, S.RESOLVED), (S.OPEN, S.CLOSED),
    (S.PENDING_CUSTOMER, S.OPEN), (S.PENDING_CUSTOMER, S.ESCALATED),
    (S.PENDING_CUSTOMER, S.RESOLVED), (S.PENDING_CUSTOMER, S.CLOSED),
    (S.ESCALATED, S.OPEN), (S.ESCALATED, S.PENDING_CUSTOMER), (S.ESCALATED, S.RESOLVED),
    (S.ESCALATED, S.CLOSED),
    (S.RESOLVED, S.OPEN), (S.RESOLVED, S.CLOSED),
    (S.CLOSED, S.OPEN),
}  # fmt: skip


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("requested", list(S))
def test_status_transitions_written_out(current: S, requested: S) -> None:
    assert can_change_status(current, requested) is ((current, requested) in ALLOWED)


def test_resolved_at_follows_the_status() -> None:
    earlier = NOW - timedelta(days=1)
    assert resolved_at_after(requested=S.RESOLVED, resolved_at=earlier, now=NOW) == NOW
    assert resolved_at_after(requested=S.CLOSED, resolved_at=earlier, now=NOW) == earlier
    assert resolved_at_after(requested=S.CLOSED, resolved_at=None, now=NOW) == NOW
    assert resolved_at_after(requested=S.OPEN, resolved_at=earlier, now=NOW) is None


def test_snooze_times() -> None:
    assert snooze_problem(NOW + timedelta(hours=1), NOW) is None
    assert snooze_problem(NOW + timedelta(days=90), NOW) is None
    assert snooze_problem(NOW, NOW) == "the snooze time must be in the future"
    assert snooze_problem(NOW + timedelta(days=90, seconds=1), NOW) == (
        "a conversation can be snoozed for at most 90 days"
    )
    assert snooze_problem(datetime(2027, 1, 1), NOW) == "the snooze time needs a timezone"
    assert is_snoozed(NOW + timedelta(seconds=1), NOW) is True
    assert is_snoozed(NOW, NOW) is False
    assert is_snoozed(None, NOW) is False


def test_notes_are_trimmed_and_bounded() -> None:
    assert clean_note("  hi \n") == "hi"
    assert clean_note(" \n ") is None
    assert clean_note("x" * MAX_NOTE_LENGTH) == "x" * MAX_NOTE_LENGTH
    assert clean_note("x" * (MAX_NOTE_LENGTH + 1)) is None


def test_cursors_round_trip_their_values() -> None:
    values = (0, None, NOW, uuid.UUID(int=7), "text", 1.5)
    assert decode_cursor(encode_cursor(values)) == values
    with pytest.raises(InvalidPageArgumentsError, match="invalid cursor"):
        decode_cursor("%%%")
    with pytest.raises(InvalidPageArgumentsError, match="does not belong to this ordering"):
        decode_cursor(encode_cursor((1,)), length=2)


def test_page_requests() -> None:
    assert page_request(first=None, after=None, last=None, before=None) == KeysetWindow(limit=20)
    backward = page_request(first=None, after=None, last=5, before=encode_cursor((3,)))
    assert backward == KeysetWindow(limit=5, before=(3,), backward=True)
    with pytest.raises(InvalidPageArgumentsError):
        page_request(first=101, after=None, last=None, before=None)
    with pytest.raises(InvalidPageArgumentsError):
        page_request(first=-1, after=None, last=None, before=None)


def test_slices_put_backward_pages_in_order() -> None:
    forward = slice_rows([1, 2, 3], KeysetWindow(limit=2))
    assert (forward.rows, forward.has_next_page, forward.has_previous_page) == ([1, 2], True, False)
    backward = slice_rows([9, 8, 7], KeysetWindow(limit=2, before=(10,), backward=True))
    assert (backward.rows, backward.has_next_page, backward.has_previous_page) == (
        [8, 9],
        True,
        True,
    )
