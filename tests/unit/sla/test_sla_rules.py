"""Pure SLA rules: which policy, which event factor, which clocks start, due and warning."""

import uuid
from datetime import UTC, datetime, timedelta

from domain.brand_events.models import BrandEventKind
from domain.brand_events.rules import affects_channel, kind_from_catalogue, sla_reason
from domain.brand_events.service import catalogue_event_rows
from domain.sla.rules import (
    EventFactor,
    PolicyChoice,
    calendar_from_config,
    choose_policy,
    clock_kinds_to_start,
    due_and_warning,
    resumed_due_time,
    strongest_event_factor,
)

OFFICE = calendar_from_config(
    timezone="Europe/Warsaw",
    business_hours={day: [{"open": "09:00", "close": "17:00"}] for day in ("mon", "tue", "wed")},
)
#: Wednesday 2 December 2026, 16:00 in Warsaw.
WEDNESDAY_16 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_the_most_specific_policy_wins() -> None:
    policies = [
        PolicyChoice("catch-all", "any", "any"),
        PolicyChoice("premium", "any", "premium"),
        PolicyChoice("hot", "hot", "any"),
        PolicyChoice("hot premium", "hot", "premium"),
    ]
    pick = choose_policy
    assert pick(policies, priority="hot", service_tier="premium", any_value="any") == "hot premium"
    assert pick(policies, priority="hot", service_tier="standard", any_value="any") == "hot"
    assert pick(policies, priority="cold", service_tier="premium", any_value="any") == "premium"
    assert pick(policies, priority=None, service_tier="standard", any_value="any") == "catch-all"
    assert pick(policies[2:3], priority="cold", service_tier="standard", any_value="any") is None


def test_the_tightest_event_factor_applies_then_the_most_relaxing() -> None:
    assert strongest_event_factor([]) is None
    assert strongest_event_factor([EventFactor("neutral", 1.0)]) is None
    chosen = strongest_event_factor(
        [EventFactor("relax", 1.5), EventFactor("outage", 0.5), EventFactor("breach", 0.75)]
    )
    assert chosen == EventFactor("outage", 0.5)
    assert strongest_event_factor([EventFactor("a", 1.2), EventFactor("b", 2.0)]) == EventFactor(
        "b", 2.0
    )


def test_first_response_starts_once_and_next_response_never_replaces_it() -> None:
    assert clock_kinds_to_start(first_response_ever=False, running=[]) == (
        "first_response",
        "resolution",
    )
    # Still unanswered: nothing new (the first response keeps its target).
    assert (
        clock_kinds_to_start(first_response_ever=True, running=["first_response", "resolution"])
        == ()
    )
    # Answered: the next message starts next response, once.
    assert clock_kinds_to_start(first_response_ever=True, running=["resolution"]) == (
        "next_response",
    )
    assert (
        clock_kinds_to_start(first_response_ever=True, running=["next_response", "resolution"])
        == ()
    )
    # Resolved, then a new message: next response and a new resolution clock.
    assert clock_kinds_to_start(first_response_ever=True, running=[]) == (
        "next_response",
        "resolution",
    )


def test_due_and_warning_count_business_time() -> None:
    due, warn = due_and_warning(OFFICE, WEDNESDAY_16, timedelta(hours=2), timedelta(minutes=30))
    # 1 h on Wednesday, 1 h from Monday 09:00 (Thursday to Sunday closed).
    assert due == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert warn == datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    due, warn = due_and_warning(OFFICE, WEDNESDAY_16, timedelta(minutes=10), timedelta(hours=1))
    assert (due, warn) == (WEDNESDAY_16 + timedelta(minutes=10), WEDNESDAY_16)


def test_resuming_keeps_the_business_time_left() -> None:
    due = WEDNESDAY_16 + timedelta(minutes=50)
    paused_at = WEDNESDAY_16 + timedelta(minutes=20)
    monday_10 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert resumed_due_time(
        OFFICE, paused_at=paused_at, resumed_at=monday_10, due_at=due
    ) == monday_10 + timedelta(minutes=30)
    # Paused when already overdue: still overdue by as much.
    assert resumed_due_time(
        OFFICE, paused_at=due + timedelta(minutes=5), resumed_at=monday_10, due_at=due
    ) == monday_10 - timedelta(minutes=5)
    assert resumed_due_time(OFFICE, paused_at=paused_at, resumed_at=paused_at, due_at=due) == due


def test_event_rules() -> None:
    channel = uuid.uuid4()
    assert affects_channel([], channel)
    assert affects_channel([str(channel)], channel)
    assert not affects_channel([str(uuid.uuid4())], channel)
    assert kind_from_catalogue("outage_window") is BrandEventKind.OUTAGE_WINDOW
    assert kind_from_catalogue("rebrand") is BrandEventKind.OTHER
    assert (
        sla_reason(kind=BrandEventKind.OUTAGE_WINDOW, title="Login down", factor=0.5)
        == "outage_window 'Login down' active: target tightened ×0.5"
    )
    assert sla_reason(kind=BrandEventKind.OTHER, title="Quiet week", factor=1.5).endswith(
        "relaxed ×1.5"
    )


def test_catalogue_entries_become_event_rows() -> None:
    brand_id = uuid.uuid4()
    rows = catalogue_event_rows(
        brand_id,
        [
            {
                "id": "ev-1",
                "type": "outage_window",
                "title": "Maintenance",
                "start": "2026-11-21T22:00:00+01:00",
                "end": "2026-11-22T04:00:00+01:00",
                "description": "Portal down",
                "planned": True,
            },
            {"id": "ev-2", "type": "campaign_launch", "title": "Sale", "start": "2026-11-02"},
            {
                "id": "ev-3",
                "type": "x",
                "start": "2026-11-02T09:00:00+01:00",
                "end": "2026-11-01T09:00:00+01:00",
            },
            {
                "id": "ev-4",
                "type": "price_increase",
                "title": "Prices",
                "start": "2026-12-01T00:00:00+01:00",
                "end": "2026-12-31T23:59:00+01:00",
                "sla_factor": 0.8,
            },
        ],
    )
    assert [
        (row["external_key"], row["kind"], row["sla_factor"], row["planned"]) for row in rows
    ] == [
        ("ev-1", BrandEventKind.OUTAGE_WINDOW, 0.5, True),
        ("ev-4", BrandEventKind.PRICE_INCREASE, 0.8, False),
    ]
    assert rows[0]["starts_at"] == datetime(2026, 11, 21, 21, 0, tzinfo=UTC)
    assert rows[0]["briefing"] == "Portal down"
    assert {row["brand_id"] for row in rows} == {brand_id}
