"""The triage pipeline end to end on plain values: labels, reasons, incidents, context."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.triage.examples import MentionInput
from domain.triage.model import E5Embedder
from domain.triage.pipeline import Triager, UnknownBrandError
from domain.triage.rules import TriageContext

START = datetime(2026, 11, 13, 18, 0, tzinfo=UTC)

OUTAGE_REPORTS = (
    "Kestrel app won't load, anyone else?",
    "Is Kestrel's website down? Error 503 when I try to log in",
    "Same here, check-in page not loading for 10 minutes",
    "Kestrel online check-in is down again, can't get my boarding pass",
    "App crashes on login, error every time. Anyone else?",
    "Website not working at all, stuck on loading screen",
)
UNRELATED_COMPLAINTS = (
    "The rider left my order at the wrong building and it arrived cold",
    "You charged my card twice for the premium subscription this month",
    "Customer service closed my chat without answering my question about vouchers",
    "Restaurant forgot the drinks again, third time in a row",
    "Delivery fee increased and nobody told me beforehand",
    "Promo code WELCOME20 rejected at checkout without explanation",
)


@pytest.fixture(scope="module")
def triager() -> Triager:
    return Triager.from_seed_examples(embedder=E5Embedder())


def mention(
    text: str,
    *,
    mention_id: str = "m1",
    brand: str = "kestrel",
    kind: str = "comment",
    author: str = "@someone",
    posted_at: datetime | None = START,
) -> MentionInput:
    return MentionInput(
        id=mention_id,
        brand=brand,
        channel_kind="x",
        kind=kind,
        text=text,
        author_handle=author,
        posted_at=posted_at,
    )


def test_an_outage_burst_becomes_one_incident_with_reasons(triager: Triager) -> None:
    mentions = [
        mention(
            text,
            mention_id=f"o{n}",
            author=f"@traveller{n}",
            posted_at=START + n * timedelta(minutes=4),
        )
        for n, text in enumerate(OUTAGE_REPORTS)
    ]

    results = triager.triage_batch(mentions)

    assert {result.incident for result in results} == {"kestrel-outage-20261113-1800"}
    assert {(r.labels.category, r.labels.priority) for r in results} == {("outage", "hot")}
    assert {r.labels.escalate_to for r in results} == {"technical"}
    assert results[-1].reasons[-1] == (
        "incident kestrel-outage-20261113-1800: 6 similar posts in 20 min"
    )
    assert results[-1].reasons[3].startswith("hot: outage words ")
    assert results[-1].reasons[3].endswith(" + 6 similar posts in 20 min + premium brand")
    # The first posts joined before the incident opened; the batch still groups them.
    assert (
        results[0].reasons[-1] == "incident kestrel-outage-20261113-1800: first of 6 similar posts"
    )


def test_a_stream_carries_the_burst_across_calls(triager: Triager) -> None:
    spikes = triager.new_spike_detector()

    incidents = [
        triager.triage_mention(
            mention(
                text,
                mention_id=f"s{n}",
                author=f"@t{n}",
                posted_at=START + n * timedelta(minutes=4),
            ),
            spikes=spikes,
        ).incident
        for n, text in enumerate(OUTAGE_REPORTS)
    ]

    assert incidents == [None, None, None] + ["kestrel-outage-20261113-1800"] * 3


def test_unrelated_complaints_make_no_incident(triager: Triager) -> None:
    mentions = [
        mention(
            text,
            mention_id=f"c{n}",
            brand="forchetta",
            author=f"@c{n}",
            posted_at=START + n * timedelta(minutes=3),
        )
        for n, text in enumerate(UNRELATED_COMPLAINTS)
    ]

    results = triager.triage_batch(mentions)

    assert [result.incident for result in results] == [None] * 6


def test_public_card_number_moves_to_private_and_goes_to_billing(triager: Triager) -> None:
    result = triager.triage_mention(
        mention("I was charged twice, card 4111 1111 1111 1111, booking JXZHS5. Refund please.")
    )

    assert result.as_json() == {
        "id": "m1",
        "labels": {
            "language": "en",
            "priority": "hot",
            "category": "complaint",
            "sentiment": "negative",
            "sensitive_data": ["booking_reference", "card_number"],
            "needs_private": True,
            "escalate_to": "billing",
        },
        "reasons": [
            "language en: detector: 'en'",
            "category complaint: text model 0.95; complaint words 'refund', 'charged', 'twice'",
            "sentiment negative: complaint is negative",
            "hot: complaint words 'refund', 'charged', 'twice' + premium brand",
            "sensitive data: booking_reference, card_number → move to private",
            "escalate to billing: keyword 'charged twice' → billing; keyword 'refund' → billing",
        ],
        "incident": None,
    }
    assert [match.kind.value for match in result.sensitive_matches] == [
        "card_number",
        "booking_reference",
    ]


def test_a_private_message_never_needs_private(triager: Triager) -> None:
    result = triager.triage_mention(
        mention("I was charged twice, card 4111 1111 1111 1111. Refund please.", kind="dm")
    )

    assert result.labels.sensitive_data == ("card_number",)
    assert result.labels.needs_private is False
    assert "sensitive data: card_number (already a private message)" in result.reasons


def test_customer_history_and_vip_make_a_question_hot(triager: Triager) -> None:
    question = mention(
        "Kiedy w końcu dostanę odpowiedź w sprawie mojej szkody?", brand="wierzba", author="Jan K."
    )

    plain = triager.triage_mention(question)
    known = triager.triage_mention(
        question,
        context=TriageContext(
            open_serious_issues=1, history_note="unresolved claim last week", is_vip=True
        ),
    )

    assert (plain.labels.category, plain.labels.priority) == ("question", "cold")
    assert plain.reasons[3] == "cold: question words 'kiedy'"
    assert (known.labels.category, known.labels.priority) == ("question", "hot")
    assert known.reasons[3] == (
        "hot: question words 'kiedy' + unresolved claim last week + VIP customer + premium brand"
    )
    assert known.score > plain.score


def test_transliterated_russian_is_russian(triager: Triager) -> None:
    result = triager.triage_mention(
        mention("Privet, prilozhenie ne rabotaet uzhe chas, pochemu?", brand="biryuza")
    )

    assert result.labels.language == "ru"
    assert result.reasons[0] == (
        "language ru: Latin letters read as transliterated Russian: "
        "'privet', 'prilozhenie', 'rabotaet'"
    )
    assert (result.labels.category, result.labels.escalate_to) == ("outage", "technical")


def test_spam_is_noise_and_not_escalated(triager: Triager) -> None:
    result = triager.triage_mention(
        mention("Earn $500/day from home, link in bio 👉 easy-money.example/join", brand="nilgoon")
    )

    assert (result.labels.category, result.labels.priority) == ("spam", "noise")
    assert result.labels.escalate_to is None
    assert result.reasons[3] == "noise: spam"


def test_every_label_has_a_reason(triager: Triager) -> None:
    result = triager.triage_mention(mention("Best airline meal I've had in years 👌 thank you!"))

    assert result.labels.category == "praise"
    assert [reason.split(" ")[0] for reason in result.reasons] == [
        "language",
        "category",
        "sentiment",
        "cold:",
        "no",
        "no",
    ]


def test_unknown_brand_is_refused(triager: Triager) -> None:
    with pytest.raises(UnknownBrandError, match="unknown brand 'acme'"):
        triager.triage_mention(mention("hello", brand="acme"))
