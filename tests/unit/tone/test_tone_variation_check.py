"""The variation check: drafts that repeat the brand's recent replies almost word for word."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.tone.variation import (
    RecentReply,
    SimilarReply,
    dice,
    shingles,
    similar_recent_replies,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DRAFT = "Hi Anna, we've refunded the 20 € seat fee to your card; it shows within 7–10 working days."
SAME_SCRIPT = (
    "Hi Priya, we've refunded the 35 € seat fee to your card; it shows within 7–10 working days."
)
REWORDED = (
    "Hi Priya, your seat fee refund is on its way and should reach your card within a week or so."
)


def test_a_near_copy_sent_recently_is_reported() -> None:
    recent = [
        RecentReply("r-1", SAME_SCRIPT, NOW - timedelta(days=1)),
        RecentReply("r-2", REWORDED, NOW - timedelta(hours=2)),
    ]

    assert similar_recent_replies(DRAFT, recent, now=NOW) == (
        SimilarReply("r-1", 0.9182, NOW - timedelta(days=1)),
    )


def test_case_punctuation_spacing_and_digits_do_not_hide_a_copy() -> None:
    copy = (
        "HI ANNA!!  We’ve refunded the 90 € seat-fee to your card — "
        "it shows within 1-5 working days"
    )

    [similar] = similar_recent_replies(DRAFT, [RecentReply("r-1", copy, NOW)], now=NOW)

    assert similar.similarity == 1.0


def test_only_replies_inside_the_window_count() -> None:
    recent = [
        RecentReply("old", DRAFT, NOW - timedelta(days=8)),
        RecentReply("future", DRAFT, NOW + timedelta(minutes=1)),
        RecentReply("edge", DRAFT, NOW - timedelta(days=7)),
    ]

    assert [s.reply_id for s in similar_recent_replies(DRAFT, recent, now=NOW)] == ["edge"]
    assert [
        s.reply_id
        for s in similar_recent_replies(DRAFT, recent, now=NOW, window=timedelta(days=30))
    ] == ["edge", "old"]


def test_most_similar_first_then_most_recent() -> None:
    recent = [
        RecentReply("same-older", DRAFT, NOW - timedelta(days=2)),
        RecentReply("script", SAME_SCRIPT, NOW - timedelta(hours=1)),
        RecentReply("same-newer", DRAFT, NOW - timedelta(days=1)),
    ]

    assert [s.reply_id for s in similar_recent_replies(DRAFT, recent, now=NOW)] == [
        "same-newer",
        "same-older",
        "script",
    ]


def test_the_threshold_is_configurable() -> None:
    recent = [RecentReply("r-1", SAME_SCRIPT, NOW), RecentReply("r-2", REWORDED, NOW)]

    assert similar_recent_replies(DRAFT, recent, now=NOW, threshold=0.95) == ()
    assert [s.reply_id for s in similar_recent_replies(DRAFT, recent, now=NOW, threshold=0.1)] == [
        "r-1",
        "r-2",
    ]
    with pytest.raises(ValueError, match="threshold"):
        similar_recent_replies(DRAFT, recent, now=NOW, threshold=0)


def test_short_acknowledgements_may_repeat() -> None:
    thanks = "Dziękujemy za miłe słowa!"

    assert shingles(thanks) == frozenset()
    assert similar_recent_replies(thanks, [RecentReply("r-1", thanks, NOW)], now=NOW) == ()


def test_dice_of_empty_sets_is_zero() -> None:
    assert dice(frozenset(), frozenset({"abcde"})) == 0.0
    assert dice(frozenset({"abcde"}), frozenset({"abcde", "bcdef"})) == 2 / 3


def test_cyrillic_and_persian_replies_are_compared_too() -> None:
    russian = (
        "Здравствуйте! Перевыпуск карты бесплатный, новая карта будет готова через 5 рабочих дней."
    )
    persian = (
        "لطفاً شماره پیگیری تراکنش را از طریق ربات پشتیبانی ارسال کنید تا ظرف ۲ روز کاری بررسی شود."
    )

    assert [
        s.reply_id
        for s in similar_recent_replies(
            russian.replace("5", "7"),
            [RecentReply("ru", russian, NOW), RecentReply("fa", persian, NOW)],
            now=NOW,
        )
    ] == ["ru"]
    assert [
        s.similarity
        for s in similar_recent_replies(
            persian.replace("۲", "۳"), [RecentReply("fa", persian, NOW)], now=NOW
        )
    ] == [1.0]
