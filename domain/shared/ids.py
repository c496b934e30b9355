"""Identifiers."""

import uuid


def new_id() -> uuid.UUID:
    """A new primary key (random UUID)."""
    return uuid.uuid4()
