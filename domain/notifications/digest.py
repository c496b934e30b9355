"""The approvers' e-mail digest: which items, and the message that lists them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.notifications.email import EmailMessage

_KIND_NAMES = {
    "qna_version": "Q&A entry",
    "tone_version": "Tone guidelines",
    "reply": "Reply",
}


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One pending approval request as an approver's digest lists it."""

    approval_id: str
    brand_name: str
    subject_kind: str
    summary: str
    requested_at: datetime


def approval_link(public_base_url: str, approval_id: str) -> str:
    """Where an approver opens one request: `{public_base_url}/approvals/{id}`."""
    return f"{public_base_url.rstrip('/')}/approvals/{approval_id}"


def compose_approval_digest(
    *, recipient: str, items: Sequence[DigestItem], public_base_url: str
) -> EmailMessage:
    """The digest e-mail listing `items` (oldest first), grouped by brand, each with its link.

    The subject says how many items wait; the text carries the brands' names,
    each item's kind and summary, and its link. `items` must not be empty.
    """
    if not items:
        raise ValueError("a digest needs at least one item")
    ordered = sorted(items, key=lambda item: (item.brand_name, item.requested_at, item.approval_id))
    count = len(ordered)
    subject = f"{count} item{'s' if count != 1 else ''} awaiting your approval"
    lines = [
        f"{subject.capitalize()} in Parley.",
        "",
    ]
    brand: str | None = None
    for item in ordered:
        if item.brand_name != brand:
            if brand is not None:
                lines.append("")
            brand = item.brand_name
            lines.append(f"{brand}:")
        kind = _KIND_NAMES.get(item.subject_kind, item.subject_kind)
        lines.append(f"- {kind}: {item.summary}")
        lines.append(f"  {approval_link(public_base_url, item.approval_id)}")
    lines += ["", "You receive at most one digest per interval; each item is listed once."]
    return EmailMessage(to=recipient, subject=f"Parley: {subject}", text="\n".join(lines) + "\n")
