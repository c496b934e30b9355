"""Listening-tool exports (CSV and JSONL) of mentions found across the web.

Not a webhook: a file an agency downloads from a listening tool and imports. Both formats
carry the same columns; the same row parses to the same mention from either file.
"""

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from domain.channels.platforms.parsing import Node, text_or_none
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MalformedPayload,
    MentionKind,
    NormalizedMention,
    ParseResult,
)

PLATFORM = "export"
#: Exports are not addressed to an account: the importer attaches them to its channel.
EXPORT_ACCOUNT_ID = "export"

#: CSV column -> JSONL key.
COLUMNS: Mapping[str, str] = {
    "Mention ID": "mention_id",
    "Mention URL": "url",
    "Author": "author",
    "Author handle": "author_handle",
    "Text": "text",
    "Date (UTC)": "date",
    "Source": "source",
    "Reach": "reach",
    "Sentiment": "sentiment",
    "Language": "lang",
}

# URL shapes that address a comment rather than a post, and the platform object id they name.
_COMMENT_URL_PATTERNS = (
    re.compile(r"[?&]comment_id=(?P<id>\d+)"),  # facebook
    re.compile(r"instagram\.com/(?:p|reel)/[^/]+/c/(?P<id>\d+)"),
    re.compile(r"t\.me/[^/]+/\d+\?comment=(?P<id>\d+)"),
    re.compile(r"vk\.com/wall(?P<owner>-?\d+)_\d+\?reply=(?P<id>\d+)"),
)
_TWEET_URL = re.compile(r"(?:x|twitter)\.com/[^/]+/status/(?P<id>\d+)")
_CSV_DATE = "%Y-%m-%d %H:%M:%S"


def parse_csv(data: bytes) -> ParseResult:
    """The mentions of a CSV export: UTF-8 (BOM optional), RFC 4180 quoting, CRLF or LF.

    Raises `MalformedPayload` naming the row for a missing column, a short row or a bad value.
    """
    text = _decode(data, what="CSV").removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
        missing = [column for column in COLUMNS if column not in header]
        if missing:
            raise MalformedPayload(f"export payload: CSV header lacks {', '.join(missing)}")
        records: list[tuple[str, dict[str, object]]] = []
        for row in reader:
            # `line_num` is the last physical line of the record (quoted fields span lines).
            where = f"CSV line {reader.line_num}"
            if None in row or any(value is None for value in row.values()):
                raise MalformedPayload(f"export payload: {where}: wrong number of fields")
            record: dict[str, object] = {key: row[column] for column, key in COLUMNS.items()}
            record["date"] = _csv_date(row["Date (UTC)"], where)
            # An empty handle means "unknown", as JSONL's null does.
            record["author_handle"] = row["Author handle"] or None
            records.append((where, record))
    except csv.Error as exc:
        raise MalformedPayload(f"export payload: CSV line {reader.line_num}: {exc}") from exc
    return _result(records)


def parse_jsonl(data: bytes) -> ParseResult:
    """The mentions of a JSONL export: one JSON object per line, blank lines skipped."""
    text = _decode(data, what="JSONL").removeprefix("\ufeff")
    records: list[tuple[str, dict[str, object]]] = []
    # Split on LF only: JSON strings may hold U+2028 and friends, which splitlines() splits on.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"JSONL line {number}"
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise MalformedPayload(f"export payload: {where}: not valid JSON ({exc})") from exc
        record = dict(Node.wrap(value, path=where, platform=PLATFORM).data)
        record["date"] = _iso_date(Node(record, where, PLATFORM).string("date"), where)
        records.append((where, record))
    return _result(records)


def canonical_url(url: str) -> str:
    """`url` without tracking parameters (``utm_*``) and fragment, so syndicated copies of
    one page compare equal."""
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.startswith("utm_")
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _decode(data: bytes, *, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPayload(f"export payload: {what} is not UTF-8 (byte {exc.start})") from exc


def _csv_date(value: str | None, where: str) -> datetime:
    try:
        return datetime.strptime(value or "", _CSV_DATE).replace(tzinfo=UTC)
    except ValueError as exc:
        raise MalformedPayload(
            f"export payload: {where}: Date (UTC) {value!r} is not {_CSV_DATE}"
        ) from exc


def _iso_date(value: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedPayload(f"export payload: {where}: date {value!r} is not ISO-8601") from exc
    if parsed.tzinfo is None:
        raise MalformedPayload(f"export payload: {where}: date {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _result(records: Iterable[tuple[str, dict[str, object]]]) -> ParseResult:
    return ParseResult(mentions=tuple(_mention(record, where) for where, record in records))


def _mention(record: dict[str, object], where: str) -> NormalizedMention:
    posted_at = record.pop("date")
    if not isinstance(posted_at, datetime):
        raise MalformedPayload(f"export payload: {where}: date missing")
    node = Node(record, where, PLATFORM)
    url = node.string("url")
    source = node.string("source")
    kind, object_id = _classify(url)
    extra = {
        "source": source,
        "canonical_url": canonical_url(url),
        "reach": str(node.integer("reach")),
        "sentiment": node.string("sentiment"),
        "lang": node.string("lang"),
    }
    if object_id is not None:
        extra["source_object_id"] = object_id
    return NormalizedMention(
        platform=PLATFORM,
        account_id=EXPORT_ACCOUNT_ID,
        action=EventAction.CREATED,
        kind=kind,
        external_id=node.id("mention_id"),
        author=Author(
            # Listening tools expose names and handles, not stable platform ids.
            platform_user_id=None,
            handle=text_or_none(node.string_or_none("author_handle")),
            display_name=text_or_none(node.string_or_none("author")),
        ),
        text=text_or_none(node.string_or_none("text")),
        posted_at=posted_at,
        permalink=url,
        raw_kind=source,
        extra=extra,
    )


def _classify(url: str) -> tuple[MentionKind, str | None]:
    """(kind, platform object id) from the URL: comment URLs name a comment, others a post.

    The id is what the platform's own payloads use where the URL allows it: the Tweet id,
    the Instagram comment id, the VK comment ``<owner>_<id>``; Facebook and Telegram URLs
    name only the trailing part of their ids (comment object id, discussion message id).
    """
    for pattern in _COMMENT_URL_PATTERNS:
        match = pattern.search(url)
        if match:
            groups = match.groupdict()
            owner = groups.get("owner")
            object_id = f"{owner}_{groups['id']}" if owner else groups["id"]
            return MentionKind.COMMENT, object_id
    tweet = _TWEET_URL.search(url)
    return MentionKind.POST, tweet.group("id") if tweet else None


# --- streaming readers (for files of any size) ----------------------------------------

#: The longest physical line the streaming readers accept; longer lines are rejected.
MAX_LINE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One record of an export file: the line it starts on, and its mention or why not."""

    line: int
    mention: NormalizedMention | None = None
    error: str | None = None


def iter_csv(stream: IO[bytes]) -> Iterator[ExportRow]:
    """The records of a CSV export read from a binary stream, one at a time.

    Same format and values as `parse_csv`, but a bad record (wrong number of fields, bad
    value, broken quoting, bytes that are not UTF-8, a line over `MAX_LINE_BYTES`) is
    yielded with its `error` and reading goes on. Memory stays bounded by the longest
    record. Raises `MalformedPayload` only when the header cannot be read or lacks a column.
    """
    lines = _Lines(stream)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise MalformedPayload("export payload: CSV file is empty") from None
    except csv.Error as exc:
        raise MalformedPayload(f"export payload: CSV header: {exc}") from exc
    problem = lines.take_problem(1, lines.line_number)
    if problem is not None:
        raise MalformedPayload(f"export payload: CSV header: {problem}")
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise MalformedPayload(f"export payload: CSV header lacks {', '.join(missing)}")
    positions = {column: header.index(column) for column in COLUMNS}
    while True:
        start = lines.line_number + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            lines.take_problem(start, lines.line_number)
            yield ExportRow(line=start, error=f"CSV line {reader.line_num}: {exc}")
            continue
        problem = lines.take_problem(start, lines.line_number)
        if problem is not None:
            yield ExportRow(line=start, error=problem)
        elif fields:
            yield _csv_row(start, fields, len(header), positions)


def iter_jsonl(stream: IO[bytes]) -> Iterator[ExportRow]:
    """The records of a JSONL export read from a binary stream, one line at a time.

    Same format and values as `parse_jsonl`; a bad line is yielded with its `error` and
    reading goes on; blank lines are skipped.
    """
    lines = _Lines(stream)
    for text in lines:
        number = lines.line_number
        problem = lines.take_problem(number, number)
        if problem is not None:
            yield ExportRow(line=number, error=problem)
            continue
        if not text.strip():
            continue
        where = f"JSONL line {number}"
        try:
            try:
                value = json.loads(text.removesuffix("\n"))
            except ValueError as exc:
                raise MalformedPayload(f"export payload: {where}: not valid JSON ({exc})") from exc
            record = dict(Node.wrap(value, path=where, platform=PLATFORM).data)
            record["date"] = _iso_date(Node(record, where, PLATFORM).string("date"), where)
            yield ExportRow(line=number, mention=_mention(record, where))
        except MalformedPayload as exc:
            yield ExportRow(line=number, error=_reason(exc, where))


def _csv_row(
    line: int, fields: list[str], expected: int, positions: Mapping[str, int]
) -> ExportRow:
    where = f"CSV line {line}"
    if len(fields) != expected:
        return ExportRow(line=line, error=f"{where}: wrong number of fields")
    record: dict[str, object] = {key: fields[positions[column]] for column, key in COLUMNS.items()}
    try:
        record["date"] = _csv_date(fields[positions["Date (UTC)"]], where)
        record["author_handle"] = fields[positions["Author handle"]] or None
        return ExportRow(line=line, mention=_mention(record, where))
    except MalformedPayload as exc:
        return ExportRow(line=line, error=_reason(exc, where))


def _reason(error: MalformedPayload, where: str) -> str:
    return str(error).removeprefix("export payload: ")


class _Lines:
    """Decoded physical lines of a binary stream (LF-terminated, BOM dropped), counted.

    A line that is not UTF-8 or is too long is replaced (by its decoded-with-replacement
    text, or an empty line) and remembered as a problem, which the reader collects for
    the record that spans it with `take_problem`.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._problems: dict[int, str] = {}
        self.line_number = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        raw = self._stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.line_number += 1
        if len(raw) > MAX_LINE_BYTES:
            self._skip_rest_of_line(raw)
            self._problems[self.line_number] = (
                f"line {self.line_number} is longer than {MAX_LINE_BYTES} bytes"
            )
            return "\n"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._problems[self.line_number] = (
                f"line {self.line_number} is not UTF-8 (byte {exc.start + 1})"
            )
            text = raw.decode("utf-8", errors="replace")
        return text.removeprefix("\ufeff") if self.line_number == 1 else text

    def _skip_rest_of_line(self, raw: bytes) -> None:
        while not raw.endswith(b"\n"):
            raw = self._stream.readline(MAX_LINE_BYTES)
            if not raw:
                return

    def take_problem(self, first: int, last: int) -> str | None:
        """The first problem of lines `first`..`last`, forgetting every problem up to `last`."""
        found = None
        for number in sorted(self._problems):
            if number > last:
                break
            problem = self._problems.pop(number)
            if found is None and number >= first:
                found = problem
        return found
