"""Sentiment and priority rules with context, and the reasons they give."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from domain.triage.brands import BrandEvent
from domain.triage.cues import read_signals
from domain.triage.rules import (
    Priority,
    Sentiment,
    SpikeMembership,
    TriageContext,
    decide_priority,
    decide_sentiment,
    related_events,
)

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
OUTAGE_WINDOW = BrandEvent(
    id="ev-outage",
    kind="outage_window",
    title="Плановое обновление процессинга",
    start=NOW - timedelta(hours=1),
    end=NOW + timedelta(hours=3),
    planned=True,
)
PRICE_RISE = BrandEvent(
    id="ev-price",
    kind="price_increase",
    title="Commissione di consegna da 2,99€ a 3,49€",
    start=NOW - timedelta(days=5),
    end=NOW + timedelta(days=20),
)


def priority(
    category: str,
    text: str = "",
    *,
    context: TriageContext | None = None,
    sentiment: Sentiment | None = None,
    premium_brand: bool = False,
    events: Sequence[BrandEvent] = (),
    spike: SpikeMembership | None = None,
) -> tuple[Priority, int, str]:
    signals = read_signals(text)
    decision = decide_priority(
        category=category,
        sentiment=sentiment or decide_sentiment(category, signals).sentiment,
        signals=signals,
        context=context or TriageContext(),
        premium_brand=premium_brand,
        events=events,
        spike=spike,
    )
    (reason,) = decision.reasons
    return decision.priority, decision.score, reason


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("complaint", Priority.HOT),
        ("urgent_request", Priority.HOT),
        ("outage", Priority.HOT),
        ("question", Priority.COLD),
        ("praise", Priority.COLD),
        ("general_mention", Priority.COLD),
        ("industry", Priority.COLD),
        ("spam", Priority.NOISE),
        ("troll", Priority.NOISE),
    ],
)
def test_priority_follows_the_category_without_context(category: str, expected: Priority) -> None:
    assert priority(category)[0] is expected


def test_the_reason_names_the_evidence_and_everything_that_raised_it() -> None:
    spike = SpikeMembership("biryuza-outage-20261206-0150", 7, timedelta(minutes=15))

    result = priority(
        "outage",
        "Приложение не работает, у кого-то ещё?",
        context=TriageContext(open_serious_issues=1, history_note="unresolved claim last week"),
        spike=spike,
    )

    assert result == (
        Priority.HOT,
        100,
        "hot: outage words 'не работает' + 7 similar posts in 15 min + unresolved claim last week",
    )


def test_customer_history_makes_a_question_hot_but_not_praise() -> None:
    history = TriageContext(open_serious_issues=2)

    assert priority("question", "Kiedy?", context=history) == (
        Priority.HOT,
        50,
        "hot: question words 'kiedy' + 2 open serious issues",
    )
    assert priority("praise", "Dzięki, super!", context=history)[0] is Priority.COLD


def test_a_vip_raises_the_score_and_makes_unhappy_mentions_hot() -> None:
    vip = TriageContext(is_vip=True)

    assert priority("complaint", context=vip) == (Priority.HOT, 80, "hot: complaint + VIP customer")
    assert priority("general_mention", context=vip, sentiment=Sentiment.NEGATIVE)[0] is Priority.HOT
    assert priority("general_mention", context=vip)[0] is Priority.COLD


def test_a_premium_brand_raises_only_hot_mentions() -> None:
    assert priority("complaint", premium_brand=True) == (
        Priority.HOT,
        75,
        "hot: complaint + premium brand",
    )
    assert priority("question", premium_brand=True) == (Priority.COLD, 35, "cold: question")


def test_noise_stays_noise_whatever_the_context() -> None:
    result = priority(
        "spam",
        context=TriageContext(open_serious_issues=3, is_vip=True),
        spike=SpikeMembership("k", 9, timedelta(minutes=5)),
        premium_brand=True,
    )

    assert result == (Priority.NOISE, 0, "noise: spam")


def test_an_active_event_makes_related_complaints_hotter() -> None:
    text = "Avete alzato la commissione di consegna, vergogna"

    (event,) = related_events(text, "complaint", [PRICE_RISE, OUTAGE_WINDOW])
    result = priority("complaint", text, events=(event,))

    assert event is PRICE_RISE
    assert result == (
        Priority.HOT,
        80,
        "hot: complaint words 'vergogna' + during price increase "
        "'Commissione di consegna da 2,99€ a 3,49€'",
    )


def test_an_outage_during_an_outage_window_relates_to_it() -> None:
    assert related_events("Карта не проходит", "outage", [OUTAGE_WINDOW, PRICE_RISE]) == (
        OUTAGE_WINDOW,
    )
    assert related_events("Спасибо за кэшбэк", "praise", [OUTAGE_WINDOW]) == ()


def test_an_unhappy_general_mention_during_an_outage_window_is_hot() -> None:
    result = priority("general_mention", sentiment=Sentiment.NEGATIVE, events=(OUTAGE_WINDOW,))

    assert result[0] is Priority.HOT


@pytest.mark.parametrize(
    ("category", "text", "expected"),
    [
        ("praise", "", Sentiment.POSITIVE),
        ("complaint", "", Sentiment.NEGATIVE),
        ("outage", "", Sentiment.NEGATIVE),
        ("urgent_request", "", Sentiment.NEGATIVE),
        ("troll", "", Sentiment.NEGATIVE),
        ("question", "", Sentiment.NEUTRAL),
        ("spam", "", Sentiment.NEUTRAL),
        ("industry", "", Sentiment.NEUTRAL),
        ("general_mention", "Widziałam billboard, całkiem ładny", Sentiment.NEUTRAL),
        ("general_mention", "Brawo za film, córka zachwycona 😍", Sentiment.POSITIVE),
        ("general_mention", "Super ad, but the app is a joke", Sentiment.NEUTRAL),
    ],
)
def test_sentiment(category: str, text: str, expected: Sentiment) -> None:
    assert decide_sentiment(category, read_signals(text)).sentiment is expected
