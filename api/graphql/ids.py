"""Opaque global ids: base64 of "Type:uuid", as Relay expects."""

import base64
import binascii
import functools
import uuid

import strawberry

from domain.shared.errors import NotFoundError


# Cached: a page of 50 inbox rows encodes a few hundred ids, mostly the same ones again.
@functools.lru_cache(maxsize=65_536)
def to_global_id(type_name: str, object_id: uuid.UUID) -> strawberry.ID:
    raw = f"{type_name}:{object_id}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="))


def from_global_id(global_id: str, *, expected_type: str | None = None) -> tuple[str, uuid.UUID]:
    """(type name, uuid); a malformed id or a wrong type is simply not found."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw_id = base64.urlsafe_b64decode(padded).decode().partition(":")
        object_id = uuid.UUID(raw_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise NotFoundError("no object with this id") from error
    if expected_type is not None and type_name != expected_type:
        raise NotFoundError("no object with this id")
    return type_name, object_id


class InputIdNotFoundError(NotFoundError):
    """A global id in a mutation's input that names nothing of the expected type.

    `field` is the input field, so the mutation reports a user error on it.
    """

    def __init__(self, field_name: str) -> None:
        super().__init__("no object with this id")
        self.field = field_name


def input_id(global_id: str, type_name: str, field_name: str) -> uuid.UUID:
    """The uuid of an input's global id of `type_name`; `InputIdNotFoundError` otherwise."""
    try:
        return from_global_id(global_id, expected_type=type_name)[1]
    except NotFoundError as error:
        raise InputIdNotFoundError(field_name) from error
