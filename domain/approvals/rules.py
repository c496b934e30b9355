"""Pure rules of approvals and of the versioned content they sign off.

Q&A versions and tone guideline versions share one lifecycle:

    draft ──submit──▶ pending_approval ──decide──▶ approved | changes_requested | rejected
    changes_requested ──submit──▶ pending_approval

A draft, a version with changes requested, or a rejected one is never used; an
edit after a rejection or a request for changes is a new version. Approved and
rejected versions are final.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from domain.approvals.errors import AlreadyDecidedError, InvalidTransitionError
from domain.notifications.digest import DigestItem


class VersionState(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"


class SubjectKind(StrEnum):
    QNA_VERSION = "qna_version"
    TONE_VERSION = "tone_version"
    REPLY = "reply"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"


#: The decisions an approver can take, as `ApprovalStatus` values.
DECISIONS: Final = frozenset(
    {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.CHANGES_REQUESTED}
)

_SUBMITTABLE: Final = frozenset({VersionState.DRAFT, VersionState.CHANGES_REQUESTED})
_DECISION_STATES: Final = {
    ApprovalStatus.APPROVED: VersionState.APPROVED,
    ApprovalStatus.REJECTED: VersionState.REJECTED,
    ApprovalStatus.CHANGES_REQUESTED: VersionState.CHANGES_REQUESTED,
}


def parse_decision(value: str) -> ApprovalStatus:
    """The decision named `value`; `InvalidTransitionError` for anything else (even "pending")."""
    try:
        decision = ApprovalStatus(value)
    except ValueError:
        decision = ApprovalStatus.PENDING
    if decision not in DECISIONS:
        allowed = ", ".join(sorted(DECISIONS))
        raise InvalidTransitionError(f"decision must be one of {allowed}, not {value!r}")
    return decision


def parse_subject_kind(value: str) -> SubjectKind:
    """The subject kind named `value`; `InvalidTransitionError` otherwise."""
    try:
        return SubjectKind(value)
    except ValueError as error:
        known = ", ".join(kind.value for kind in SubjectKind)
        raise InvalidTransitionError(f"subject kind must be one of {known}") from error


def state_after_submit(state: VersionState) -> VersionState:
    """A draft (or a version sent back for changes) goes to pending approval."""
    if state not in _SUBMITTABLE:
        raise InvalidTransitionError(f"a version in state {state} cannot be submitted")
    return VersionState.PENDING_APPROVAL


def state_after_decision(state: VersionState, decision: ApprovalStatus) -> VersionState:
    """The version state an approver's decision leads to (only from pending approval)."""
    if state is not VersionState.PENDING_APPROVAL:
        raise InvalidTransitionError(f"a version in state {state} is not awaiting a decision")
    if decision not in _DECISION_STATES:
        raise InvalidTransitionError(f"{decision} is not a decision")
    return _DECISION_STATES[decision]


def is_usable(state: VersionState) -> bool:
    """Only approved versions are suggested, inserted into replies or enforced."""
    return state is VersionState.APPROVED


def ensure_undecided(status: ApprovalStatus) -> None:
    """A request is decided once; `AlreadyDecidedError` when already decided."""
    if status is not ApprovalStatus.PENDING:
        raise AlreadyDecidedError(f"the request is already {status}")


def digest_is_due(last_sent_at: datetime | None, *, now: datetime, interval: timedelta) -> bool:
    """An approver gets at most one digest per `interval`."""
    return last_sent_at is None or now - last_sent_at >= interval


def unsent_items(items: Iterable[DigestItem], already_sent: Iterable[str]) -> list[DigestItem]:
    """The items whose request was never in a digest to this approver, oldest first."""
    sent = frozenset(already_sent)
    return sorted(
        (item for item in items if item.approval_id not in sent),
        key=lambda item: (item.requested_at, item.approval_id),
    )


def summary_line(text: str, *, limit: int = 200) -> str:
    """`text` on one line, at most `limit` characters (an ellipsis marks a cut)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def version_label(key: str, number: int, variants: Sequence[str] = ()) -> str:
    """ "key v3: first question" — how a version is named in queues and digests."""
    first = f": {variants[0]}" if variants else ""
    return summary_line(f"{key} v{number}{first}")
