"""Pure rules of replies: lifecycle, when approval is required, crisis mode, twin thread keys."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from domain.channels.models import ChannelKind
from domain.replies.models import ReplyKind, ReplyStatus
from domain.tone.guidelines import SignatureRule

_S = ReplyStatus

#: Which status may follow which. Sending and delivery are driven by the job;
#: a failed reply may be queued again by an agent.
TRANSITIONS: Final[Mapping[ReplyStatus, frozenset[ReplyStatus]]] = {
    _S.DRAFT: frozenset({_S.PENDING_APPROVAL, _S.APPROVED, _S.CANCELLED}),
    _S.PENDING_APPROVAL: frozenset({_S.APPROVED, _S.DRAFT, _S.CANCELLED}),
    _S.APPROVED: frozenset({_S.QUEUED, _S.DRAFT, _S.CANCELLED}),
    _S.QUEUED: frozenset({_S.SENDING, _S.CANCELLED, _S.FAILED}),
    _S.SENDING: frozenset({_S.SENT, _S.FAILED, _S.QUEUED}),
    _S.FAILED: frozenset({_S.QUEUED, _S.CANCELLED}),
    _S.SENT: frozenset(),
    _S.CANCELLED: frozenset(),
}

#: Statuses in which the text can still change.
EDITABLE_STATUSES: Final = frozenset({_S.DRAFT})

#: Departments (triage `escalate_to`) whose matters need the client's sign-off by default.
DEFAULT_APPROVAL_DEPARTMENTS: Final = frozenset({"legal", "legal_compliance", "pr"})
#: Categories (triage `category`) that need sign-off by default.
DEFAULT_APPROVAL_CATEGORIES: Final = frozenset({"legal", "pr"})
#: Brand event types that put the brand in crisis mode while they run.
CRISIS_EVENT_TYPES: Final = frozenset({"data_breach", "data_breach_notice"})

#: Channel kinds whose platform API lets the brand react to a message.
REACTION_CHANNELS: Final = frozenset(
    {ChannelKind.FACEBOOK_PAGE, ChannelKind.X, ChannelKind.TELEGRAM}
)
#: Channel kinds replies can be delivered to.
DELIVERABLE_CHANNELS: Final = frozenset(
    {
        ChannelKind.FACEBOOK_PAGE,
        ChannelKind.INSTAGRAM,
        ChannelKind.X,
        ChannelKind.TELEGRAM,
        ChannelKind.VK,
    }
)
MAX_TEXT_LENGTH: Final = 10_000
#: The channel secret holding the API token a connector sends with, by channel kind.
API_TOKEN_SECRET: Final[Mapping[ChannelKind, str]] = {
    ChannelKind.FACEBOOK_PAGE: "page_access_token",
    ChannelKind.INSTAGRAM: "page_access_token",
    ChannelKind.X: "user_access_token",
    ChannelKind.TELEGRAM: "bot_token",
    ChannelKind.VK: "access_token",
}


def can_transition(current: ReplyStatus, target: ReplyStatus) -> bool:
    """Whether a reply in `current` may move to `target`."""
    return target in TRANSITIONS[current]


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    """A brand's rules for replies that need the client's sign-off before they go out."""

    departments: frozenset[str] = DEFAULT_APPROVAL_DEPARTMENTS
    categories: frozenset[str] = DEFAULT_APPROVAL_CATEGORIES
    vip_customers: bool = True
    crisis_mode: bool = True

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "ApprovalPolicy":
        """The policy from a brand's `settings["reply_approval"]`; defaults where unset.

        Keys: `departments`, `categories` (lists of names), `vip_customers`,
        `crisis_mode` (booleans). Malformed values fall back to the defaults.
        """
        config = settings.get("reply_approval")
        if not isinstance(config, Mapping):
            return cls()
        return cls(
            departments=_names(config.get("departments"), DEFAULT_APPROVAL_DEPARTMENTS),
            categories=_names(config.get("categories"), DEFAULT_APPROVAL_CATEGORIES),
            vip_customers=_flag(config.get("vip_customers"), default=True),
            crisis_mode=_flag(config.get("crisis_mode"), default=True),
        )


def approval_reasons(
    *,
    policy: ApprovalPolicy,
    labels: Mapping[str, Any],
    is_vip_customer: bool,
    crisis_mode: bool,
) -> tuple[str, ...]:
    """Why a reply needs sign-off (empty when it does not), in a stable order.

    `labels` are the triage labels of the message answered: its `category`
    and its department (`escalate_to`, or `department` when set by hand).
    """
    reasons: list[str] = []
    category = labels.get("category")
    if isinstance(category, str) and category in policy.categories:
        reasons.append(f"category:{category}")
    for key in ("escalate_to", "department"):
        department = labels.get(key)
        reason = f"department:{department}"
        is_listed = isinstance(department, str) and department in policy.departments
        if is_listed and reason not in reasons:
            reasons.append(reason)
    if policy.vip_customers and is_vip_customer:
        reasons.append("vip_customer")
    if policy.crisis_mode and crisis_mode:
        reasons.append("crisis_mode")
    return tuple(reasons)


def crisis_mode_active(
    settings: Mapping[str, Any], *, now: datetime, active_event_kinds: Iterable[str] = ()
) -> bool:
    """Whether the brand is in crisis mode at `now`.

    On when `settings["crisis_mode"]` is true, while one of the brand's
    calendar events active now (`active_event_kinds`) is a data breach, or
    while a data-breach event of the brand catalogue runs (`settings["events"]`
    items with `type`, ISO `start` and optional `end`; unreadable times are
    ignored).
    """
    if settings.get("crisis_mode") is True:
        return True
    if any(kind in CRISIS_EVENT_TYPES for kind in active_event_kinds):
        return True
    events = settings.get("events")
    if not isinstance(events, list):
        return False
    return any(_is_running(event, now) for event in events if isinstance(event, Mapping))


def _is_running(event: Mapping[str, Any], now: datetime) -> bool:
    if event.get("type") not in CRISIS_EVENT_TYPES:
        return False
    start = _moment(event.get("start"))
    end = _moment(event.get("end"))
    if start is None:
        return False
    return start <= now and (end is None or now <= end)


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def direct_thread_key(
    *, channel_kind: ChannelKind, account_id: str, customer_platform_id: str
) -> str:
    """The thread key ingestion gives a customer's DMs on a channel, so a private twin
    opened by a move to private is the conversation the customer's answers land in."""
    if channel_kind in (ChannelKind.FACEBOOK_PAGE, ChannelKind.INSTAGRAM):
        return f"{account_id}:{customer_platform_id}"
    if channel_kind is ChannelKind.X:
        return "-".join(sorted((account_id, customer_platform_id)))
    # Telegram private chats and VK peers are keyed by the customer's own id.
    return customer_platform_id


def needs_text(kind: ReplyKind) -> bool:
    """Replies and messages carry text; reactions do not."""
    return kind is not ReplyKind.REACTION


def _names(value: object, default: frozenset[str]) -> frozenset[str]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    return default


def _flag(value: object, *, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def blocking_findings(findings: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The stored tone findings that must be fixed before a reply is submitted."""
    return [finding for finding in findings if finding.get("severity") == "error"]


_PLACEHOLDER: Final = re.compile(r"\{([^{}]*)\}")


def signed_text(text: str, rule: SignatureRule | None, *, author_name: str) -> str:
    """The text as it goes out: with the brand's signature appended when the system adds it.

    Placeholders of the format are filled from the agent's display name:
    `{initials}` with the initials ("Jan Maj" → "JM"), any other (`{imię}`,
    `{Имя}`, `{Nome}`, `{نام}` …) with the first name. Without such a rule, or
    without a name to sign with, or when the draft already ends with the
    signature, the text is unchanged.
    """
    words = author_name.split()
    if rule is None or not rule.appended_by_system or not words:
        return text

    def fill(match: re.Match[str]) -> str:
        if match.group(1).strip().lower() == "initials":
            return "".join(word[0].upper() for word in words)
        return words[0]

    signature = _PLACEHOLDER.sub(fill, rule.format.strip())
    if text.rstrip().endswith(signature):
        return text
    return f"{text.rstrip()}\n{signature}"
