"""The lifecycle of versioned content and of approval requests (pure rules)."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.approvals.errors import AlreadyDecidedError, InvalidTransitionError
from domain.approvals.rules import (
    ApprovalStatus,
    VersionState,
    digest_is_due,
    ensure_undecided,
    is_usable,
    parse_decision,
    parse_subject_kind,
    state_after_decision,
    state_after_submit,
    summary_line,
    unsent_items,
    version_label,
)
from domain.notifications.digest import DigestItem

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (VersionState.DRAFT, VersionState.PENDING_APPROVAL),
        (VersionState.CHANGES_REQUESTED, VersionState.PENDING_APPROVAL),
    ],
)
def test_drafts_and_versions_sent_back_can_be_submitted(
    state: VersionState, expected: VersionState
) -> None:
    assert state_after_submit(state) is expected


@pytest.mark.parametrize(
    "state", [VersionState.PENDING_APPROVAL, VersionState.APPROVED, VersionState.REJECTED]
)
def test_other_states_cannot_be_submitted(state: VersionState) -> None:
    with pytest.raises(InvalidTransitionError, match=f"state {state} cannot be submitted"):
        state_after_submit(state)


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (ApprovalStatus.APPROVED, VersionState.APPROVED),
        (ApprovalStatus.REJECTED, VersionState.REJECTED),
        (ApprovalStatus.CHANGES_REQUESTED, VersionState.CHANGES_REQUESTED),
    ],
)
def test_a_decision_moves_a_pending_version(
    decision: ApprovalStatus, expected: VersionState
) -> None:
    assert state_after_decision(VersionState.PENDING_APPROVAL, decision) is expected


@pytest.mark.parametrize(
    "state",
    [
        VersionState.DRAFT,
        VersionState.APPROVED,
        VersionState.REJECTED,
        VersionState.CHANGES_REQUESTED,
    ],
)
def test_only_pending_versions_take_a_decision(state: VersionState) -> None:
    with pytest.raises(InvalidTransitionError, match="not awaiting a decision"):
        state_after_decision(state, ApprovalStatus.APPROVED)


def test_pending_is_not_a_decision() -> None:
    with pytest.raises(InvalidTransitionError, match="not a decision"):
        state_after_decision(VersionState.PENDING_APPROVAL, ApprovalStatus.PENDING)


def test_only_approved_versions_are_usable() -> None:
    assert [state for state in VersionState if is_usable(state)] == [VersionState.APPROVED]


def test_decisions_and_subject_kinds_are_parsed_strictly() -> None:
    assert parse_decision("approved") is ApprovalStatus.APPROVED
    assert parse_decision("changes_requested") is ApprovalStatus.CHANGES_REQUESTED
    for wrong in ("pending", "APPROVED", "ok", ""):
        with pytest.raises(InvalidTransitionError, match="decision must be one of"):
            parse_decision(wrong)
    assert parse_subject_kind("qna_version").value == "qna_version"
    with pytest.raises(InvalidTransitionError, match="subject kind must be one of"):
        parse_subject_kind("post")


def test_a_request_is_decided_once() -> None:
    ensure_undecided(ApprovalStatus.PENDING)
    for status in (
        ApprovalStatus.APPROVED,
        ApprovalStatus.REJECTED,
        ApprovalStatus.CHANGES_REQUESTED,
    ):
        with pytest.raises(AlreadyDecidedError, match=f"already {status}"):
            ensure_undecided(status)


def test_one_digest_per_interval() -> None:
    hour = timedelta(hours=1)
    assert digest_is_due(None, now=NOW, interval=hour) is True
    assert digest_is_due(NOW - timedelta(minutes=59), now=NOW, interval=hour) is False
    assert digest_is_due(NOW - hour, now=NOW, interval=hour) is True


def _item(approval_id: str, minutes_ago: int) -> DigestItem:
    return DigestItem(
        approval_id=approval_id,
        brand_name="Wierzba",
        subject_kind="qna_version",
        summary=approval_id,
        requested_at=NOW - timedelta(minutes=minutes_ago),
    )


def test_items_already_sent_are_left_out_and_the_rest_come_oldest_first() -> None:
    items = [_item("b", 5), _item("a", 30), _item("c", 1)]
    assert [item.approval_id for item in unsent_items(items, ["b"])] == ["a", "c"]
    assert unsent_items(items, ["a", "b", "c"]) == []


def test_labels_and_summaries_fit_on_one_line() -> None:
    assert version_label("qna-wierzba-001", 3, ["Jak zgłosić\nszkodę?", "x"]) == (
        "qna-wierzba-001 v3: Jak zgłosić szkodę?"
    )
    assert version_label("qna-x", 1) == "qna-x v1"
    assert summary_line("a " * 200, limit=10) == "a a a a a…"
