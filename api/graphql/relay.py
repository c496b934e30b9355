"""Relay building blocks: the `Node` interface and its registry, connections, keyset cursors.

Areas register a batch resolver per node type (`register_node`); `node(id:)`
and `nodes(ids:)` dispatch through it. Lists are `Connection[T]` built from a
page of rows fetched with limit + 1 (`connection_from_rows`), paged with opaque
keyset cursors over the list's sort tuple (`encode_cursor` / `decode_cursor`).
"""

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError

from api.graphql.context import ParleyContext
from api.graphql.ids import from_global_id
from domain.conversations.keyset import KeysetWindow
from domain.shared.errors import NotFoundError

#: Largest `first`/`last` a connection accepts; also the most ids `nodes(ids:)` takes.
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

NodeResolver = Callable[[ParleyContext, list[uuid.UUID]], Awaitable[Sequence[object | None]]]


class InvalidPageArgumentsError(GraphQLError):
    """Bad `first`/`last`/`after`/`before`: the caller's mistake, reported as BAD_USER_INPUT."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})


@strawberry.interface(description="An object with an opaque global id, fetchable by `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")


# ---------------------------------------------------------------------------
# Registry

_NODE_RESOLVERS: dict[str, NodeResolver] = {}


def register_node(type_name: str, resolver: NodeResolver) -> None:
    """Make `node(id:)` resolve global ids of `type_name` through `resolver`.

    The resolver gets the ids of one type in one call and returns one entry per
    id, in order: the object, or None for what does not exist or the caller may
    not see (another tenant, a brand not granted). Registering a name twice
    replaces the earlier resolver (module reloads in tests).
    """
    _NODE_RESOLVERS[type_name] = resolver


def registered_node_types() -> frozenset[str]:
    return frozenset(_NODE_RESOLVERS)


async def resolve_nodes(context: ParleyContext, global_ids: Sequence[str]) -> list[object | None]:
    """The objects for `global_ids`, in order; None for malformed, unknown or invisible ids.

    One resolver call per node type, however many ids of that type are asked for.
    """
    wanted: dict[str, list[tuple[int, uuid.UUID]]] = {}
    for position, global_id in enumerate(global_ids):
        try:
            type_name, object_id = from_global_id(global_id)
        except NotFoundError:
            continue
        if type_name in _NODE_RESOLVERS:
            wanted.setdefault(type_name, []).append((position, object_id))
    results: list[object | None] = [None] * len(global_ids)
    for type_name, entries in wanted.items():
        found = await _NODE_RESOLVERS[type_name](context, [object_id for _, object_id in entries])
        for (position, _), node in zip(entries, found, strict=True):
            results[position] = node
    return results


# ---------------------------------------------------------------------------
# Cursors

_TAGS: dict[str, Callable[[Any], Any]] = {
    "dt": dt.datetime.fromisoformat,
    "d": dt.date.fromisoformat,
    "u": uuid.UUID,
    "dec": Decimal,
}


def _encode_value(value: Any) -> Any:
    # Enums first: a StrEnum is also a str, and the cursor keeps only its value.
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    if isinstance(value, Decimal):
        return ["dec", str(value)]
    raise TypeError(f"cannot put a {type(value).__name__} into a cursor")


def _decode_value(raw: Any) -> Any:
    if isinstance(raw, list):
        tag, text = raw
        return _TAGS[tag](text)
    return raw


def encode_cursor(values: tuple[Any, ...]) -> str:
    """An opaque cursor for a row's sort tuple (None, numbers, strings, datetimes, uuids)."""
    payload = json.dumps([_encode_value(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, *, length: int | None = None) -> tuple[Any, ...]:
    """The sort tuple of `cursor`; `InvalidPageArgumentsError` if it is not one of ours.

    With `length`, a cursor of a tuple of another length (another ordering) is refused.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded).decode())
        if not isinstance(raw, list):
            raise ValueError("not a list")
        values = tuple(_decode_value(item) for item in raw)
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        binascii.Error,
        UnicodeDecodeError,
    ) as error:
        raise InvalidPageArgumentsError("invalid cursor") from error
    if length is not None and len(values) != length:
        raise InvalidPageArgumentsError("cursor does not belong to this ordering")
    return values


# ---------------------------------------------------------------------------
# Page requests


#: A validated slice request: `limit` rows strictly between `after` and `before`;
#: `backward` (a `last` page) asks for the rows nearest to `before`, which the
#: repository fetches in reverse order (limit + 1) and the connection puts back.
PageRequest = KeysetWindow


def page_request(
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    cursor_length: int | None = None,
) -> PageRequest:
    """Validate Relay arguments: `first` or `last` (not both), each 0..100, default 20 forward."""
    if first is not None and last is not None:
        raise InvalidPageArgumentsError("pass either `first` or `last`, not both")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            raise InvalidPageArgumentsError(f"`{name}` must be between 0 and {MAX_PAGE_SIZE}")
    backward = last is not None
    limit = last if last is not None else first if first is not None else DEFAULT_PAGE_SIZE
    return PageRequest(
        limit=limit,
        after=decode_cursor(after, length=cursor_length) if after is not None else None,
        before=decode_cursor(before, length=cursor_length) if before is not None else None,
        backward=backward,
    )


# ---------------------------------------------------------------------------
# Connections


@strawberry.type(description="Where a page sits in its list, for fetching the next or previous.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More rows follow `endCursor`.")
    has_previous_page: bool = strawberry.field(
        description=(
            "Rows precede `startCursor`. Exact for `last` pages; for `first` pages it "
            "is true whenever `after` was given."
        )
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge.")


@strawberry.type(description="One entry of a connection: a node and its cursor.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The object.")
    #: The node's sort tuple; encoded only when a client asks for the cursor.
    sort_key: strawberry.Private[tuple[Any, ...]]

    @strawberry.field(description="Opaque cursor of this node in its list.")
    def cursor(self) -> str:
        return encode_cursor(self.sort_key)


@strawberry.type(description="A page of a list, Relay style, with keyset cursors.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The page's nodes with cursors.")
    nodes: list[NodeT] = strawberry.field(description="The page's nodes, without cursors.")
    page_info: PageInfo = strawberry.field(description="How to fetch adjacent pages.")
    total_count: int | None = strawberry.field(
        description="Number of nodes in the whole list where cheap to know; null otherwise."
    )


@dataclass(frozen=True, slots=True)
class PageSlice(Generic[RowT]):
    """The rows of a page in list order, with what lies beyond them."""

    rows: list[RowT]
    has_next_page: bool
    has_previous_page: bool


def slice_rows(rows: Sequence[RowT], page: PageRequest) -> PageSlice[RowT]:
    """Trim limit + 1 fetched rows to the page and put backward fetches in list order."""
    has_more = len(rows) > page.limit
    kept = list(rows[: page.limit])
    if page.backward:
        kept.reverse()
        return PageSlice(kept, has_next_page=page.before is not None, has_previous_page=has_more)
    return PageSlice(kept, has_next_page=has_more, has_previous_page=page.after is not None)


def connection_from_rows(
    rows: Sequence[RowT],
    page: PageRequest,
    *,
    cursor_of: Callable[[RowT], tuple[Any, ...]],
    node_of: Callable[[RowT], NodeT],
    total_count: int | None = None,
) -> Connection[NodeT]:
    """A connection from rows fetched with `page.limit + 1` in fetch order.

    Forward pages: rows ascending after `page.after`. Backward pages: rows
    descending before `page.before`; they are reversed here.
    """
    sliced = slice_rows(rows, page)
    edges = [Edge(node=node_of(row), sort_key=cursor_of(row)) for row in sliced.rows]
    return Connection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(
            has_next_page=sliced.has_next_page,
            has_previous_page=sliced.has_previous_page,
            start_cursor=edges[0].cursor() if edges else None,
            end_cursor=edges[-1].cursor() if edges else None,
        ),
        total_count=total_count,
    )
