"""Errors the search adapters raise."""

from dataclasses import dataclass

from domain.shared.ports import SearchWriteError


class UnknownIndexError(ValueError):
    """The logical index name is not one the adapters know (see `LOGICAL_INDICES`)."""


class InvalidFilterError(ValueError):
    """A filter names a field that cannot be a field name (letters, digits, `_` only)."""


class UnknownIndexVersionError(ValueError):
    """An index version name that `create_index_version` did not make for this logical index."""


@dataclass(frozen=True, slots=True)
class IndexingFailure:
    """One document the backend refused, with its reason."""

    document_id: str
    status: int
    reason: str

    @property
    def code(self) -> str:
        """Status and error type, without the reason's text (which may quote content)."""
        error_type = self.reason.split(":", 1)[0].strip() or "error"
        return f"{self.status} {error_type}"

    @property
    def is_passing(self) -> bool:
        """A refusal a later attempt may get through: overload (429) or a server error."""
        return self.status == 429 or self.status >= 500


class IndexingError(SearchWriteError):
    """Some documents of a batch were not written.

    The other documents of the batch were written; writes are upserts by id, so
    retrying the whole batch is safe.
    """

    def __init__(self, failures: tuple[IndexingFailure, ...], *, attempted: int) -> None:
        listed = "; ".join(
            f"{failure.document_id}: {failure.status} {failure.reason}" for failure in failures
        )
        super().__init__(
            f"{len(failures)} of {attempted} documents were not written: {listed}",
            refused={failure.document_id: failure.code for failure in failures},
            retryable=any(failure.is_passing for failure in failures),
        )
        self.failures = failures
        self.attempted = attempted
