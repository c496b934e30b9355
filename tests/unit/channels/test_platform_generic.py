"""Parley's own webhook format for custom sources."""

import json
from datetime import UTC, datetime

import pytest

from domain.channels.platforms import PARSERS, event_dedupe_keys
from domain.channels.platforms.generic import MAX_EVENTS, account_ids
from domain.channels.platforms.types import Author, EventAction, MalformedPayload, MentionKind


def encode(value: object) -> bytes:
    return json.dumps(value).encode()


REVIEW = {
    "id": "review-981",
    "kind": "review",
    "text": "Parcel arrived broken",
    "author": {"id": "u-17", "handle": "anna_k", "name": "Anna K."},
    "posted_at": "2026-11-30T09:15:00+01:00",
    "permalink": "https://shop.example/reviews/981",
    "media": ["image"],
    "account_id": "shop-eu",
}


def test_a_single_event_becomes_one_mention() -> None:
    (mention,) = PARSERS["generic"](encode(REVIEW)).mentions

    assert mention.platform == "generic"
    assert mention.kind is MentionKind.REVIEW
    assert mention.action is EventAction.CREATED
    assert mention.external_id == "review-981"
    assert mention.author == Author("u-17", "anna_k", "Anna K.")
    assert mention.posted_at == datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    assert mention.text == "Parcel arrived broken"
    assert (mention.has_media, mention.media_types) == (True, ("image",))
    assert mention.account_id == "shop-eu"
    assert mention.is_from_brand is False


def test_a_batch_keeps_order_and_reads_epochs_edits_and_the_brands_own_messages() -> None:
    body = encode(
        {
            "events": [
                {"id": 1, "kind": "post", "text": "Launch day", "from_brand": True},
                {
                    "id": "c-2",
                    "kind": "comment",
                    "action": "edited",
                    "parent_id": 1,
                    "root_id": 1,
                    "posted_at": 1_764_493_200_000,
                },
            ]
        }
    )

    post, comment = PARSERS["generic"](body).mentions

    assert (post.external_id, post.is_from_brand, post.posted_at) == ("1", True, None)
    assert (comment.action, comment.parent_external_id, comment.root_external_id) == (
        EventAction.EDITED,
        "1",
        "1",
    )
    assert comment.posted_at == datetime(2025, 11, 30, 9, 0, tzinfo=UTC)
    assert account_ids(body) == ("generic",)


@pytest.mark.parametrize(
    ("event", "path"),
    [
        ({"kind": "post"}, "id: missing"),
        ({"id": "a"}, "kind: missing"),
        ({"id": "a", "kind": "tweet"}, "kind: expected one of post, comment"),
        ({"id": "a", "kind": "post", "action": "liked"}, "action: expected one of"),
        ({"id": "a", "kind": "post", "posted_at": "yesterday"}, "posted_at: expected ISO"),
        ({"id": "a", "kind": "post", "posted_at": "2026-11-30T09:15:00"}, "UTC offset"),
        ({"id": "a", "kind": "post", "media": "image"}, "media: expected an array"),
    ],
)
def test_malformed_events_name_the_bad_field(event: dict[str, object], path: str) -> None:
    with pytest.raises(MalformedPayload, match=path):
        PARSERS["generic"](encode({"events": [event]}))


def test_batches_are_bounded_and_never_empty() -> None:
    with pytest.raises(MalformedPayload, match="at least one event"):
        PARSERS["generic"](encode({"events": []}))
    too_many = [{"id": str(n), "kind": "post"} for n in range(MAX_EVENTS + 1)]
    with pytest.raises(MalformedPayload, match=f"at most {MAX_EVENTS} events"):
        PARSERS["generic"](encode({"events": too_many}))


def test_redeliveries_share_keys_and_edits_do_not() -> None:
    original = encode(REVIEW)
    redelivered = encode(dict(reversed(list(REVIEW.items()))))
    edited = encode({**REVIEW, "action": "edited", "posted_at": "2026-11-30T10:00:00Z"})

    assert event_dedupe_keys("generic", original) == event_dedupe_keys("generic", redelivered)
    assert set(event_dedupe_keys("generic", original)).isdisjoint(
        event_dedupe_keys("generic", edited)
    )


def test_a_truncated_body_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="generic payload is not valid JSON"):
        PARSERS["generic"](encode(REVIEW)[:-7])
