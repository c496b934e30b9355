"""The OpenSearch implementation of the `SearchIndex` port."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import RequestError
from opensearchpy.helpers import async_scan, async_streaming_bulk

from domain.shared.ports import SearchDocument, SearchHit, SearchPage
from search.documents import (
    HIGHLIGHT_POST_TAG,
    HIGHLIGHT_PRE_TAG,
    LOGICAL_INDICES,
    MAX_HIGHLIGHTS,
    merge_highlights,
    opensearch_id,
    opensearch_source,
    query_words,
    validate_filters,
)
from search.errors import IndexingError, IndexingFailure
from search.indices import (
    SEARCH_FIELDS,
    alias_name,
    concrete_index_name,
    index_template,
    template_name,
    validate_prefix,
)

REQUEST_TIMEOUT_SECONDS: Final = 10
BULK_CHUNK_SIZE: Final = 500
BULK_RETRIES_ON_REJECTION: Final = 3


def create_opensearch_client(url: str) -> AsyncOpenSearch:
    """A client for the node or cluster at `url`; connections open on first use.

    Requests time out after 10 s and are retried (twice) on timeouts and on
    502/503/504 from the cluster.
    """
    return AsyncOpenSearch(
        hosts=[url],
        timeout=REQUEST_TIMEOUT_SECONDS,
        max_retries=2,
        retry_on_timeout=True,
    )


@dataclass(frozen=True, slots=True)
class _BulkResult:
    """The outcome of one bulk action."""

    ok: bool
    status: int
    result: str
    reason: str


class OpenSearchIndex:
    """`SearchIndex` on OpenSearch, tenant-routed and tenant-filtered.

    Logical names (`mentions`, `qna`) map to aliases `<prefix>-<index>`. Each
    document's `_id` is `<tenant_id>:<id>` and its routing value is the tenant
    id, so a tenant's documents live on one shard and ids never collide across
    tenants. Writes become searchable at the next refresh (about a second);
    `refresh` forces one.
    """

    def __init__(self, client: AsyncOpenSearch, *, prefix: str) -> None:
        self._client = client
        self._prefix = validate_prefix(prefix)

    async def ensure_ready(self) -> None:
        """Put the index templates and create each concrete index with its alias if missing.

        Idempotent and safe to run from several processes at once. A changed
        template applies to indices created afterwards (a reindex), not to the
        existing ones.
        """
        for index in LOGICAL_INDICES:
            await self._client.indices.put_index_template(
                name=template_name(self._prefix, index), body=index_template(self._prefix, index)
            )
            await self._ensure_alias(index)

    async def index_documents(self, index: str, documents: Sequence[SearchDocument]) -> int:
        """Upsert `documents`; returns how many were written.

        Raises `IndexingError` listing the refused documents after the whole
        batch was sent; the others stay written. Documents are searchable after
        the next refresh.
        """
        alias = alias_name(self._prefix, index)
        actions = [
            {
                "_op_type": "index",
                "_index": alias,
                "_id": opensearch_id(document.tenant_id, document.id),
                "_routing": str(document.tenant_id),
                "_source": opensearch_source(document),
            }
            for document in documents
        ]
        results = await self._bulk(actions)
        failures = tuple(
            IndexingFailure(document_id=document.id, status=result.status, reason=result.reason)
            for document in documents
            if not (result := results[opensearch_id(document.tenant_id, document.id)]).ok
        )
        if failures:
            raise IndexingError(failures, attempted=len(documents))
        return len(documents)

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
        """Documents of `tenant_id` matching every word of `query`, best first.

        `brand_ids=None` searches all brands; an empty sequence matches nothing.
        `filters` match entries of the documents' `fields` exactly.
        """
        if limit < 1:
            raise ValueError(f"search limit must be at least 1, got {limit}")
        alias = alias_name(self._prefix, index)
        words = query_words(query)
        exact_filters = validate_filters(filters)
        if not words or (brand_ids is not None and not brand_ids):
            return SearchPage(total=0, hits=())
        conditions: list[dict[str, Any]] = [{"term": {"tenant_id": str(tenant_id)}}]
        if brand_ids is not None:
            conditions.append({"terms": {"brand_id": [str(brand_id) for brand_id in brand_ids]}})
        conditions.extend(
            {"term": {f"fields.{key}": value}} for key, value in exact_filters.items()
        )
        body = {
            "size": limit,
            "track_total_hits": True,
            "_source": ["doc_id", "fields"],
            "query": {
                "bool": {
                    "filter": conditions,
                    "must": [
                        {
                            "multi_match": {
                                "query": word,
                                "fields": list(SEARCH_FIELDS),
                                "type": "most_fields",
                                "operator": "and",
                            }
                        }
                        for word in words
                    ],
                }
            },
            "highlight": {
                "encoder": "html",
                "pre_tags": [HIGHLIGHT_PRE_TAG],
                "post_tags": [HIGHLIGHT_POST_TAG],
                "fragment_size": 150,
                "number_of_fragments": MAX_HIGHLIGHTS,
                "fields": {field: {} for field in SEARCH_FIELDS},
            },
        }
        response = cast(
            "dict[str, Any]",
            await self._client.search(index=alias, body=body, routing=str(tenant_id)),
        )
        hits = tuple(_search_hit(hit) for hit in response["hits"]["hits"])
        return SearchPage(total=int(response["hits"]["total"]["value"]), hits=hits)

    async def delete_documents(
        self, index: str, *, tenant_id: uuid.UUID, ids: Sequence[str]
    ) -> int:
        """Delete the tenant's documents with these ids; returns how many existed.

        Deletes by `_id`, so documents written but not yet refreshed are deleted
        too. The deletion is visible to search after the next refresh.
        """
        alias = alias_name(self._prefix, index)
        return await self._delete_ids(
            alias,
            tenant_id,
            {opensearch_id(tenant_id, document_id): document_id for document_id in ids},
        )

    async def delete_tenant(self, index: str, *, tenant_id: uuid.UUID) -> int:
        """Delete every document of the tenant in the index; returns how many.

        Refreshes first, so documents written moments ago are found, then
        scrolls through the tenant's ids and deletes them by `_id` in batches
        (no `_delete_by_query`: it needs the reindex module, which minimal
        distributions leave out). Refreshes after, so the deletion is visible
        when this returns. Documents the tenant writes meanwhile may survive.
        """
        alias = alias_name(self._prefix, index)
        await self._client.indices.refresh(index=alias)
        deleted = 0
        batch: dict[str, str] = {}
        async for hit in async_scan(
            self._client,
            query={
                "query": {"bool": {"filter": [{"term": {"tenant_id": str(tenant_id)}}]}},
                "_source": ["doc_id"],
            },
            index=alias,
            routing=str(tenant_id),
            size=BULK_CHUNK_SIZE,
            scroll="2m",
        ):
            batch[str(hit["_id"])] = str(hit["_source"]["doc_id"])
            if len(batch) == BULK_CHUNK_SIZE:
                deleted += await self._delete_ids(alias, tenant_id, batch)
                batch = {}
        if batch:
            deleted += await self._delete_ids(alias, tenant_id, batch)
        await self._client.indices.refresh(index=alias)
        return deleted

    async def refresh(self, index: str) -> None:
        """Make every write to the index so far visible to search.

        OpenSearch does this by itself about once a second; call it where a
        read must see a write at once (tests, a rebuild that reports counts).
        """
        await self._client.indices.refresh(index=alias_name(self._prefix, index))

    async def ping(self) -> bool:
        """True when the cluster answers."""
        return bool(await self._client.ping())

    async def close(self) -> None:
        """Close the client's connections."""
        await self._client.close()

    async def _ensure_alias(self, index: str) -> None:
        alias = alias_name(self._prefix, index)
        concrete = concrete_index_name(self._prefix, index)
        if await self._client.indices.exists_alias(name=alias):
            return
        if not await self._client.indices.exists(index=concrete):
            try:
                await self._client.indices.create(
                    index=concrete, body={"aliases": {alias: {"is_write_index": True}}}
                )
            except RequestError as error:
                # Another process created it between our check and our create.
                if error.error != "resource_already_exists_exception":
                    raise
            else:
                return
        await self._client.indices.put_alias(
            index=concrete, name=alias, body={"is_write_index": True}
        )

    async def _delete_ids(
        self, alias: str, tenant_id: uuid.UUID, document_ids: Mapping[str, str]
    ) -> int:
        """Delete by `_id` (keys; values are the documents' own ids); returns how many existed."""
        actions = [
            {"_op_type": "delete", "_index": alias, "_id": _id, "_routing": str(tenant_id)}
            for _id in document_ids
        ]
        results = await self._bulk(actions)
        failures = tuple(
            IndexingFailure(document_id=document_id, status=result.status, reason=result.reason)
            for _id, document_id in document_ids.items()
            if not (result := results[_id]).ok and result.result != "not_found"
        )
        if failures:
            raise IndexingError(failures, attempted=len(actions))
        return sum(1 for result in results.values() if result.result == "deleted")

    async def _bulk(self, actions: list[dict[str, Any]]) -> dict[str, _BulkResult]:
        """Send bulk actions; the outcome of each, by `_id`.

        Documents rejected with 429 are retried with backoff, so outcomes can
        arrive out of order; that is why they are keyed by `_id`.
        """
        results: dict[str, _BulkResult] = {}
        async for ok, item in async_streaming_bulk(
            self._client,
            actions,
            chunk_size=BULK_CHUNK_SIZE,
            max_retries=BULK_RETRIES_ON_REJECTION,
            initial_backoff=1,
            raise_on_error=False,
        ):
            _, info = next(iter(cast("dict[str, dict[str, Any]]", item).items()))
            results[str(info["_id"])] = _BulkResult(
                ok=bool(ok),
                status=int(info.get("status", 500)),
                result=str(info.get("result", "")),
                reason=_error_reason(info.get("error")),
            )
        return results


def _error_reason(error: object) -> str:
    if isinstance(error, Mapping):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return "" if error is None else str(error)


def _search_hit(hit: Mapping[str, Any]) -> SearchHit:
    source = hit.get("_source", {})
    fragments = [
        fragment for fragments in hit.get("highlight", {}).values() for fragment in fragments
    ]
    return SearchHit(
        id=str(source["doc_id"]),
        score=float(hit["_score"]),
        highlights=merge_highlights(fragments),
        fields=dict(source.get("fields", {})),
    )
