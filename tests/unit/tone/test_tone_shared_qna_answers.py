"""Every approved answer of the shared Q&A passes its own brand's tone check.

The answers are the client's reference texts, written in each brand's voice:
any form-of-address, banned-phrase, redirect, emoji or signature finding on
them would be a false alarm. Length is the one exception: Kestrel answers are
written for e-mail and Facebook and exceed the 280 characters the brand allows
in one reply (the signature the system appends takes 4 of them), so agents
shorten them; that is what `too_long` tells them.
"""

import json
from pathlib import Path

from domain.tone.rules import ToneFindingCode, check_tone
from tests.unit.tone.demo_tone import guidelines

QNA_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "qna.jsonl"
TOO_LONG_FOR_ONE_REPLY = {
    "qna-forchetta-004",
    *(f"qna-kestrel-{number:03d}" for number in (2, 4, 5, 6, 7, 8, 9, 10, 12, 15, 17, 19, 20)),
}


def test_shared_answers_have_no_tone_findings_but_length() -> None:
    too_long: set[str] = set()
    other: list[tuple[str, str]] = []
    entries = [json.loads(line) for line in QNA_FILE.read_text("utf-8").splitlines()]
    for entry in entries:
        for finding in check_tone(
            entry["answer"],
            guidelines=guidelines(entry["brand"]),
            language=entry["language"],
            channel_kind=None,
            context_category="question",
        ):
            if finding.code is ToneFindingCode.TOO_LONG:
                too_long.add(entry["id"])
            else:
                other.append((entry["id"], finding.message))

    assert len(entries) == 97
    assert other == []
    assert too_long == TOO_LONG_FOR_ONE_REPLY
