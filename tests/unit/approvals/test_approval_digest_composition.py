"""The approvers' digest e-mail: what it lists, in which order, with which links."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.notifications.digest import DigestItem, approval_link, compose_approval_digest

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_the_digest_lists_each_item_with_its_link_grouped_by_brand() -> None:
    items = [
        DigestItem("id-3", "Wierzba", "tone_version", "tone guidelines (pl) v2", NOW),
        DigestItem("id-1", "Biryuza", "qna_version", "qna-biryuza-004 v2: Где карта?", NOW),
        DigestItem(
            "id-2", "Wierzba", "qna_version", "qna-wierzba-001 v1", NOW - timedelta(hours=1)
        ),
    ]

    message = compose_approval_digest(
        recipient="approver@client.example",
        items=items,
        public_base_url="https://parley.example/",
    )

    assert message.to == "approver@client.example"
    assert message.subject == "Parley: 3 items awaiting your approval"
    assert message.text == (
        "3 items awaiting your approval in Parley.\n"
        "\n"
        "Biryuza:\n"
        "- Q&A entry: qna-biryuza-004 v2: Где карта?\n"
        "  https://parley.example/approvals/id-1\n"
        "\n"
        "Wierzba:\n"
        "- Q&A entry: qna-wierzba-001 v1\n"
        "  https://parley.example/approvals/id-2\n"
        "- Tone guidelines: tone guidelines (pl) v2\n"
        "  https://parley.example/approvals/id-3\n"
        "\n"
        "You receive at most one digest per interval; each item is listed once.\n"
    )


def test_one_item_reads_in_the_singular() -> None:
    message = compose_approval_digest(
        recipient="a@b.example",
        items=[DigestItem("r1", "Kestrel", "reply", "Reply to @traveller", NOW)],
        public_base_url="http://127.0.0.1:8000",
    )
    assert message.subject == "Parley: 1 item awaiting your approval"
    assert "- Reply: Reply to @traveller\n  http://127.0.0.1:8000/approvals/r1\n" in message.text


def test_an_empty_digest_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        compose_approval_digest(recipient="a@b.example", items=[], public_base_url="http://x")


def test_links_have_one_slash() -> None:
    assert approval_link("https://p.example/", "abc") == "https://p.example/approvals/abc"
    assert approval_link("https://p.example", "abc") == "https://p.example/approvals/abc"
