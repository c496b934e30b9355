"""Q&A JSONL records, the search document of an entry, and the matched variant."""

import json
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from domain.knowledge.errors import InvalidQnaRecordError
from domain.knowledge.rules import (
    QnaRecord,
    QnaSearchEntry,
    VariantMatch,
    best_variant,
    highlight_words,
    parse_qna_jsonl,
    qna_search_document,
)
from domain.knowledge.text import content_keys

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PROJECT = Path(__file__).resolve().parents[3]
TENANT = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
BRAND = uuid.UUID("00000000-0000-4000-8000-0000000000b1")


def test_the_shared_file_parses_into_97_records_of_five_brands() -> None:
    records = parse_qna_jsonl((FIXTURES / "qna.jsonl").read_text("utf-8"))

    assert len(records) == 97
    assert Counter((record.brand, record.language) for record in records) == {
        ("kestrel", "en"): 20,
        ("wierzba", "pl"): 18,
        ("biryuza", "ru"): 18,
        ("forchetta", "it"): 17,
        ("nilgoon", "fa"): 16,
        ("wierzba", "en"): 2,
        ("biryuza", "en"): 2,
        ("forchetta", "en"): 2,
        ("nilgoon", "en"): 2,
    }
    assert records[0] == QnaRecord(
        id="qna-wierzba-001",
        brand="wierzba",
        language="pl",
        product="OC komunikacyjne",
        question_variants=(
            "Jak zgłosić szkodę, jeśli sprawca ma OC w Wierzbie?",
            "Sprawca ma u was OC – co mam zrobić?",
            "Gdzie zgłosić szkodę z OC sprawcy?",
        ),
        answer=records[0].answer,
        tags=("szkoda", "OC sprawcy", "zgłoszenie"),
        last_reviewed=date(2026, 10, 28),
    )


def test_the_demo_copy_is_the_shared_file_byte_for_byte() -> None:
    demo = PROJECT / "domain" / "knowledge" / "data" / "qna.jsonl"
    assert demo.read_bytes() == (FIXTURES / "qna.jsonl").read_bytes()


def _line(**overrides: object) -> str:
    record: dict[str, object] = {
        "id": "qna-1",
        "brand": "kestrel",
        "language": "en",
        "product": "Baggage",
        "question_variants": ["Where is my bag?"],
        "answer": "Track it at kestrel.example/bags.",
        "tags": ["baggage"],
        "last_reviewed": "2026-10-28",
    }
    record.update(overrides)
    return json.dumps(record)


def test_blank_lines_are_skipped_and_text_is_trimmed() -> None:
    content = "\n" + _line(answer="  Track it.  ", tags=["bags", " "]) + "\n\n"

    [record] = parse_qna_jsonl(content)

    assert record.answer == "Track it."
    assert record.tags == ("bags",)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not JSON (Expecting property name enclosed in double quotes)"),
        ("[1, 2]", "line 2: a record must be a JSON object"),
        (_line(id=""), "line 2: id must be non-empty text"),
        (_line(answer=None), "line 2: answer must be non-empty text"),
        (_line(language="de"), "line 2: language 'de' is not one of pl, ru, it, fa, en"),
        (_line(question_variants=[]), "line 2: question_variants needs at least one question"),
        (_line(question_variants="Where?"), "line 2: question_variants must be a list of texts"),
        (_line(tags=[1]), "line 2: tags must be a list of texts"),
        (_line(product=5), "line 2: product must be text"),
        (_line(last_reviewed="28.10.2026"), "line 2: last_reviewed must be a YYYY-MM-DD date"),
        (_line(id="qna-0"), "line 2: id 'qna-0' repeats an earlier line"),
    ],
)
def test_an_invalid_record_names_its_line(line: str, message: str) -> None:
    content = _line(id="qna-0") + "\n" + line

    with pytest.raises(InvalidQnaRecordError) as raised:
        parse_qna_jsonl(content)

    assert str(raised.value) == message
    assert raised.value.line == 2
    assert raised.value.field == "file"


def test_the_search_document_carries_text_keys_and_what_a_suggestion_shows() -> None:
    entry = QnaSearchEntry(
        entry_id="qna-7",
        tenant_id=TENANT,
        brand_id=BRAND,
        language="pl",
        question_variants=("Jak zgłosić szkodę?", "Gdzie zgłosić wypadek?"),
        answer="Szkody zgłaszamy w aplikacji.",
        product="AC",
        tags=("szkoda",),
        status="approved",
        version=4,
    )

    document = qna_search_document(entry)

    assert document.id == "qna-7"
    assert document.tenant_id == TENANT
    assert document.brand_id == BRAND
    assert document.text == (
        "Jak zgłosić szkodę?\n"
        "Gdzie zgłosić wypadek?\n"
        "Szkody zgłaszamy w aplikacji.\n"
        "AC\n"
        "szkoda\n"
        # The variants count twice in the key line.
        "zglos szkod zglos wypade zglos szkod zglos wypade szkod zglasz aplika ac szkod\n"
        # The same words' stem trigrams, weighted the same way (the fuzzy signal).
        "3zgl 3glo 3los 3szk 3zko 3kod 3zgl 3glo 3los 3wyp 3ypa 3pad 3ade 3dek "
        "3zgl 3glo 3los 3szk 3zko 3kod 3zgl 3glo 3los 3wyp 3ypa 3pad 3ade 3dek "
        "3szk 3zko 3kod 3zgl 3gla 3las 3asz 3sza 3zam 3apl 3pli 3lik 3ika 3kac 3acj "
        "3szk 3zko 3kod"
    )
    assert document.fields == {
        "entry_id": "qna-7",
        "language": "pl",
        "product": "AC",
        "tags": ["szkoda"],
        "status": "approved",
        "version": 4,
        "question_variants": ["Jak zgłosić szkodę?", "Gdzie zgłosić wypadek?"],
        "answer": "Szkody zgłaszamy w aplikacji.",
    }


def test_the_best_variant_shares_most_words_and_is_highlighted_escaped() -> None:
    variants = ("Where is my <b>bag</b>?", "My bag didn't arrive", "Delayed baggage")
    keys = content_keys("my bags did not arrive on my flight", "en")

    assert best_variant(variants, query_keys=keys, language="en") == VariantMatch(
        index=1,
        text="My bag didn't arrive",
        highlight="My <em>bag</em> didn&#x27;t <em>arrive</em>",
        matched_words=2,
    )


def test_ties_go_to_the_variant_with_the_larger_share_matched_then_the_first() -> None:
    keys = content_keys("refund", "en")

    match = best_variant(
        ("When will my refund arrive after the cancellation?", "Refund status", "refund?"),
        query_keys=keys,
        language="en",
    )
    assert match is not None
    assert match.index == 2


def test_no_variant_when_no_variant_shares_a_word() -> None:
    assert best_variant(("Pet travel rules",), query_keys=("refund",), language="en") is None
    assert best_variant((), query_keys=("refund",), language="en") is None


def test_highlight_words_marks_every_inflected_form() -> None:
    assert (
        highlight_words("Szkody & szkodę zgłoszą", query_keys=("szkod",), language="pl")
        == "<em>Szkody</em> &amp; <em>szkodę</em> zgłoszą"
    )
