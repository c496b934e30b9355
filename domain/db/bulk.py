"""Bulk UPDATEs by id on PostgreSQL: one statement per chunk instead of one per row.

PostgreSQL runs an executemany UPDATE row by row (a round trip and a plan each); an
UPDATE joined to `unnest` of one array parameter per column writes a whole chunk in
one statement, compiled once whatever the chunk's size. SQLite keeps executemany.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, String, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

#: Column types an array parameter carries as it is (`unnest` would flatten arrays).
_ARRAY_SAFE_TYPES = (uuid.UUID, datetime, str, int, bool)


def array_updatable(table: Table, columns: Iterable[str]) -> bool:
    """Whether `update_by_id_statement` can write these columns (and `id`): scalar types
    only, since `unnest` would flatten array values."""
    return all(_python_type(table.c[name].type) in _ARRAY_SAFE_TYPES for name in ("id", *columns))


def update_by_id_statement(
    table: Table, tenant_id: uuid.UUID, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> tuple[Any, dict[str, Any]]:
    """One PostgreSQL UPDATE setting `columns` of each row's `id` to the row's values,
    within the tenant, and its parameters (for `array_updatable` columns).

    Each column travels as one array parameter (`unnest`), so the statement is the same
    for every chunk and compiled once.
    """
    names = ("id", *columns)
    source = select(
        *(
            func.unnest(bindparam(f"b_{name}", type_=_array_of(table.c[name].type))).label(
                f"b_{name}"
            )
            for name in names
        )
    ).subquery("changes")
    statement = (
        update(table)
        .where(table.c.tenant_id == tenant_id, table.c.id == source.c.b_id)
        .values({name: source.c[f"b_{name}"] for name in columns})
        .execution_options(synchronize_session=False)
    )
    return statement, {f"b_{name}": [row[name] for row in rows] for name in names}


def _array_of(column_type: Any) -> Any:
    return postgresql.ARRAY(_array_item_type(column_type))


def _array_item_type(column_type: Any) -> Any:
    """The type an array parameter of this column holds: a string enum stored without a
    database enum travels as the strings it is stored as."""
    if isinstance(column_type, Enum) and not column_type.native_enum:
        return String(column_type.length)
    return column_type


def _python_type(column_type: Any) -> type | None:
    column_type = _array_item_type(column_type)
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    try:
        found: type = column_type.python_type
    except NotImplementedError:
        return None
    return found
