"""Pure rules of replies: lifecycle, approval reasons, crisis mode, twin thread keys."""

from datetime import UTC, datetime

import pytest

from domain.channels.models import ChannelKind
from domain.replies.models import ReplyStatus
from domain.replies.rules import (
    ApprovalPolicy,
    approval_reasons,
    blocking_findings,
    can_transition,
    crisis_mode_active,
    direct_thread_key,
    signed_text,
)
from domain.tone.guidelines import SignatureRule

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BREACH = {
    "type": "data_breach_notice",
    "start": "2026-11-25T12:00:00+01:00",
    "end": "2026-12-09T23:59:00+01:00",
}


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (ReplyStatus.DRAFT, ReplyStatus.PENDING_APPROVAL, True),
        (ReplyStatus.DRAFT, ReplyStatus.QUEUED, False),
        (ReplyStatus.PENDING_APPROVAL, ReplyStatus.APPROVED, True),
        (ReplyStatus.APPROVED, ReplyStatus.QUEUED, True),
        (ReplyStatus.QUEUED, ReplyStatus.SENDING, True),
        (ReplyStatus.SENDING, ReplyStatus.SENT, True),
        (ReplyStatus.SENDING, ReplyStatus.FAILED, True),
        (ReplyStatus.FAILED, ReplyStatus.QUEUED, True),
        (ReplyStatus.SENT, ReplyStatus.QUEUED, False),
        (ReplyStatus.CANCELLED, ReplyStatus.DRAFT, False),
    ],
)
def test_lifecycle_transitions(current: ReplyStatus, target: ReplyStatus, allowed: bool) -> None:
    assert can_transition(current, target) is allowed


def test_no_reason_for_an_ordinary_complaint() -> None:
    reasons = approval_reasons(
        policy=ApprovalPolicy(),
        labels={"category": "complaint", "escalate_to": "billing"},
        is_vip_customer=False,
        crisis_mode=False,
    )
    assert reasons == ()


def test_legal_and_pr_departments_vip_and_crisis_each_need_approval() -> None:
    reasons = approval_reasons(
        policy=ApprovalPolicy(),
        labels={"category": "complaint", "escalate_to": "legal_compliance", "department": "pr"},
        is_vip_customer=True,
        crisis_mode=True,
    )
    assert reasons == (
        "department:legal_compliance",
        "department:pr",
        "vip_customer",
        "crisis_mode",
    )


def test_brand_policy_from_settings_overrides_defaults() -> None:
    policy = ApprovalPolicy.from_settings(
        {"reply_approval": {"categories": ["outage"], "departments": [], "vip_customers": False}}
    )
    assert policy == ApprovalPolicy(
        departments=frozenset(), categories=frozenset({"outage"}), vip_customers=False
    )
    assert approval_reasons(
        policy=policy,
        labels={"category": "outage", "escalate_to": "pr"},
        is_vip_customer=True,
        crisis_mode=False,
    ) == ("category:outage",)


def test_malformed_policy_falls_back_to_defaults() -> None:
    assert ApprovalPolicy.from_settings({"reply_approval": {"departments": "pr"}}) == (
        ApprovalPolicy()
    )
    assert ApprovalPolicy.from_settings({"reply_approval": 3}) == ApprovalPolicy()


def test_crisis_mode_from_the_brand_flag_or_a_running_data_breach_event() -> None:
    assert crisis_mode_active({"crisis_mode": True}, now=NOW) is True
    assert crisis_mode_active({"events": [BREACH]}, now=NOW) is True
    before = datetime(2026, 11, 25, 10, 59, tzinfo=UTC)
    assert crisis_mode_active({"events": [BREACH]}, now=before) is False
    after = datetime(2026, 12, 10, tzinfo=UTC)
    assert crisis_mode_active({"events": [BREACH]}, now=after) is False
    other = {**BREACH, "type": "campaign_launch"}
    assert crisis_mode_active({"events": [other]}, now=NOW) is False
    assert crisis_mode_active({"events": [{**BREACH, "start": "soon"}]}, now=NOW) is False
    assert crisis_mode_active({}, now=NOW) is False


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (ChannelKind.FACEBOOK_PAGE, "104729384756120:6650391827740125"),
        (ChannelKind.INSTAGRAM, "104729384756120:6650391827740125"),
        (ChannelKind.X, "104729384756120-6650391827740125"),
        (ChannelKind.TELEGRAM, "6650391827740125"),
        (ChannelKind.VK, "6650391827740125"),
    ],
)
def test_direct_thread_keys_match_what_ingestion_uses(kind: ChannelKind, expected: str) -> None:
    key = direct_thread_key(
        channel_kind=kind, account_id="104729384756120", customer_platform_id="6650391827740125"
    )
    assert key == expected


def test_only_error_findings_block() -> None:
    findings = [
        {"code": "banned_phrase", "severity": "error"},
        {"code": "emoji_policy", "severity": "warning"},
    ]
    assert blocking_findings(findings) == [{"code": "banned_phrase", "severity": "error"}]


WIERZBA = SignatureRule(format="– {imię}, Zespół Wierzba", appended_by_system=True)
KESTREL = SignatureRule(format="^{initials}", appended_by_system=True)


def test_the_system_signs_with_the_agents_first_name_or_initials() -> None:
    assert signed_text("Dzień dobry.", WIERZBA, author_name="Marta Nowak") == (
        "Dzień dobry.\n– Marta, Zespół Wierzba"
    )
    assert signed_text("Hi Anna. ", KESTREL, author_name="jan maj") == "Hi Anna.\n^JM"


def test_no_signature_without_a_system_rule_a_name_or_when_already_signed() -> None:
    typed_by_agent = SignatureRule(format="^{initials}", appended_by_system=False)
    assert signed_text("Hi.", typed_by_agent, author_name="Jan Maj") == "Hi."
    assert signed_text("Hi.", None, author_name="Jan Maj") == "Hi."
    assert signed_text("Hi.", KESTREL, author_name="  ") == "Hi."
    assert signed_text("Hi.\n^JM", KESTREL, author_name="Jan Maj") == "Hi.\n^JM"


def test_crisis_mode_while_a_data_breach_event_of_the_calendar_is_active() -> None:
    assert crisis_mode_active({}, now=NOW, active_event_kinds=["data_breach_notice"]) is True
    assert crisis_mode_active({}, now=NOW, active_event_kinds=["outage_window"]) is False
