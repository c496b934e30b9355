"""Domain errors of admin mutations as `userErrors` entries (field, message, code)."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from api.graphql.ids import from_global_id
from domain.shared.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class ErrorKind(Enum):
    """What went wrong, shared by the admin areas' error code enums (same names)."""

    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"


@dataclass(frozen=True, slots=True)
class UserErrorParts:
    kind: ErrorKind
    field: str | None
    message: str


def user_error_parts(
    error: DomainError,
    *,
    fields: Mapping[str, str] | None = None,
    not_found_field: str | None = None,
    conflict_field: str | None = None,
) -> UserErrorParts:
    """Kind, input field and message of a refused mutation.

    `fields` renames domain field names to the mutation's input names;
    `not_found_field` and `conflict_field` name the input that pointed at the
    missing object or the taken key (an `InputNotFoundError` names its own).
    A permission refusal names no field.
    """
    message = str(error)
    if isinstance(error, InputNotFoundError):
        return UserErrorParts(ErrorKind.NOT_FOUND, error.field, message)
    if isinstance(error, PermissionDeniedError):
        return UserErrorParts(ErrorKind.FORBIDDEN, None, message)
    if isinstance(error, NotFoundError):
        return UserErrorParts(ErrorKind.NOT_FOUND, not_found_field, message)
    if isinstance(error, ConflictError):
        return UserErrorParts(ErrorKind.CONFLICT, conflict_field, message)
    field = error.field if isinstance(error, ValidationError) else None
    if field is not None and fields is not None:
        field = fields.get(field, field)
    return UserErrorParts(ErrorKind.INVALID, field, message)


class InputNotFoundError(NotFoundError):
    """An id in a mutation's input that names nothing the caller can see; `field` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def input_id(global_id: str, type_name: str, field: str) -> uuid.UUID:
    """The uuid of a global id of `type_name` given as input `field`; `InputNotFoundError` else."""
    try:
        return from_global_id(global_id, expected_type=type_name)[1]
    except NotFoundError as error:
        raise InputNotFoundError(f"no {type_name.lower()} with this id", field) from error
