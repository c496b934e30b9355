"""Pure helpers of the search backends: query words, FTS5 quoting, highlights, bodies."""

import datetime as dt
import decimal
import enum
import uuid

import pytest

from domain.shared.ports import SearchDocument
from search.documents import (
    MAX_QUERY_WORDS,
    fts5_match_expression,
    highlight_from_markers,
    jsonable,
    merge_highlights,
    opensearch_id,
    opensearch_source,
    query_words,
    require_logical_index,
    validate_filters,
)
from search.errors import IndexingError, IndexingFailure, InvalidFilterError, UnknownIndexError
from search.indices import (
    SEARCH_FIELDS,
    alias_name,
    concrete_index_name,
    index_template,
    template_name,
    validate_prefix,
)

TENANT = uuid.UUID("00000000-0000-4000-8000-00000000000a")
BRAND = uuid.UUID("00000000-0000-4000-8000-0000000000a1")


class Channel(enum.StrEnum):
    FACEBOOK = "facebook"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("refund late", ("refund", "late")),
        ("  refund\tlate\n", ("refund", "late")),
        ('"refund" (late)', ('"refund"', "(late)")),
        ("Refund refund REFUND", ("Refund",)),
        ('!!! ??? () "" * - :', ()),
        ("", ()),
        ("żółty заказ 42", ("żółty", "заказ", "42")),
    ],
)
def test_query_words(query: str, expected: tuple[str, ...]) -> None:
    assert query_words(query) == expected


def test_query_words_keeps_at_most_the_first_words() -> None:
    words = query_words(" ".join(f"w{number}" for number in range(100)))

    assert words == tuple(f"w{number}" for number in range(MAX_QUERY_WORDS))


def test_fts5_match_expression_quotes_every_word_and_doubles_quotes() -> None:
    assert fts5_match_expression(["refund", 'say"hi', "NEAR(a", "x*"]) == (
        '"refund" "say""hi" "NEAR(a" "x*"'
    )


@pytest.mark.parametrize(
    ("fragments", "expected"),
    [
        ([], ()),
        (["a <em>cat</em> b"], ("a <em>cat</em> b",)),
        (
            ["the <em>cats</em> and dogs", "the cats and <em>dogs</em>"],
            ("the <em>cats</em> and <em>dogs</em>",),
        ),
        (["<em>a</em> b", "<em>a</em> b"], ("<em>a</em> b",)),
        (["x <em>a</em>", "y <em>b</em>"], ("x <em>a</em>", "y <em>b</em>")),
        (["&lt;em&gt; <em>a</em>"], ("&lt;em&gt; <em>a</em>",)),
        (
            ["one <em>x</em>", "two <em>x</em>", "three <em>x</em>", "four <em>x</em>"],
            (
                "one <em>x</em>",
                "two <em>x</em>",
                "three <em>x</em>",
            ),
        ),
    ],
)
def test_merge_highlights(fragments: list[str], expected: tuple[str, ...]) -> None:
    assert merge_highlights(fragments) == expected


def test_highlight_from_markers_escapes_html_then_places_tags() -> None:
    assert highlight_from_markers("<b>\x02ok\x03</b> & 'x'", start="\x02", end="\x03") == (
        "&lt;b&gt;<em>ok</em>&lt;/b&gt; &amp; &#x27;x&#x27;"
    )


def test_jsonable_converts_values_json_cannot_hold() -> None:
    value = {
        "posted_at": dt.datetime(2025, 3, 1, 12, 30, tzinfo=dt.UTC),
        "day": dt.date(2025, 3, 1),
        "customer": uuid.UUID(int=1),
        "amount": decimal.Decimal("9.50"),
        "channel": Channel.FACEBOOK,
        "labels": ("refund", "vip"),
        "nested": {"stars": 5, "vip": True, "ratio": 0.5, "none": None},
    }

    assert jsonable(value) == {
        "posted_at": "2025-03-01T12:30:00+00:00",
        "day": "2025-03-01",
        "customer": "00000000-0000-0000-0000-000000000001",
        "amount": "9.50",
        "channel": "facebook",
        "labels": ["refund", "vip"],
        "nested": {"stars": 5, "vip": True, "ratio": 0.5, "none": None},
    }
    with pytest.raises(TypeError, match="bytes"):
        jsonable({"raw": b"x"})


def test_opensearch_body_of_a_document() -> None:
    document = SearchDocument(
        id="m-1", tenant_id=TENANT, brand_id=BRAND, text="Hi", fields={"channel": "x"}
    )

    assert opensearch_id(TENANT, "m-1") == f"{TENANT}:m-1"
    assert opensearch_source(document) == {
        "doc_id": "m-1",
        "tenant_id": str(TENANT),
        "brand_id": str(BRAND),
        "text": "Hi",
        "fields": {"channel": "x"},
    }
    unbranded = SearchDocument(id="m-2", tenant_id=TENANT, brand_id=None, text="Hi")
    assert opensearch_source(unbranded)["brand_id"] is None


def test_logical_index_names_and_filters_are_checked() -> None:
    assert require_logical_index("qna") == "qna"
    with pytest.raises(UnknownIndexError, match="'users'"):
        require_logical_index("users")
    assert validate_filters(None) == {}
    assert validate_filters({"channel_id": "x"}) == {"channel_id": "x"}
    for key in ("a.b", "a b", "", "1a", 'a"'):
        with pytest.raises(InvalidFilterError):
            validate_filters({key: "x"})


def test_opensearch_names() -> None:
    assert alias_name("parley", "mentions") == "parley-mentions"
    assert concrete_index_name("parley", "mentions") == "parley-mentions-v1"
    assert template_name("parley", "qna") == "parley-qna-template"
    assert validate_prefix("parley-test_1") == "parley-test_1"
    for prefix in ("", "Parley", "-parley", "par ley", "parley*"):
        with pytest.raises(ValueError, match="invalid search index prefix"):
            validate_prefix(prefix)


def test_index_template_shape() -> None:
    template = index_template("parley", "qna")

    assert template["index_patterns"] == ["parley-qna-*"]
    assert template["template"]["mappings"]["properties"]["fields"]["properties"] == {}
    assert SEARCH_FIELDS == ("text", "text.en", "text.ru", "text.it", "text.fa", "text.pl")


def test_indexing_error_lists_every_failure() -> None:
    error = IndexingError(
        (
            IndexingFailure(document_id="a", status=400, reason="mapper_parsing_exception: x"),
            IndexingFailure(document_id="b", status=429, reason="rejected"),
        ),
        attempted=5,
    )

    assert str(error) == (
        "2 of 5 documents were not written: a: 400 mapper_parsing_exception: x; b: 429 rejected"
    )
