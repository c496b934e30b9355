"""Every answer of the shared Q&A against its own brand's tone check (`check_qna_answer`).

The answers are the client's reference texts, written in each brand's voice:
any form-of-address, banned-phrase, redirect, emoji or signature finding on
them would be a false alarm. A Q&A answer is not yet a reply: it is checked
against the brand's reply length only as a warning (whoever answers from it
shortens it), without a channel's or platform's limit and without the room a
reply keeps for the signature the system appends; the reply that uses it is
checked against its channel then, and there an over-long text is an error.
"""

import json
from dataclasses import replace
from pathlib import Path

from domain.tone.rules import (
    Severity,
    SignatureRule,
    ToneFindingCode,
    check_qna_answer,
    check_tone,
)
from tests.unit.tone.demo_tone import brand_config, guidelines

QNA_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "qna.jsonl"


def shared_entries() -> list[dict[str, str]]:
    return [json.loads(line) for line in QNA_FILE.read_text("utf-8").splitlines()]


def brand_limit(slug: str) -> int:
    tone = brand_config(slug)["tone_guidelines"]
    assert isinstance(tone, dict)
    limit = tone["max_reply_chars"]
    assert isinstance(limit, int)
    return limit


def test_every_shared_answer_passes_its_brand_check_and_long_ones_are_flagged_to_shorten() -> None:
    entries = shared_entries()
    errors: list[tuple[str, str]] = []
    long_warnings: set[str] = set()
    for entry in entries:
        for finding in check_qna_answer(
            entry["answer"], guidelines=guidelines(entry["brand"]), language=entry["language"]
        ):
            if finding.severity is Severity.ERROR:
                errors.append((entry["id"], finding.message))
            elif finding.code is ToneFindingCode.TOO_LONG:
                long_warnings.add(entry["id"])

    assert len(entries) == 97
    assert errors == []
    # Length: a warning exactly for the answers longer than their brand's reply limit.
    assert long_warnings == {
        entry["id"] for entry in entries if len(entry["answer"]) > brand_limit(entry["brand"])
    }
    assert len(long_warnings) == 12


def test_a_long_answer_is_a_warning_but_a_reply_of_it_is_an_error() -> None:
    answer = next(entry for entry in shared_entries() if entry["id"] == "qna-kestrel-015")
    assert len(answer["answer"]) > brand_limit("kestrel")

    findings = check_qna_answer(answer["answer"], guidelines=guidelines("kestrel"), language="en")
    assert [(finding.code, finding.severity) for finding in findings] == [
        (ToneFindingCode.TOO_LONG, Severity.WARNING)
    ]
    as_reply = check_tone(
        answer["answer"],
        guidelines=guidelines("kestrel"),
        language="en",
        channel_kind="facebook_page",
        context_category="question",
    )
    assert [(finding.code, finding.severity) for finding in as_reply] == [
        (ToneFindingCode.TOO_LONG, Severity.ERROR)
    ]


def test_an_answer_at_the_brand_limit_passes_but_a_reply_of_it_keeps_room_for_the_signature() -> (
    None
):
    answer = next(entry for entry in shared_entries() if entry["id"] == "qna-kestrel-020")
    assert len(answer["answer"]) == brand_limit("kestrel") == 280

    assert check_qna_answer(answer["answer"], guidelines=guidelines("kestrel"), language="en") == ()
    as_reply = check_tone(
        answer["answer"],
        guidelines=guidelines("kestrel"),
        language="en",
        channel_kind="facebook_page",
        context_category="question",
    )
    assert [(finding.code, finding.message) for finding in as_reply] == [
        (
            ToneFindingCode.TOO_LONG,
            "280 characters; the limit for this brand's replies is 280, 4 of them kept for "
            "the signature the system appends: shorten it by 4.",
        )
    ]


def test_a_long_approved_answer_used_on_x_gets_the_platform_limit() -> None:
    answer = next(entry for entry in shared_entries() if entry["id"] == "qna-wierzba-001")
    assert len(answer["answer"]) <= brand_limit("wierzba")

    assert check_qna_answer(answer["answer"], guidelines=guidelines("wierzba"), language="pl") == ()
    on_x = check_tone(
        answer["answer"],
        guidelines=guidelines("wierzba"),
        language="pl",
        channel_kind="x",
        context_category="question",
    )
    assert [finding.code for finding in on_x] == [ToneFindingCode.TOO_LONG]
    assert "the limit for X replies is 280" in on_x[0].message


def test_an_answer_needs_no_signature_the_agent_adds_but_must_not_carry_an_appended_one() -> None:
    signed_by_agent = replace(
        guidelines("kestrel"), signature=SignatureRule(format="^{initials}", example="^JM")
    )
    text = "Claim at kestrel.example/claims with your booking reference."

    assert check_qna_answer(text, guidelines=signed_by_agent, language="en") == ()
    assert [
        finding.code
        for finding in check_tone(
            text,
            guidelines=signed_by_agent,
            language="en",
            channel_kind="x",
            context_category="question",
        )
    ] == [ToneFindingCode.MISSING_SIGNATURE]
    assert [
        finding.code
        for finding in check_qna_answer(
            text + "\n^JM", guidelines=guidelines("kestrel"), language="en"
        )
    ] == [ToneFindingCode.DUPLICATE_SIGNATURE]
