from datetime import UTC, datetime

import pytest

from domain.channels.platforms import export
from domain.channels.platforms.types import Author, EventAction, MalformedPayload, MentionKind
from tests.unit.channels.webhook_fixture_manifests import FIXTURES_DIR, manifest

CSV = (FIXTURES_DIR / "export" / "mentions_export.csv").read_bytes()
JSONL = (FIXTURES_DIR / "export" / "mentions_export.jsonl").read_bytes()
IDS = [f"m-{n:04d}" for n in range(1, 21)]


def test_csv_fixture_has_bom_and_crlf() -> None:
    assert CSV.startswith(b"\xef\xbb\xbfMention ID,")
    assert b"\r\n" in CSV
    assert not JSONL.startswith(b"\xef\xbb\xbf")


def test_csv_and_jsonl_give_the_same_twenty_mentions() -> None:
    from_csv = export.parse_csv(CSV)
    from_jsonl = export.parse_jsonl(JSONL)
    rows = manifest("export")["files"]
    assert rows["mentions_export.csv"]["rows"] == rows["mentions_export.jsonl"]["rows"] == 20
    assert [m.external_id for m in from_csv.mentions] == IDS
    assert [m.external_id for m in from_jsonl.mentions] == IDS
    assert from_csv == from_jsonl
    assert from_csv.ignored == ()


def test_first_row_keeps_its_multi_line_text_and_utc_date() -> None:
    first = export.parse_csv(CSV).mentions[0]
    assert first.platform == "export"
    assert first.account_id == export.EXPORT_ACCOUNT_ID
    assert (first.action, first.kind) == (EventAction.CREATED, MentionKind.COMMENT)
    assert first.author == Author(
        platform_user_id=None, handle=None, display_name="Katarzyna Wiśniewska"
    )
    assert first.text == (
        "Zamówiłam Aurę 3 tygodnie temu (zamówienie PL-2025-118734) i dalej nic. Infolinia nie "
        "odbiera. Jak długo jeszcze mam czekać?\n\nEDIT: dostałam numer przesyłki, dziękuję za "
        "szybką reakcję 👍"
    )
    assert first.posted_at == datetime(2025, 3, 14, 9, 41, 7, tzinfo=UTC)
    assert dict(first.extra) == {
        "source": "facebook",
        "canonical_url": first.permalink,
        "reach": "18400",
        "sentiment": "negative",
        "lang": "pl",
        "source_object_id": "1187723409865521",
    }


def test_quoted_commas_and_double_quotes_survive() -> None:
    mentions = {m.external_id: m for m in export.parse_csv(CSV).mentions}
    assert mentions["m-0019"].text == (
        'Solvia Aura ANC review: "surprisingly good" noise cancelling for the price, but the '
        "case feels cheap."
    )
    assert mentions["m-0014"].permalink == (
        "https://www.technoteka.pl/news/solvia-aura-anc-premiera-w-polsce,4412"
    )


@pytest.mark.parametrize(
    ("mention_id", "kind", "source", "object_id"),
    [
        ("m-0004", MentionKind.COMMENT, "instagram", "18028715934470391"),
        ("m-0006", MentionKind.POST, "instagram", None),
        ("m-0007", MentionKind.POST, "x", "1900592812245836326"),
        ("m-0010", MentionKind.POST, "x", "1900609539547746454"),
        ("m-0011", MentionKind.COMMENT, "telegram", "3304"),
        ("m-0012", MentionKind.COMMENT, "vk", "-227771234_1851"),
        ("m-0016", MentionKind.POST, "forum", None),
    ],
)
def test_kind_and_platform_object_id_come_from_the_url(
    mention_id: str, kind: MentionKind, source: str, object_id: str | None
) -> None:
    mention = {m.external_id: m for m in export.parse_jsonl(JSONL).mentions}[mention_id]
    assert (mention.kind, mention.extra["source"], mention.raw_kind) == (kind, source, source)
    assert mention.extra.get("source_object_id") == object_id


def test_syndicated_copy_has_the_same_canonical_url() -> None:
    mentions = {m.external_id: m for m in export.parse_csv(CSV).mentions}
    assert mentions["m-0015"].permalink != mentions["m-0014"].permalink
    assert mentions["m-0015"].extra["canonical_url"] == mentions["m-0014"].extra["canonical_url"]
    assert export.canonical_url("https://a.example/p?id=3&utm_source=rss#top") == (
        "https://a.example/p?id=3"
    )


def test_empty_handle_and_null_handle_both_mean_unknown() -> None:
    csv_first = export.parse_csv(CSV).mentions[0]
    jsonl_first = export.parse_jsonl(JSONL).mentions[0]
    assert csv_first.author is not None
    assert jsonl_first.author is not None
    assert csv_first.author.handle is None
    assert jsonl_first.author.handle is None


def test_lf_only_csv_without_bom_parses_the_same() -> None:
    plain = CSV.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    assert export.parse_csv(plain) == export.parse_csv(CSV)


def test_csv_missing_column_is_malformed() -> None:
    header, rest = CSV.split(b"\r\n", 1)
    broken = header.replace(b",Sentiment", b",Mood") + b"\r\n" + rest
    with pytest.raises(MalformedPayload, match=r"^export payload: CSV header lacks Sentiment$"):
        export.parse_csv(broken)


def test_csv_short_row_and_bad_date_name_the_line() -> None:
    lines = CSV.split(b"\r\n")
    short = b"\r\n".join([*lines[:2], b"m-0099,https://example.com,Someone"])
    with pytest.raises(MalformedPayload, match="CSV line 5: wrong number of fields"):
        export.parse_csv(short)
    bad_date = CSV.replace(b"2025-03-14 10:14:21", b"14/03/2025 10:14")
    with pytest.raises(MalformedPayload, match=r"CSV line 5: Date \(UTC\) '14/03/2025 10:14'"):
        export.parse_csv(bad_date)


def test_jsonl_bad_line_is_malformed_with_its_number() -> None:
    lines = JSONL.split(b"\n")
    broken = b"\n".join([lines[0], lines[1][:40], *lines[2:]])
    with pytest.raises(MalformedPayload, match=r"^export payload: JSONL line 2: not valid JSON"):
        export.parse_jsonl(broken)
    with pytest.raises(MalformedPayload, match="JSONL line 1: expected an object, got array"):
        export.parse_jsonl(b"[1, 2]\n")
    with pytest.raises(MalformedPayload, match=r"JSONL line 1\.date: missing"):
        export.parse_jsonl(b'{"mention_id": "m-1"}\n')
    with pytest.raises(MalformedPayload, match="has no UTC offset"):
        export.parse_jsonl(lines[0].replace(b"09:41:07Z", b"09:41:07"))


def test_jsonl_keeps_unicode_line_separators_inside_text() -> None:
    line = JSONL.split(b"\n")[1].replace(b"iPhone 15?", "iPhone 15?\u2028".encode())
    (mention,) = export.parse_jsonl(line + b"\r\n").mentions
    assert mention.text is not None
    assert "iPhone 15?\u2028 The Aura Lite" in mention.text


def test_non_utf8_export_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match=r"^export payload: CSV is not UTF-8 \(byte 0\)$"):
        export.parse_csv("Mention ID".encode("utf-16"))
