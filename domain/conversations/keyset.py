"""Keyset pagination over a sort tuple, with nullable columns sorted last.

Any list the API pages (inbox, timelines, customers) is ordered by a tuple of
columns ending in a unique one (`id`); a page is the rows strictly after (or
before) the tuple of a known row, so pages never shift when rows are added
and deep pages cost what the first page costs.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, true

from domain.shared.errors import ValidationError


@dataclass(frozen=True, slots=True)
class SortKey:
    """One column of a sort tuple: its direction, whether it may be NULL (NULLs sort
    last), and the Python type its cursor value must have."""

    column: ColumnElement[Any]
    value_type: type
    descending: bool = False
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class KeysetWindow:
    """`limit` rows strictly between `after` and `before` (sort tuples, either optional).

    `backward` asks for the rows nearest to `before` (a `last` page): they are
    fetched in reverse order; whoever shows them puts them back in order.
    """

    limit: int
    after: tuple[Any, ...] | None = None
    before: tuple[Any, ...] | None = None
    backward: bool = False


def check_cursor(keys: Sequence[SortKey], values: tuple[Any, ...] | None, *, field: str) -> None:
    """`ValidationError` unless `values` fits `keys` (length and types)."""
    if values is None:
        return
    if len(values) != len(keys):
        raise ValidationError("the cursor belongs to another ordering", field=field)
    for key, value in zip(keys, values, strict=True):
        if value is None and key.nullable:
            continue
        wanted: Any = key.value_type
        if wanted is float:
            wanted = (int, float)
        if isinstance(value, bool) and key.value_type is not bool:
            raise ValidationError("invalid cursor", field=field)
        if not isinstance(value, wanted):
            raise ValidationError("invalid cursor", field=field)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise ValidationError("invalid cursor", field=field)
        # Sort keys are ids, timestamps and small ranks: an integer beyond 32 bits is forged.
        if isinstance(value, int) and not -(2**31) <= value < 2**31:
            raise ValidationError("invalid cursor", field=field)


def _beyond(key: SortKey, value: Any, *, forward: bool) -> ColumnElement[bool]:
    """Rows whose `key` comes strictly after (`forward`) or before `value`."""
    column = key.column
    if value is None:
        # NULLs sort last: nothing comes after them, every non-NULL value before.
        return false() if forward else column.is_not(None)
    later: ColumnElement[bool] = column < value if key.descending else column > value
    earlier: ColumnElement[bool] = column > value if key.descending else column < value
    if forward:
        return or_(later, column.is_(None)) if key.nullable else later
    return earlier


def _same(key: SortKey, value: Any) -> ColumnElement[bool]:
    return key.column.is_(None) if value is None else key.column == value


def beyond(
    keys: Sequence[SortKey], values: tuple[Any, ...], *, forward: bool
) -> ColumnElement[bool]:
    """The condition for rows strictly after (`forward`) or before the tuple `values`."""
    if not keys:
        return false()
    head, value = keys[0], values[0]
    rest = beyond(keys[1:], values[1:], forward=forward) if len(keys) > 1 else false()
    return or_(_beyond(head, value, forward=forward), and_(_same(head, value), rest))


def order_by(keys: Sequence[SortKey], *, reverse: bool) -> list[ColumnElement[Any]]:
    """ORDER BY clauses of the sort tuple (or of its reverse), NULLs last (first reversed)."""
    clauses: list[ColumnElement[Any]] = []
    for key in keys:
        descending = key.descending != reverse
        clause = key.column.desc() if descending else key.column.asc()
        if key.nullable:
            clause = clause.nulls_first() if reverse else clause.nulls_last()
        clauses.append(clause)
    return clauses


def window_condition(keys: Sequence[SortKey], window: KeysetWindow) -> ColumnElement[bool]:
    """The rows strictly between the window's bounds."""
    conditions: list[ColumnElement[bool]] = [true()]
    if window.after is not None:
        conditions.append(beyond(keys, window.after, forward=True))
    if window.before is not None:
        conditions.append(beyond(keys, window.before, forward=False))
    return and_(*conditions)


def apply_window(
    statement: Select[Any], keys: Sequence[SortKey], window: KeysetWindow
) -> Select[Any]:
    """Filter, order and limit (`limit + 1`, to tell whether more rows follow) a statement."""
    check_cursor(keys, window.after, field="after")
    check_cursor(keys, window.before, field="before")
    return (
        statement.where(window_condition(keys, window))
        .order_by(*order_by(keys, reverse=window.backward))
        .limit(window.limit + 1)
    )
