"""Spike detection: bursts of similar complaints become one incident."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.triage.brands import BrandEvent
from domain.triage.spikes import OUTAGE_TOPIC, SpikeDetector, content_terms

START = datetime(2026, 11, 20, 17, 45, tzinfo=UTC)

UNRELATED_COMPLAINTS = (
    "The rider left my order at the wrong building and it arrived cold",
    "You charged my card twice for the premium subscription this month",
    "Customer service closed my chat without answering my question about vouchers",
    "Restaurant forgot the drinks again, third time in a row",
    "Delivery fee increased and nobody told me beforehand",
    "Promo code WELCOME20 rejected at checkout without explanation",
)


def observe_outages(
    detector: SpikeDetector, authors: list[str], *, every: timedelta = timedelta(minutes=4)
) -> list[str | None]:
    keys = []
    for index, author in enumerate(authors):
        membership = detector.observe(
            mention_id=f"m{index}",
            brand="nilgoon",
            author=author,
            posted_at=START + every * index,
            topic=OUTAGE_TOPIC,
        )
        keys.append(membership.incident_key if membership else None)
    return keys


def test_six_outage_reports_from_different_authors_in_twenty_minutes_are_one_incident() -> None:
    detector = SpikeDetector()

    keys = observe_outages(detector, [f"@user{n}" for n in range(6)])

    assert keys == [None, None, None] + ["nilgoon-outage-20261120-1745"] * 3
    (incident,) = detector.incidents
    assert incident.mention_ids == ["m0", "m1", "m2", "m3", "m4", "m5"]
    assert incident.size == 6
    assert incident.raises_alert


def test_six_unrelated_complaints_are_no_incident() -> None:
    detector = SpikeDetector()

    memberships = [
        detector.observe(
            mention_id=f"c{index}",
            brand="forchetta",
            author=f"@customer{index}",
            posted_at=START + timedelta(minutes=3 * index),
            topic="complaint",
            terms=content_terms(text),
        )
        for index, text in enumerate(UNRELATED_COMPLAINTS)
    ]

    assert memberships == [None] * 6
    assert detector.incidents == ()


def test_similar_complaints_group_by_shared_words() -> None:
    detector = SpikeDetector()
    texts = [f"Charged twice for my subscription renewal, customer number {n}" for n in range(5)]

    keys = [
        detector.observe(
            mention_id=f"c{index}",
            brand="forchetta",
            author=f"@customer{index}",
            posted_at=START + timedelta(minutes=index),
            topic="complaint",
            terms=content_terms(text),
        )
        for index, text in enumerate(texts)
    ]

    assert [key is not None for key in keys] == [False, False, False, True, True]
    assert [incident.key for incident in detector.incidents] == [
        "forchetta-complaint-20261120-1745"
    ]


def test_one_author_repeating_a_report_is_no_spike() -> None:
    detector = SpikeDetector()

    keys = observe_outages(detector, ["@same"] * 6)

    assert keys == [None] * 6


def test_reports_spread_beyond_the_window_are_no_spike() -> None:
    detector = SpikeDetector()

    keys = observe_outages(detector, [f"@user{n}" for n in range(6)], every=timedelta(minutes=40))

    assert keys == [None] * 6


def test_brands_are_counted_apart() -> None:
    detector = SpikeDetector()
    for index in range(6):
        detector.observe(
            mention_id=f"m{index}",
            brand="nilgoon" if index % 2 else "kestrel",
            author=f"@user{index}",
            posted_at=START + timedelta(minutes=index),
            topic=OUTAGE_TOPIC,
        )

    assert detector.incidents == ()


def test_later_reports_join_the_open_incident() -> None:
    detector = SpikeDetector()
    observe_outages(detector, [f"@user{n}" for n in range(4)])

    late = detector.observe(
        mention_id="late",
        brand="nilgoon",
        author="@late",
        posted_at=START + timedelta(minutes=40),
        topic=OUTAGE_TOPIC,
    )

    assert late is not None
    assert late.similar_posts == 5
    assert late.window == timedelta(minutes=40)
    assert detector.incidents[0].mention_ids[-1] == "late"


@pytest.mark.parametrize(("planned", "alert"), [(True, False), (False, True)])
def test_a_burst_inside_a_planned_outage_window_is_marked_planned(
    planned: bool, alert: bool
) -> None:
    window = BrandEvent(
        id="ev",
        kind="outage_window",
        title="Core network upgrade",
        start=START - timedelta(hours=1),
        end=START + timedelta(hours=3),
        planned=planned,
    )
    detector = SpikeDetector()
    for index in range(4):
        membership = detector.observe(
            mention_id=f"m{index}",
            brand="nilgoon",
            author=f"@user{index}",
            posted_at=START + timedelta(minutes=index),
            topic=OUTAGE_TOPIC,
            events=(window,),
        )

    assert membership is not None
    assert membership.planned_event == ("Core network upgrade" if planned else None)
    assert detector.incidents[0].raises_alert is alert


def test_content_terms_fold_case_and_skip_brand_names() -> None:
    assert content_terms("Nilgoon INTERNET قطع شده؟ Internetu", ignored=["Nilgoon"]) == {"inter"}
