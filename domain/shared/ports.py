"""Ports: what the outside provides to the domain, as protocols.

Adapters live in `workers/` (job queues), `search/` (search backends) and
`api/`; tests use the real adapters against real services.
"""

import uuid
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable


class JobQueue(Protocol):
    """Enqueues jobs by name; delivery is at least once."""

    async def enqueue(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str | None = None, **kwargs: Any
    ) -> None:
        """Schedule `job_name(tenant_id=..., **kwargs)`.

        `job_id` makes enqueueing idempotent: a second job with the same id is
        dropped while the first is queued or its result is kept.
        """
        ...

    async def ping(self) -> bool:
        """True when the queue backend answers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class JoiningJobQueue(JobQueue, Protocol):
    """A `JobQueue` that can let a caller share a job that has not started yet."""

    async def enqueue_or_join(
        self,
        job_name: str,
        *,
        tenant_id: uuid.UUID,
        group: str,
        gather: timedelta = ...,
        **kwargs: Any,
    ) -> bool:
        """Schedule `job_name(tenant_id=..., **kwargs)` unless a job of `group` is
        queued and not started; True if one was scheduled.

        Either way a job of the group starts after this call, so it sees what the
        caller committed before: for jobs that take up whatever is pending (their
        `kwargs` matter for the first caller only). A job scheduled here may wait
        up to `gather` (default none) for more callers to join it.
        """
        ...


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One document in a tenant's search index.

    `version` orders the writes of one document (the source row's version,
    growing with every change): a versioned write never replaces a stored
    newer version, so a late retry cannot bring back old content. Documents
    without a version are always written; do not mix both for one document.
    """

    id: str
    tenant_id: uuid.UUID
    brand_id: uuid.UUID | None
    text: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    version: int | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: str
    score: float
    highlights: tuple[str, ...]
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    hits: tuple[SearchHit, ...]


class SearchUnavailableError(Exception):
    """The search backend cannot be reached or refuses for now.

    Connection refused or lost, timeouts, HTTP 429 and 5xx. The call may have
    done part of its work; repeating it later is safe.
    """


class SearchWriteError(Exception):
    """Some documents of a batch were refused; the others were written.

    `refused` maps each refused document id to a short code (status and error
    type, never content). `retryable` is true when a refusal was a passing one
    (429, 5xx) that a later attempt may get through.
    """

    def __init__(self, message: str, *, refused: Mapping[str, str], retryable: bool) -> None:
        super().__init__(message)
        self.refused = dict(refused)
        self.retryable = retryable


class SearchIndex(Protocol):
    """A tenant-filtered full-text index (OpenSearch or SQLite FTS5).

    Every read and write names a tenant; no call returns another tenant's
    documents. The index is derived data: it can be dropped and rebuilt.

    Search contract, the same on both backends: every word of the query must
    match and an empty query matches nothing; `brand_ids=None` means every
    brand and `[]` none; `filters` match values under `fields` exactly;
    highlights are HTML-escaped with `<em>` around matches. `index_documents`
    may raise after writing part of a batch, and retrying the batch is safe.
    OpenSearch makes writes searchable within about a second (`refresh` forces it).
    A passing backend failure raises `SearchUnavailableError`; documents the
    backend refuses raise `SearchWriteError` once the rest of the batch is written.

    Rebuilding: `create_index_version` makes a new, empty version of a logical
    index that searches do not see; `index_documents(..., into=name)` fills it;
    `swap_alias` makes it the live one in one atomic step and drops the others.
    """

    async def ensure_ready(self) -> None:
        """Create templates, indices and aliases if missing (idempotent)."""
        ...

    async def index_documents(
        self,
        index: str,
        documents: Sequence[SearchDocument],
        *,
        into: str | None = None,
        overwrite_same_version: bool = False,
    ) -> int:
        """Upsert documents; returns how many were written.

        A versioned document is skipped (neither written nor an error) when
        the index holds that document with a higher version, or with the same
        version unless `overwrite_same_version` (a rebuild rewriting documents
        whose shape changed). `into` names a version from `create_index_version`
        instead of the live index.
        """
        ...

    async def search(
        self,
        index: str,
        *,
        tenant_id: uuid.UUID,
        query: str,
        brand_ids: Sequence[uuid.UUID] | None = None,
        filters: Mapping[str, str] | None = None,
        any_of: Mapping[str, Collection[str]] | None = None,
        ranges: Mapping[str, tuple[datetime | None, datetime | None]] | None = None,
        limit: int = 20,
    ) -> SearchPage:
        """Full-text search inside one tenant (and optionally some brands).

        Every condition is applied by the index itself, so `total` counts the
        matches of all of them and the `limit` best hits are the best of those.
        `any_of` matches a document whose entry under `fields` equals one of the
        values (compared as text, like `filters`); an empty collection matches
        nothing, so callers that mean "no filter" leave the key out. `ranges`
        maps a date field of the index (mentions: `posted_at`) to a half-open
        interval `[from, to)`: `from` inclusive, `to` exclusive, either may be
        None (unbounded), and neither bound means no condition; bounds are
        compared in UTC (a bound without a zone is read as UTC) at millisecond
        precision, and documents without the field never match a bounded range.
        A field that is not a date field of the index raises `ValueError`.
        """
        ...

    async def delete_documents(
        self, index: str, *, tenant_id: uuid.UUID, ids: Sequence[str]
    ) -> int:
        """Delete the tenant's documents with these ids; returns how many."""
        ...

    async def delete_tenant(self, index: str, *, tenant_id: uuid.UUID) -> int:
        """Delete every document of the tenant in the index."""
        ...

    async def count_documents(self, index: str, *, tenant_id: uuid.UUID) -> int:
        """How many documents the tenant has in the live index (after `refresh`)."""
        ...

    def document_ids(
        self, index: str, *, tenant_id: uuid.UUID, batch_size: int = 500
    ) -> AsyncIterator[list[str]]:
        """The ids of the tenant's documents in the live index, in batches.

        Deleting documents while iterating is allowed; documents written
        meanwhile may or may not be listed.
        """
        ...

    async def refresh(self, index: str) -> None:
        """Make every write so far visible to searches and counts."""
        ...

    async def create_index_version(self, index: str) -> str:
        """Create a new, empty version of the logical index, not yet live; returns its name."""
        ...

    async def swap_alias(self, index: str, version: str) -> tuple[str, ...]:
        """Make `version` the live index atomically, then drop the versions it replaced.

        Searches see either the old or the new version, never neither.
        Returns the names of the dropped versions.
        """
        ...

    async def discard_index_version(self, index: str, version: str) -> None:
        """Drop a version made by `create_index_version` that never went live."""
        ...

    async def ping(self) -> bool:
        """True when the backend answers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
