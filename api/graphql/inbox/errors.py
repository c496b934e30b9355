"""Domain errors of agents' reads and work, as GraphQL errors and user errors."""

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from graphql import GraphQLError

from api.graphql.errors import ForbiddenError, NotFoundGraphQLError
from api.graphql.relay import InvalidPageArgumentsError
from domain.shared.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from domain.shared.ports import SearchUnavailableError


class SearchUnavailableGraphQLError(GraphQLError):
    def __init__(self) -> None:
        super().__init__(
            "search is unavailable, try again shortly", extensions={"code": "SEARCH_UNAVAILABLE"}
        )


@contextmanager
def query_errors() -> Iterator[None]:
    """Raise a query's domain errors as top-level GraphQL errors with `extensions.code`."""
    try:
        yield
    except PermissionDeniedError as error:
        raise ForbiddenError() from error
    except NotFoundError as error:
        raise NotFoundGraphQLError() from error
    except ValidationError as error:
        raise InvalidPageArgumentsError(str(error)) from error
    except SearchUnavailableError as error:
        raise SearchUnavailableGraphQLError() from error


class ErrorCode(StrEnum):
    """The codes every agent-work mutation's user errors share."""

    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"


def error_code(error: DomainError) -> ErrorCode:
    """The user-error code of a domain error."""
    if isinstance(error, NotFoundError):
        return ErrorCode.NOT_FOUND
    if isinstance(error, PermissionDeniedError):
        return ErrorCode.FORBIDDEN
    if isinstance(error, ConflictError):
        return ErrorCode.CONFLICT
    return ErrorCode.INVALID


def error_field(error: DomainError, default: str | None = None) -> str | None:
    """The input field a domain error is about, if it says."""
    if isinstance(error, ValidationError) and error.field is not None:
        return error.field
    return default
