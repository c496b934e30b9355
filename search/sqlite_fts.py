"""The SQLite FTS5 implementation of the `SearchIndex` port, for the embedded default.

One FTS5 table `search_<index>` per logical index; only `text` is indexed,
tokenised by `unicode61` with diacritics removed (`café` matches `cafe`;
letters that are not a base letter plus a mark, such as `ł`, stay as they are).
There is no stemming: a word matches only its own form. Meant for demo-sized
data: upserts and deletes scan the tenant column, which FTS5 cannot index.
"""

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import bindparam, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.shared.ports import SearchDocument, SearchHit, SearchPage
from search.documents import (
    LOGICAL_INDICES,
    fts5_match_expression,
    highlight_from_markers,
    jsonable,
    query_words,
    require_logical_index,
    validate_filters,
)

SNIPPET_TOKENS: Final = 32
DELETE_BATCH_SIZE: Final = 500
# Control characters mark matches inside `snippet()` output; the text is then
# HTML-escaped and the markers become `<em>` tags. They are removed from
# indexed text so a user cannot forge them.
_MATCH_START: Final = "\x02"
_MATCH_END: Final = "\x03"
_ELLIPSIS: Final = "…"


def table_name(index: str) -> str:
    """The FTS5 table of a logical index (a fixed allow-list, safe to put in SQL)."""
    return f"search_{require_logical_index(index)}"


class SqliteFtsIndex:
    """`SearchIndex` on SQLite FTS5, filtering every statement on `tenant_id`.

    Writes are visible to searches as soon as they return.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ensure_ready(self) -> None:
        """Create the FTS5 tables if missing (idempotent)."""
        async with self._engine.begin() as connection:
            for index in LOGICAL_INDICES:
                await connection.execute(
                    text(
                        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table_name(index)} USING fts5("
                        "doc_id UNINDEXED, tenant_id UNINDEXED, brand_id UNINDEXED, "
                        "text, fields_json UNINDEXED, "
                        "tokenize = 'unicode61 remove_diacritics 2')"
                    )
                )

    async def index_documents(self, index: str, documents: Sequence[SearchDocument]) -> int:
        """Upsert `documents` (replace by tenant and id) in one transaction; returns the count."""
        table = table_name(index)
        latest = {(document.tenant_id, document.id): document for document in documents}
        rows = [
            {
                "doc_id": document.id,
                "tenant_id": str(document.tenant_id),
                "brand_id": None if document.brand_id is None else str(document.brand_id),
                "text": document.text.replace(_MATCH_START, "").replace(_MATCH_END, ""),
                "fields_json": json.dumps(jsonable(document.fields), ensure_ascii=False),
            }
            for document in latest.values()
        ]
        async with self._engine.begin() as connection:
            for tenant_id in {document.tenant_id for document in latest.values()}:
                tenant_ids = [doc_id for (owner, doc_id) in latest if owner == tenant_id]
                await self._delete_ids(connection, table, tenant_id, tenant_ids)
            if rows:
                await connection.execute(
                    text(
                        f"INSERT INTO {table} (doc_id, tenant_id, brand_id, text, fields_json) "  # noqa: S608 - table from allow-list
                        "VALUES (:doc_id, :tenant_id, :brand_id, :text, :fields_json)"
                    ),
                    rows,
                )
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
        """Documents of `tenant_id` matching every word of `query`, best (lowest bm25) first.

        `brand_ids=None` searches all brands; an empty sequence matches nothing.
        `filters` match entries of the documents' `fields` exactly (a list
        entry matches when one of its items does).
        """
        if limit < 1:
            raise ValueError(f"search limit must be at least 1, got {limit}")
        table = table_name(index)
        words = query_words(query)
        exact_filters = validate_filters(filters)
        if not words or (brand_ids is not None and not brand_ids):
            return SearchPage(total=0, hits=())

        conditions = [f"{table} MATCH :match", "tenant_id = :tenant_id"]
        parameters: dict[str, Any] = {
            "match": fts5_match_expression(words),
            "tenant_id": str(tenant_id),
        }
        expanding: list[str] = []
        if brand_ids is not None:
            conditions.append("brand_id IN :brand_ids")
            parameters["brand_ids"] = [str(brand_id) for brand_id in brand_ids]
            expanding.append("brand_ids")
        for number, (key, value) in enumerate(exact_filters.items()):
            # json_each yields a scalar itself, or each item of a list.
            conditions.append(
                f"EXISTS (SELECT 1 FROM json_each(fields_json, :path_{number}) AS entry "  # noqa: S608 - only parameter names vary
                "WHERE CASE entry.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
                f"ELSE CAST(entry.value AS TEXT) END = :value_{number})"
            )
            parameters[f"path_{number}"] = f'$."{key}"'
            parameters[f"value_{number}"] = value
        where = " AND ".join(conditions)
        snippet = f"snippet({table}, 3, :mark_start, :mark_end, :ellipsis, {SNIPPET_TOKENS})"
        select_hits = text(
            f"SELECT doc_id, fields_json, -bm25({table}) AS score, {snippet} AS snippet "  # noqa: S608 - table from allow-list, values bound
            f"FROM {table} WHERE {where} ORDER BY bm25({table}) LIMIT :limit"
        )
        count_hits = text(f"SELECT count(*) FROM {table} WHERE {where}")  # noqa: S608 - as above
        if expanding:
            select_hits = select_hits.bindparams(
                *(bindparam(name, expanding=True) for name in expanding)
            )
            count_hits = count_hits.bindparams(
                *(bindparam(name, expanding=True) for name in expanding)
            )
        async with self._engine.connect() as connection:
            total = (await connection.execute(count_hits, parameters)).scalar_one()
            snippet_parameters = {
                "mark_start": _MATCH_START,
                "mark_end": _MATCH_END,
                "ellipsis": _ELLIPSIS,
                "limit": limit,
            }
            rows = (
                await connection.execute(select_hits, {**parameters, **snippet_parameters})
            ).all()
        hits = tuple(
            SearchHit(
                id=row.doc_id,
                score=float(row.score),
                highlights=(
                    highlight_from_markers(row.snippet, start=_MATCH_START, end=_MATCH_END),
                ),
                fields=json.loads(row.fields_json),
            )
            for row in rows
        )
        return SearchPage(total=int(total), hits=hits)

    async def delete_documents(
        self, index: str, *, tenant_id: uuid.UUID, ids: Sequence[str]
    ) -> int:
        """Delete the tenant's documents with these ids; returns how many existed."""
        table = table_name(index)
        async with self._engine.begin() as connection:
            return await self._delete_ids(connection, table, tenant_id, list(dict.fromkeys(ids)))

    async def delete_tenant(self, index: str, *, tenant_id: uuid.UUID) -> int:
        """Delete every document of the tenant in the index; returns how many."""
        table = table_name(index)
        async with self._engine.begin() as connection:
            result = await connection.execute(
                text(f"DELETE FROM {table} WHERE tenant_id = :tenant_id"),  # noqa: S608 - allow-list
                {"tenant_id": str(tenant_id)},
            )
        return int(result.rowcount)

    async def ping(self) -> bool:
        """True when the database answers `select 1`."""
        try:
            async with self._engine.connect() as connection:
                answer = (await connection.execute(text("SELECT 1"))).scalar_one()
        except SQLAlchemyError:
            return False
        return bool(answer == 1)

    async def close(self) -> None:
        """Nothing to release: the engine belongs to the caller, who disposes of it."""

    @staticmethod
    async def _delete_ids(
        connection: AsyncConnection, table: str, tenant_id: uuid.UUID, ids: Sequence[str]
    ) -> int:
        deleted = 0
        statement = text(
            f"DELETE FROM {table} WHERE tenant_id = :tenant_id AND doc_id IN :ids"  # noqa: S608 - allow-list
        ).bindparams(bindparam("ids", expanding=True))
        for start in range(0, len(ids), DELETE_BATCH_SIZE):
            batch = list(ids[start : start + DELETE_BATCH_SIZE])
            result = await connection.execute(
                statement, {"tenant_id": str(tenant_id), "ids": batch}
            )
            deleted += int(result.rowcount)
        return deleted
