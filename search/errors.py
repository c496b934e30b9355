"""Errors the search adapters raise."""

from dataclasses import dataclass


class UnknownIndexError(ValueError):
    """The logical index name is not one the adapters know (see `LOGICAL_INDICES`)."""


class InvalidFilterError(ValueError):
    """A filter names a field that cannot be a field name (letters, digits, `_` only)."""


@dataclass(frozen=True, slots=True)
class IndexingFailure:
    """One document the backend refused, with its reason."""

    document_id: str
    status: int
    reason: str


class IndexingError(Exception):
    """Some documents of a batch were not written.

    The other documents of the batch were written; writes are upserts by id, so
    retrying the whole batch is safe.
    """

    def __init__(self, failures: tuple[IndexingFailure, ...], *, attempted: int) -> None:
        listed = "; ".join(
            f"{failure.document_id}: {failure.status} {failure.reason}" for failure in failures
        )
        super().__init__(f"{len(failures)} of {attempted} documents were not written: {listed}")
        self.failures = failures
        self.attempted = attempted
