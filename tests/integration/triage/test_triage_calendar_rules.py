"""The pure side of calendar events in triage: merging with settings events, channels,
affected products and events that lower expectations (no I/O)."""

import uuid
from datetime import UTC, datetime, timedelta

from domain.brand_events.models import BrandEventKind, ExpectedImpact
from domain.brand_events.service import ActiveBrandEvent
from domain.triage.brands import BrandEvent, BrandProfile
from domain.triage.calendar import triage_event, with_calendar
from domain.triage.cues import read_signals
from domain.triage.rules import (
    Priority,
    PriorityDecision,
    Sentiment,
    TriageContext,
    decide_priority,
    related_events,
)

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CARD_CHANNEL = str(uuid.UUID(int=7))


def settings_event(title: str, *, hours: int = 1) -> BrandEvent:
    return BrandEvent(
        id=f"settings-{title}",
        kind="outage_window",
        title=title,
        start=AT - timedelta(hours=hours),
        end=AT + timedelta(hours=hours),
    )


def calendar_event(
    *,
    kind: BrandEventKind = BrandEventKind.OUTAGE_WINDOW,
    title: str = "Planned maintenance: card payments",
    products: tuple[str, ...] = (),
    channels: tuple[str, ...] = (),
    impact: ExpectedImpact = ExpectedImpact.RAISES,
) -> BrandEvent:
    return triage_event(
        ActiveBrandEvent(
            id=uuid.UUID(int=1),
            brand_id=uuid.UUID(int=2),
            kind=kind,
            title=title,
            starts_at=AT - timedelta(minutes=30),
            ends_at=AT + timedelta(minutes=30),
            planned=True,
            expected_impact=impact,
            sla_factor=0.5,
            briefing="",
            affected_products=products,
            affected_channel_ids=channels,
            qna_entry_ids=(),
        )
    )


def profile(*events: BrandEvent) -> BrandProfile:
    return BrandProfile(slug="wierzba", names=("Wierzba",), languages=("pl",), events=events)


def test_a_calendar_event_maps_to_the_triage_shape() -> None:
    event = calendar_event(products=("BLIK",), channels=(CARD_CHANNEL,))
    assert event == BrandEvent(
        id=str(uuid.UUID(int=1)),
        kind="outage_window",
        title="Planned maintenance: card payments",
        start=AT - timedelta(minutes=30),
        end=AT + timedelta(minutes=30),
        planned=True,
        products=("BLIK",),
        channel_ids=(CARD_CHANNEL,),
        raises_expectations=True,
    )


def test_the_calendar_replaces_settings_events_of_the_same_title_only() -> None:
    kept = settings_event("Price list 2027", hours=5)
    replaced = settings_event("  planned MAINTENANCE:   card payments ", hours=5)
    merged = with_calendar(profile(kept, replaced), [calendar_event()])
    assert merged.events == (kept, calendar_event())
    assert with_calendar(profile(kept), []) == profile(kept)


def test_an_event_of_some_channels_is_active_only_on_those() -> None:
    merged = profile(calendar_event(channels=(CARD_CHANNEL,)))
    assert merged.active_events(AT, CARD_CHANNEL) == merged.events
    assert merged.active_events(AT, str(uuid.UUID(int=8))) == ()
    # A mention whose channel is unknown (the command line) still sees the event.
    assert merged.active_events(AT) == merged.events
    assert merged.active_events(AT + timedelta(hours=1), CARD_CHANNEL) == ()
    assert merged.active_events(None, CARD_CHANNEL) == ()


def test_an_affected_product_relates_a_mention_to_the_event() -> None:
    event = calendar_event(
        kind=BrandEventKind.CAMPAIGN_LAUNCH, title="Autumn", products=("Kestrel Miles",)
    )
    assert related_events("Where are my Kestrel Miles?", "question", [event]) == (event,)
    assert related_events("Where is my suitcase?", "question", [event]) == ()


def question_priority(*events: BrandEvent) -> PriorityDecision:
    return decide_priority(
        category="question",
        sentiment=Sentiment.NEGATIVE,
        signals=read_signals("Is the card payment working? I see an error"),
        context=TriageContext(),
        premium_brand=False,
        events=events,
    )


def test_an_event_lowering_expectations_is_named_but_raises_nothing() -> None:
    calm = question_priority(calendar_event(impact=ExpectedImpact.LOWERS))
    tense = question_priority(calendar_event())
    plain = question_priority()

    assert calm.priority is Priority.COLD
    assert calm.score == plain.score
    assert "during outage window 'Planned maintenance: card payments'" in calm.reasons[0]
    assert tense.priority is Priority.HOT
    assert tense.score == plain.score + 10
