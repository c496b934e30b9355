"""Ports: what the outside provides to the domain, as protocols.

Adapters live in `workers/` (job queues), `search/` (search backends) and
`api/`; tests use the real adapters against real services.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


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


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One document in a tenant's search index."""

    id: str
    tenant_id: uuid.UUID
    brand_id: uuid.UUID | None
    text: str
    fields: Mapping[str, Any] = field(default_factory=dict)


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


class SearchIndex(Protocol):
    """A tenant-filtered full-text index (OpenSearch or SQLite FTS5).

    Every read and write names a tenant; no call returns another tenant's
    documents. The index is derived data: it can be dropped and rebuilt.

    Search contract, the same on both backends: every word of the query must
    match and an empty query matches nothing; `brand_ids=None` means every
    brand and `[]` none; `filters` match values under `fields` exactly;
    highlights are HTML-escaped with `<em>` around matches. `index_documents`
    may raise after writing part of a batch, and retrying the batch is safe.
    OpenSearch makes writes searchable within about a second.
    """

    async def ensure_ready(self) -> None:
        """Create templates, indices and aliases if missing (idempotent)."""
        ...

    async def index_documents(self, index: str, documents: Sequence[SearchDocument]) -> int:
        """Upsert documents; returns how many were written."""
        ...

    async def search(
        self,
        index: str,
        *,
        tenant_id: uuid.UUID,
        query: str,
        brand_ids: Sequence[uuid.UUID] | None = None,
        filters: Mapping[str, str] | None = None,
        limit: int = 20,
    ) -> SearchPage:
        """Full-text search inside one tenant (and optionally some brands)."""
        ...

    async def delete_documents(
        self, index: str, *, tenant_id: uuid.UUID, ids: Sequence[str]
    ) -> int:
        """Delete the tenant's documents with these ids; returns how many."""
        ...

    async def delete_tenant(self, index: str, *, tenant_id: uuid.UUID) -> int:
        """Delete every document of the tenant in the index."""
        ...

    async def ping(self) -> bool:
        """True when the backend answers."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
