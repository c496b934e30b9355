"""The OpenSearch implementation of the `SearchIndex` port."""

import uuid
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import NotFoundError, RequestError, TransportError
from opensearchpy.helpers import async_scan, async_streaming_bulk

from domain.shared.ports import SearchDocument, SearchHit, SearchPage, SearchUnavailableError
from search.documents import (
    HIGHLIGHT_POST_TAG,
    HIGHLIGHT_PRE_TAG,
    LOGICAL_INDICES,
    MAX_HIGHLIGHTS,
    merge_highlights,
    opensearch_id,
    opensearch_source,
    query_words,
    validate_any_of,
    validate_filters,
    validate_ranges,
)
from search.errors import IndexingError, IndexingFailure, UnknownIndexVersionError
from search.indices import (
    DATE_FIELDS,
    SEARCH_FIELDS,
    alias_name,
    concrete_index_name,
    index_template,
    index_version_number,
    template_name,
    validate_prefix,
)

REQUEST_TIMEOUT_SECONDS: Final = 10
#: Actions per `_bulk` request: one indexing batch (`INDEX_BATCH_SIZE`) in one request,
#: unless it passes `BULK_MAX_CHUNK_BYTES`.
BULK_CHUNK_SIZE: Final = 1000
#: Under aiohttp's 1 MiB, above which it warns that sending the body blocks the loop.
BULK_MAX_CHUNK_BYTES: Final = 1_000_000
BULK_RETRIES_ON_REJECTION: Final = 3
#: Matches counted exactly per search; beyond this `total` reads this number.
#: Counting every match of a frequent word in a large tenant costs more than
#: finding the best hits (the count cannot stop early), and no reader needs
#: more than "over 10,000".
TOTAL_HITS_COUNTED: Final = 10_000


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

    @property
    def is_version_conflict(self) -> bool:
        return self.status == 409 and self.reason.startswith("version_conflict_engine_exception")

    @property
    def is_missing_index(self) -> bool:
        return self.reason.startswith("index_not_found_exception")


@asynccontextmanager
async def _passing_failures_as_unavailable() -> AsyncIterator[None]:
    """Turn connection failures, timeouts, 429 and 5xx into the port's `SearchUnavailableError`."""
    try:
        yield
    except OpenSearchConnectionError as error:
        raise SearchUnavailableError(
            f"search backend unreachable: {type(error).__name__}"
        ) from error
    except TransportError as error:
        status = error.status_code
        if isinstance(status, int) and (status == 429 or status >= 500):
            raise SearchUnavailableError(f"search backend answered {status}") from error
        raise


class OpenSearchIndex:
    """`SearchIndex` on OpenSearch, tenant-routed and tenant-filtered.

    Logical names (`mentions`, `qna`) map to aliases `<prefix>-<index>`. Each
    document's `_id` is `<tenant_id>:<id>` and its routing value is the tenant
    id, so a tenant's documents live on one shard and ids never collide across
    tenants. Writes become searchable at the next refresh (about a second);
    `refresh` forces one.

    Versioned documents are written with external versioning (`version_type`
    `external`, or `external_gte` to overwrite the same version), so OpenSearch
    itself refuses an older version; such refusals (409) count as skipped.
    Writes through the alias require it to be an alias (`require_alias`): a
    write never creates a bare index under the alias's name, and when the alias
    is missing the templates and alias are created and the write is repeated.
    Reindexing creates `<alias>-v<N+1>` from the template, fills it, and moves
    the alias in one `_aliases` call.
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
        async with _passing_failures_as_unavailable():
            for index in LOGICAL_INDICES:
                await self._put_template(index)
                await self._ensure_alias(index)

    async def index_documents(
        self,
        index: str,
        documents: Sequence[SearchDocument],
        *,
        into: str | None = None,
        overwrite_same_version: bool = False,
    ) -> int:
        """Upsert `documents`; returns how many of them have their tenant and id written.

        Of several documents with the same tenant and id in one batch, only the
        highest version (or the last, unversioned) is sent; each duplicate
        counts. Versioned documents that OpenSearch refuses as older (409) are
        skipped. Raises `IndexingError` listing the refused documents after the
        whole batch was sent; the others stay written. Documents are searchable
        after the next refresh. `into` names a version made by
        `create_index_version`.
        """
        target = alias_name(self._prefix, index) if into is None else self._version(index, into)
        latest: dict[str, SearchDocument] = {}
        for document in documents:
            key = opensearch_id(document.tenant_id, document.id)
            kept = latest.get(key)
            if kept is None or _newer_or_same(document, kept):
                latest[key] = document
        if not latest:
            return 0
        async with _passing_failures_as_unavailable():
            results = await self._write(target, latest, overwrite_same_version, alias=into is None)
            if into is None and any(result.is_missing_index for result in results.values()):
                # The alias is missing (a fresh or wiped cluster): create it, write again.
                await self.ensure_ready()
                results = await self._write(target, latest, overwrite_same_version, alias=True)
        failures = tuple(
            IndexingFailure(document_id=document.id, status=result.status, reason=result.reason)
            for key, document in latest.items()
            if not (result := results[key]).ok and not result.is_version_conflict
        )
        if failures:
            raise IndexingError(failures, attempted=len(latest))
        return sum(
            1
            for document in documents
            if results[opensearch_id(document.tenant_id, document.id)].ok
        )

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
        """Documents of `tenant_id` matching every word of `query`, best first.

        `brand_ids=None` searches all brands; an empty sequence matches nothing.
        `filters` match entries of the documents' `fields` exactly, `any_of`
        one of several values (`terms`; no values match nothing), and `ranges`
        bound a date field to `[from, to)` (`range` with `gte`/`lt`, in UTC);
        all of them are filter context, so they do not change scores. `total`
        is exact up to `TOTAL_HITS_COUNTED` and that number when more match.
        """
        if limit < 1:
            raise ValueError(f"search limit must be at least 1, got {limit}")
        alias = alias_name(self._prefix, index)
        words = query_words(query)
        exact_filters = validate_filters(filters)
        one_of = validate_any_of(any_of)
        bounded = validate_ranges(ranges, date_fields=DATE_FIELDS[index])
        if (
            not words
            or (brand_ids is not None and not brand_ids)
            or any(not values for values in one_of.values())
        ):
            return SearchPage(total=0, hits=())
        conditions: list[dict[str, Any]] = [{"term": {"tenant_id": str(tenant_id)}}]
        if brand_ids is not None:
            conditions.append({"terms": {"brand_id": [str(brand_id) for brand_id in brand_ids]}})
        conditions.extend(
            {"term": {f"fields.{key}": value}} for key, value in exact_filters.items()
        )
        conditions.extend(
            {"terms": {f"fields.{key}": list(values)}} for key, values in one_of.items()
        )
        conditions.extend(
            {"range": {f"fields.{key}": _range_bounds(start, end)}}
            for key, (start, end) in bounded.items()
        )
        body = {
            "size": limit,
            "track_total_hits": TOTAL_HITS_COUNTED,
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
        async with _passing_failures_as_unavailable():
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
        async with _passing_failures_as_unavailable():
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
        deleted = 0
        async with _passing_failures_as_unavailable():
            await self._client.indices.refresh(index=alias)
            batch: dict[str, str] = {}
            async for hit in self._scan_tenant(alias, tenant_id):
                batch[str(hit["_id"])] = str(hit["_source"]["doc_id"])
                if len(batch) == BULK_CHUNK_SIZE:
                    deleted += await self._delete_ids(alias, tenant_id, batch)
                    batch = {}
            if batch:
                deleted += await self._delete_ids(alias, tenant_id, batch)
            await self._client.indices.refresh(index=alias)
        return deleted

    async def count_documents(self, index: str, *, tenant_id: uuid.UUID) -> int:
        """How many documents the tenant has in the live index, as of the last refresh."""
        alias = alias_name(self._prefix, index)
        async with _passing_failures_as_unavailable():
            response = await self._client.count(
                index=alias, body={"query": _tenant_filter(tenant_id)}, routing=str(tenant_id)
            )
        return int(response["count"])

    async def document_ids(
        self, index: str, *, tenant_id: uuid.UUID, batch_size: int = BULK_CHUNK_SIZE
    ) -> AsyncIterator[list[str]]:
        """The tenant's document ids in the live index, in batches, from a scroll.

        Refreshes first, so documents written moments ago are listed. The
        scroll is a snapshot: deleting listed documents meanwhile is safe.
        """
        alias = alias_name(self._prefix, index)
        async with _passing_failures_as_unavailable():
            await self._client.indices.refresh(index=alias)
            batch: list[str] = []
            async for hit in self._scan_tenant(alias, tenant_id):
                batch.append(str(hit["_source"]["doc_id"]))
                if len(batch) == batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch

    async def refresh(self, index: str) -> None:
        """Make every write to the index so far visible to search.

        OpenSearch does this by itself about once a second; call it where a
        read must see a write at once (tests, a rebuild that reports counts).
        """
        async with _passing_failures_as_unavailable():
            await self._client.indices.refresh(index=alias_name(self._prefix, index))

    async def create_index_version(self, index: str) -> str:
        """Create `<alias>-v<N+1>` (N the highest existing version) from the current template.

        The new index has no alias: searches and alias writes do not see it
        until `swap_alias`. Returns its name.
        """
        async with _passing_failures_as_unavailable():
            await self._put_template(index)
            existing = await self._versions(index)
            name = concrete_index_name(self._prefix, index, max(existing.values(), default=0) + 1)
            await self._client.indices.create(index=name)
        return name

    async def swap_alias(self, index: str, version: str) -> tuple[str, ...]:
        """Point the alias at `version` alone in one `_aliases` call, then delete older versions.

        Refreshes `version` first so that everything written to it is
        searchable the moment it goes live. Deleted are the versions the alias
        pointed at and those numbered below `version` (left by failed
        rebuilds); a higher-numbered one may belong to a rebuild still running.
        """
        alias = alias_name(self._prefix, index)
        number = self._version_number(index, version)
        async with _passing_failures_as_unavailable():
            await self._client.indices.refresh(index=version)
            live = await self._live_indices(alias)
            actions: list[dict[str, Any]] = [
                {"remove": {"index": name, "alias": alias}} for name in live if name != version
            ]
            actions.append({"add": {"index": version, "alias": alias, "is_write_index": True}})
            await self._client.indices.update_aliases(body={"actions": actions})
            existing = await self._versions(index)
            dropped = tuple(
                sorted(
                    name
                    for name, other in existing.items()
                    if name != version and (name in live or other < number)
                )
            )
            if dropped:
                await self._client.indices.delete(index=",".join(dropped))
        return dropped

    async def discard_index_version(self, index: str, version: str) -> None:
        """Delete a version that never went live; refuses (ValueError) the live one."""
        alias = alias_name(self._prefix, index)
        self._version_number(index, version)
        async with _passing_failures_as_unavailable():
            if version in await self._live_indices(alias):
                raise ValueError(f"{version} is the live index of {alias}")
            await self._client.indices.delete(index=version, ignore_unavailable=True)

    async def ping(self) -> bool:
        """True when the cluster answers."""
        return bool(await self._client.ping())

    async def close(self) -> None:
        """Close the client's connections."""
        await self._client.close()

    async def _put_template(self, index: str) -> None:
        await self._client.indices.put_index_template(
            name=template_name(self._prefix, index), body=index_template(self._prefix, index)
        )

    def _version(self, index: str, name: str) -> str:
        self._version_number(index, name)
        return name

    def _version_number(self, index: str, name: str) -> int:
        number = index_version_number(self._prefix, index, name)
        if number is None:
            raise UnknownIndexVersionError(f"{name!r} is not a version of {index!r}")
        return number

    async def _versions(self, index: str) -> dict[str, int]:
        """The concrete versions of a logical index that exist, with their numbers."""
        pattern = f"{alias_name(self._prefix, index)}-v*"
        found = cast("dict[str, Any]", await self._client.indices.get(index=pattern))
        return {
            name: number
            for name in found
            if (number := index_version_number(self._prefix, index, name)) is not None
        }

    async def _live_indices(self, alias: str) -> list[str]:
        try:
            found = cast("dict[str, Any]", await self._client.indices.get_alias(name=alias))
        except NotFoundError:
            return []
        return sorted(found)

    def _scan_tenant(self, alias: str, tenant_id: uuid.UUID) -> AsyncIterator[dict[str, Any]]:
        return cast(
            "AsyncIterator[dict[str, Any]]",
            async_scan(
                self._client,
                query={"query": _tenant_filter(tenant_id), "_source": ["doc_id"]},
                index=alias,
                routing=str(tenant_id),
                size=BULK_CHUNK_SIZE,
                scroll="2m",
            ),
        )

    async def _write(
        self,
        target: str,
        documents: Mapping[str, SearchDocument],
        overwrite_same_version: bool,
        *,
        alias: bool,
    ) -> dict[str, _BulkResult]:
        """Bulk-index `documents` (keyed by `_id`) into `target`; the outcome of each."""
        actions: list[dict[str, Any]] = []
        for key, document in documents.items():
            action: dict[str, Any] = {
                "_op_type": "index",
                "_index": target,
                "_id": key,
                "_routing": str(document.tenant_id),
                "_source": opensearch_source(document),
            }
            if document.version is not None:
                action["version"] = document.version
                action["version_type"] = "external_gte" if overwrite_same_version else "external"
            actions.append(action)
        return await self._bulk(actions, require_alias=alias)

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

    async def _bulk(
        self, actions: list[dict[str, Any]], *, require_alias: bool = False
    ) -> dict[str, _BulkResult]:
        """Send bulk actions; the outcome of each, by `_id`.

        Documents rejected with 429 are retried with backoff, so outcomes can
        arrive out of order; that is why they are keyed by `_id`.
        """
        results: dict[str, _BulkResult] = {}
        params: dict[str, Any] = {"require_alias": "true"} if require_alias else {}
        async for ok, item in async_streaming_bulk(
            self._client,
            actions,
            chunk_size=BULK_CHUNK_SIZE,
            max_chunk_bytes=BULK_MAX_CHUNK_BYTES,
            max_retries=BULK_RETRIES_ON_REJECTION,
            initial_backoff=1,
            raise_on_error=False,
            **params,
        ):
            _, info = next(iter(cast("dict[str, dict[str, Any]]", item).items()))
            results[str(info["_id"])] = _BulkResult(
                ok=bool(ok),
                status=int(info.get("status", 500)),
                result=str(info.get("result", "")),
                reason=_error_reason(info.get("error")),
            )
        return results


def _newer_or_same(document: SearchDocument, kept: SearchDocument) -> bool:
    """Whether `document` should replace `kept` (same id) within one batch."""
    if document.version is None or kept.version is None:
        return True
    return document.version >= kept.version


def _range_bounds(start: str | None, end: str | None) -> dict[str, str]:
    """`gte`/`lt` of a half-open range (zoneless bounds, which OpenSearch reads as UTC)."""
    bounds = {}
    if start is not None:
        bounds["gte"] = start
    if end is not None:
        bounds["lt"] = end
    return bounds


def _tenant_filter(tenant_id: uuid.UUID) -> dict[str, Any]:
    return {"bool": {"filter": [{"term": {"tenant_id": str(tenant_id)}}]}}


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
