"""Pure helpers both search backends share: names, document bodies, query words, highlights.

Search semantics common to both backends:

- the user's query is split on whitespace into words; a word must contain a
  letter or a digit to count, so operators, quotes and brackets typed by a user
  are plain text and can never break the backend's query syntax;
- every word must match (AND), in any analysed form the backend knows;
- a query without any word matches nothing;
- highlights are HTML-escaped text in which matches are wrapped in `<em>`.
"""

import datetime as dt
import decimal
import enum
import html
import re
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Final

from domain.shared.ports import SearchDocument
from search.errors import InvalidFilterError, UnknownIndexError

LOGICAL_INDICES: Final = ("mentions", "qna")
MAX_QUERY_WORDS: Final = 32
MAX_HIGHLIGHTS: Final = 3
HIGHLIGHT_PRE_TAG: Final = "<em>"
HIGHLIGHT_POST_TAG: Final = "</em>"

_FILTER_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HIGHLIGHT_TAG = re.compile(r"(</?em>)")


def require_logical_index(index: str) -> str:
    """Return `index` when it is a known logical index name, else raise `UnknownIndexError`."""
    if index not in LOGICAL_INDICES:
        known = ", ".join(LOGICAL_INDICES)
        raise UnknownIndexError(f"unknown search index {index!r}; known: {known}")
    return index


def validate_filters(filters: Mapping[str, str] | None) -> dict[str, str]:
    """Return the filters as a dict after checking every key is a plain field name."""
    if not filters:
        return {}
    for key in filters:
        if not _FILTER_KEY.fullmatch(key):
            raise InvalidFilterError(f"invalid search filter field {key!r}")
    return dict(filters)


def validate_any_of(any_of: Mapping[str, Collection[str]] | None) -> dict[str, tuple[str, ...]]:
    """The `any_of` filters with their values deduplicated (order kept), keys checked.

    A key with no values stays, with an empty tuple: it matches nothing.
    """
    if not any_of:
        return {}
    validate_filters(dict.fromkeys(any_of, ""))
    return {key: tuple(dict.fromkeys(values)) for key, values in any_of.items()}


#: How range bounds are written for both backends: UTC, milliseconds, no zone.
#: SQLite's `strftime('%Y-%m-%dT%H:%M:%f', …)` writes stored times the same way,
#: and OpenSearch reads a zoneless time as UTC.
_BOUND_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"


def range_bound(moment: dt.datetime) -> str:
    """A range bound as UTC text at millisecond precision (a time without a zone is UTC)."""
    utc = moment.astimezone(dt.UTC) if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return f"{utc.strftime(_BOUND_FORMAT)}.{utc.microsecond // 1000:03d}"


def validate_ranges(
    ranges: Mapping[str, tuple[dt.datetime | None, dt.datetime | None]] | None,
    *,
    date_fields: Collection[str],
) -> dict[str, tuple[str | None, str | None]]:
    """The bounded ranges as `(from, to)` bound texts; ranges without a bound are dropped.

    Raises `InvalidFilterError` for a field that is not one of `date_fields`.
    """
    if not ranges:
        return {}
    bounded: dict[str, tuple[str | None, str | None]] = {}
    for key, (start, end) in ranges.items():
        if key not in date_fields:
            raise InvalidFilterError(f"search range on {key!r}, which is not a date field")
        if start is None and end is None:
            continue
        bounded[key] = (
            None if start is None else range_bound(start),
            None if end is None else range_bound(end),
        )
    return bounded


def query_words(query: str) -> tuple[str, ...]:
    """The words of a user's query: whitespace-separated, with a letter or digit, deduplicated.

    At most `MAX_QUERY_WORDS` are kept (the rest are ignored) so that one long
    paste cannot build a huge backend query.
    """
    words: list[str] = []
    seen: set[str] = set()
    for word in query.split():
        key = word.casefold()
        if key in seen or not any(character.isalnum() for character in word):
            continue
        seen.add(key)
        words.append(word)
        if len(words) == MAX_QUERY_WORDS:
            break
    return tuple(words)


def fts5_match_expression(words: Sequence[str]) -> str:
    """An FTS5 MATCH expression requiring every word, each as a quoted FTS5 string.

    Inside a quoted string FTS5 treats everything as text to tokenize, and a
    double quote is escaped by doubling it, so no user input becomes an operator.
    """
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


#: Types `jsonable` returns as they are (subclasses such as enums go the long way).
_JSON_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """`value` converted to what JSON holds: datetimes as ISO 8601, UUIDs and decimals as text.

    Both backends store `fields` through this so a hit's fields look the same
    whichever backend served it.
    """
    kind = type(value)
    if kind in _JSON_SCALARS:
        # Exact types first: most values of a document are plain text, numbers or
        # plain dicts and lists (the ABC checks below cost more than the conversion).
        return value
    if kind is dict:
        return {str(key): jsonable(item) for key, item in value.items()}
    if kind is list:
        return [jsonable(item) for item in value]
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, bytes | bytearray):
        return [jsonable(item) for item in value]
    raise TypeError(f"search document field of type {type(value).__name__} is not supported")


def opensearch_id(tenant_id: uuid.UUID, document_id: str) -> str:
    """The OpenSearch `_id` of a document: the same document id in two tenants never collides."""
    return f"{tenant_id}:{document_id}"


def opensearch_source(document: SearchDocument) -> dict[str, Any]:
    """The `_source` OpenSearch stores for a document."""
    return {
        "doc_id": document.id,
        "tenant_id": str(document.tenant_id),
        "brand_id": None if document.brand_id is None else str(document.brand_id),
        "text": document.text,
        "fields": jsonable(document.fields),
    }


def merge_highlights(fragments: Iterable[str], *, limit: int = MAX_HIGHLIGHTS) -> tuple[str, ...]:
    """Merge highlighted fragments of the same text into one, keeping every `<em>` span.

    OpenSearch highlights each analysed sub-field of `text` separately, so one
    passage can come back several times with different words marked (the
    English sub-field marks `cats`, the standard one `cat`). Fragments whose
    text without tags is equal are one passage; their marked spans are united.
    Fragments must be HTML-escaped apart from the tags, so a literal `<em>`
    typed by a user cannot be mistaken for a tag. Order of first appearance is
    kept; at most `limit` passages are returned.
    """
    passages: dict[str, set[int]] = {}
    for fragment in fragments:
        plain, marked = _parse_highlight(fragment)
        if plain in passages:
            passages[plain] |= marked
        elif len(passages) < limit:
            passages[plain] = marked
    return tuple(_render_highlight(plain, marked) for plain, marked in passages.items())


def highlight_from_markers(text: str, *, start: str, end: str) -> str:
    """HTML-escape `text` and turn the `start`/`end` marker characters into `<em>` tags."""
    escaped = html.escape(text, quote=True)
    return escaped.replace(start, HIGHLIGHT_PRE_TAG).replace(end, HIGHLIGHT_POST_TAG)


def _parse_highlight(fragment: str) -> tuple[str, set[int]]:
    """The fragment's text without tags and the positions of its marked characters."""
    plain: list[str] = []
    marked: set[int] = set()
    length = 0
    inside = False
    for part in _HIGHLIGHT_TAG.split(fragment):
        if part == HIGHLIGHT_PRE_TAG:
            inside = True
        elif part == HIGHLIGHT_POST_TAG:
            inside = False
        elif part:
            if inside:
                marked.update(range(length, length + len(part)))
            plain.append(part)
            length += len(part)
    return "".join(plain), marked


def _render_highlight(plain: str, marked: set[int]) -> str:
    rendered: list[str] = []
    inside = False
    for position, character in enumerate(plain):
        if (position in marked) != inside:
            inside = not inside
            rendered.append(HIGHLIGHT_PRE_TAG if inside else HIGHLIGHT_POST_TAG)
        rendered.append(character)
    if inside:
        rendered.append(HIGHLIGHT_POST_TAG)
    return "".join(rendered)
