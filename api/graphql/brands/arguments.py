"""Pagination arguments shared by the admin and brands areas' connections."""

from typing import Annotated, Any

import strawberry

from api.graphql.relay import InvalidPageArgumentsError, PageRequest

First = Annotated[
    int | None, strawberry.argument(description="Page size, at most 100 (default 20).")
]
After = Annotated[
    str | None, strawberry.argument(description="Cursor of the last node of the previous page.")
]


def typed_after(page: PageRequest, *types: type) -> Any:
    """The page's `after` key, checked against the list's sort types; forged cursors refused."""
    if page.after is None:
        return None
    if len(page.after) != len(types) or not all(
        isinstance(value, kind) for value, kind in zip(page.after, types, strict=True)
    ):
        raise InvalidPageArgumentsError("cursor does not belong to this list")
    return page.after
