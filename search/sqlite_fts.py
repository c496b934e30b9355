"""The SQLite FTS5 implementation of the `SearchIndex` port, for the embedded default.

One FTS5 table `search_<index>` per logical index; only `text` is indexed,
tokenised by `unicode61` with diacritics removed (`café` matches `cafe`;
letters that are not a base letter plus a mark, such as `ł`, stay as they are).
There is no stemming: a word matches only its own form. Meant for demo-sized
data: upserts and deletes scan the tenant column, which FTS5 cannot index.

Versions live beside each FTS5 table in an ordinary table `<table>_versions`
keyed by tenant and document id: a versioned write first claims its version
there with one `INSERT … ON CONFLICT DO UPDATE … WHERE newer … RETURNING`, and
only the documents it returns are written, all in one transaction, so an older
version never replaces a newer one. A rebuild fills `<table>_next` and swaps it
in with `DROP` and `ALTER TABLE … RENAME` in one transaction.
"""

import json
import uuid
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.shared.ports import SearchDocument, SearchHit, SearchPage, SearchUnavailableError
from search.documents import (
    LOGICAL_INDICES,
    fts5_match_expression,
    highlight_from_markers,
    jsonable,
    query_words,
    require_logical_index,
    validate_any_of,
    validate_filters,
    validate_ranges,
)
from search.errors import UnknownIndexVersionError
from search.indices import DATE_FIELDS

SNIPPET_TOKENS: Final = 32
DELETE_BATCH_SIZE: Final = 500
# Three bound values per row, well below SQLite's limit of variables per statement.
VERSION_CLAIM_BATCH_SIZE: Final = 300
REBUILD_SUFFIX: Final = "_next"
# Control characters mark matches inside `snippet()` output; the text is then
# HTML-escaped and the markers become `<em>` tags. They are removed from
# indexed text so a user cannot forge them.
_MATCH_START: Final = "\x02"
_MATCH_END: Final = "\x03"
_ELLIPSIS: Final = "…"
# A `json_each` entry as the text filters compare with: booleans as `true`/`false`.
_ENTRY_TEXT: Final = (
    "CASE entry.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
    "ELSE CAST(entry.value AS TEXT) END"
)


def table_name(index: str) -> str:
    """The FTS5 table of a logical index (a fixed allow-list, safe to put in SQL)."""
    return f"search_{require_logical_index(index)}"


def versions_table_name(table: str) -> str:
    """The table of document versions beside an FTS5 table."""
    return f"{table}_versions"


@asynccontextmanager
async def _busy_as_unavailable() -> AsyncIterator[None]:
    """A locked or busy database is a passing failure: the port's `SearchUnavailableError`."""
    try:
        yield
    except OperationalError as error:
        raise SearchUnavailableError(
            f"search database unavailable: {type(error.orig).__name__}"
        ) from error


async def _create_tables(connection: AsyncConnection, table: str) -> None:
    await connection.execute(
        text(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
            "doc_id UNINDEXED, tenant_id UNINDEXED, brand_id UNINDEXED, "
            "text, fields_json UNINDEXED, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
    )
    await connection.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {versions_table_name(table)} ("
            "tenant_id TEXT NOT NULL, doc_id TEXT NOT NULL, version INTEGER, "
            "PRIMARY KEY (tenant_id, doc_id)) WITHOUT ROWID"
        )
    )


class SqliteFtsIndex:
    """`SearchIndex` on SQLite FTS5, filtering every statement on `tenant_id`.

    Writes are visible to searches as soon as they return.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ensure_ready(self) -> None:
        """Create the FTS5 tables and their version tables if missing (idempotent)."""
        async with _busy_as_unavailable(), self._engine.begin() as connection:
            for index in LOGICAL_INDICES:
                await _create_tables(connection, table_name(index))

    async def index_documents(
        self,
        index: str,
        documents: Sequence[SearchDocument],
        *,
        into: str | None = None,
        overwrite_same_version: bool = False,
    ) -> int:
        """Upsert `documents` (replace by tenant and id) in one transaction.

        Of several documents with the same tenant and id only the highest
        version (or the last, unversioned) is written. Versioned documents
        older than the stored version (or as old, unless
        `overwrite_same_version`) are skipped. Returns how many of `documents`
        have their tenant and id written (each duplicate counts).
        """
        table = table_name(index) if into is None else self._version_table(index, into)
        latest: dict[tuple[uuid.UUID, str], SearchDocument] = {}
        for document in documents:
            kept = latest.get((document.tenant_id, document.id))
            if kept is None or _newer_or_same(document, kept):
                latest[(document.tenant_id, document.id)] = document
        if not latest:
            return 0
        async with _busy_as_unavailable(), self._engine.begin() as connection:
            # The version claim is the transaction's first statement, and a write:
            # it takes SQLite's write lock, so no other writer slips in between.
            accepted = await self._claim_versions(
                connection, table, latest.values(), overwrite_same_version
            )
            written = [document for key, document in latest.items() if key in accepted]
            for tenant_id in {document.tenant_id for document in written}:
                tenant_ids = [
                    document.id for document in written if document.tenant_id == tenant_id
                ]
                await self._delete_ids(connection, table, tenant_id, tenant_ids, versions=False)
            if written:
                await connection.execute(
                    text(
                        f"INSERT INTO {table} (doc_id, tenant_id, brand_id, text, fields_json) "  # noqa: S608 - table from allow-list
                        "VALUES (:doc_id, :tenant_id, :brand_id, :text, :fields_json)"
                    ),
                    [_row(document) for document in written],
                )
        return sum(1 for document in documents if (document.tenant_id, document.id) in accepted)

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
        """Documents of `tenant_id` matching every word of `query`, best (lowest bm25) first.

        `brand_ids=None` searches all brands; an empty sequence matches nothing.
        `filters` match entries of the documents' `fields` exactly (a list
        entry matches when one of its items does), `any_of` one of several
        values (no values match nothing), and `ranges` bound a date field to
        `[from, to)`: the stored ISO 8601 text is normalised to UTC at
        millisecond precision by `strftime` and compared with the bounds,
        in the same statement as the match, so `total` counts them all.
        """
        if limit < 1:
            raise ValueError(f"search limit must be at least 1, got {limit}")
        table = table_name(index)
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
                f"WHERE {_ENTRY_TEXT} = :value_{number})"
            )
            parameters[f"path_{number}"] = f'$."{key}"'
            parameters[f"value_{number}"] = value
        for number, (key, values) in enumerate(one_of.items()):
            conditions.append(
                f"EXISTS (SELECT 1 FROM json_each(fields_json, :any_path_{number}) AS entry "  # noqa: S608 - only parameter names vary
                f"WHERE {_ENTRY_TEXT} IN :any_values_{number})"
            )
            parameters[f"any_path_{number}"] = f'$."{key}"'
            parameters[f"any_values_{number}"] = list(values)
            expanding.append(f"any_values_{number}")
        for number, (key, (start, end)) in enumerate(bounded.items()):
            moment = (
                f"strftime('%Y-%m-%dT%H:%M:%f', json_extract(fields_json, :range_path_{number}))"
            )
            parameters[f"range_path_{number}"] = f'$."{key}"'
            if start is not None:
                conditions.append(f"{moment} >= :range_from_{number}")
                parameters[f"range_from_{number}"] = start
            if end is not None:
                conditions.append(f"{moment} < :range_to_{number}")
                parameters[f"range_to_{number}"] = end
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
        async with _busy_as_unavailable(), self._engine.connect() as connection:
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
        async with _busy_as_unavailable(), self._engine.begin() as connection:
            return await self._delete_ids(connection, table, tenant_id, list(dict.fromkeys(ids)))

    async def delete_tenant(self, index: str, *, tenant_id: uuid.UUID) -> int:
        """Delete every document of the tenant in the index; returns how many."""
        table = table_name(index)
        async with _busy_as_unavailable(), self._engine.begin() as connection:
            result = await connection.execute(
                text(f"DELETE FROM {table} WHERE tenant_id = :tenant_id"),  # noqa: S608 - allow-list
                {"tenant_id": str(tenant_id)},
            )
            await connection.execute(
                text(
                    f"DELETE FROM {versions_table_name(table)} WHERE tenant_id = :tenant_id"  # noqa: S608 - allow-list
                ),
                {"tenant_id": str(tenant_id)},
            )
        return int(result.rowcount)

    async def count_documents(self, index: str, *, tenant_id: uuid.UUID) -> int:
        """How many documents the tenant has in the index."""
        table = table_name(index)
        async with _busy_as_unavailable(), self._engine.connect() as connection:
            count = (
                await connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE tenant_id = :tenant_id"),  # noqa: S608 - allow-list
                    {"tenant_id": str(tenant_id)},
                )
            ).scalar_one()
        return int(count)

    async def document_ids(
        self, index: str, *, tenant_id: uuid.UUID, batch_size: int = DELETE_BATCH_SIZE
    ) -> AsyncIterator[list[str]]:
        """The tenant's document ids in id order, in batches (keyset pages, one read each)."""
        table = table_name(index)
        statement = text(
            f"SELECT doc_id FROM {table} WHERE tenant_id = :tenant_id AND doc_id > :after "  # noqa: S608 - allow-list
            "ORDER BY doc_id LIMIT :limit"
        )
        after = ""
        while True:
            async with _busy_as_unavailable(), self._engine.connect() as connection:
                batch = list(
                    (
                        await connection.execute(
                            statement,
                            {"tenant_id": str(tenant_id), "after": after, "limit": batch_size},
                        )
                    ).scalars()
                )
            if not batch:
                return
            yield batch
            after = batch[-1]

    async def refresh(self, index: str) -> None:
        """Nothing to do: writes are visible as soon as they commit."""
        table_name(index)

    async def create_index_version(self, index: str) -> str:
        """Create an empty `search_<index>_next` (replacing a leftover one); returns its name."""
        staging = table_name(index) + REBUILD_SUFFIX
        async with _busy_as_unavailable(), self._engine.begin() as connection:
            await connection.execute(text(f"DROP TABLE IF EXISTS {staging}"))
            await connection.execute(text(f"DROP TABLE IF EXISTS {versions_table_name(staging)}"))
            await _create_tables(connection, staging)
        return staging

    async def swap_alias(self, index: str, version: str) -> tuple[str, ...]:
        """Replace the live table by `version` in one transaction; returns the live table's name.

        Readers see the old table until the commit and the new one after it.
        """
        live = table_name(index)
        staging = self._version_table(index, version)
        async with _busy_as_unavailable(), self._engine.begin() as connection:
            # Python's sqlite3 opens the transaction only before a DML statement;
            # without one, the DDL below would commit statement by statement.
            await connection.execute(
                text(f"DELETE FROM {versions_table_name(staging)} WHERE 0")  # noqa: S608 - allow-list
            )
            for old, new in (
                (live, staging),
                (versions_table_name(live), versions_table_name(staging)),
            ):
                await connection.execute(text(f"DROP TABLE IF EXISTS {old}"))
                await connection.execute(text(f"ALTER TABLE {new} RENAME TO {old}"))
        return (live,)

    async def discard_index_version(self, index: str, version: str) -> None:
        """Drop a rebuild table that was never swapped in."""
        staging = self._version_table(index, version)
        async with _busy_as_unavailable(), self._engine.begin() as connection:
            await connection.execute(text(f"DROP TABLE IF EXISTS {staging}"))
            await connection.execute(text(f"DROP TABLE IF EXISTS {versions_table_name(staging)}"))

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
    def _version_table(index: str, name: str) -> str:
        if name != table_name(index) + REBUILD_SUFFIX:
            raise UnknownIndexVersionError(f"{name!r} is not a version of {index!r}")
        return name

    @staticmethod
    async def _claim_versions(
        connection: AsyncConnection,
        table: str,
        documents: Iterable[SearchDocument],
        overwrite_same_version: bool,
    ) -> set[tuple[uuid.UUID, str]]:
        """Record the documents' versions where they are newer; the (tenant, id) of those recorded.

        An unversioned document is always recorded (with no version).
        """
        versions = versions_table_name(table)
        newer = ">=" if overwrite_same_version else ">"
        pending = list(documents)
        accepted: set[tuple[uuid.UUID, str]] = set()
        for start in range(0, len(pending), VERSION_CLAIM_BATCH_SIZE):
            batch = pending[start : start + VERSION_CLAIM_BATCH_SIZE]
            values = ", ".join(f"(:t{n}, :d{n}, :v{n})" for n in range(len(batch)))
            parameters: dict[str, Any] = {}
            for number, document in enumerate(batch):
                parameters[f"t{number}"] = str(document.tenant_id)
                parameters[f"d{number}"] = document.id
                parameters[f"v{number}"] = document.version
            rows = await connection.execute(
                text(
                    f"INSERT INTO {versions} (tenant_id, doc_id, version) VALUES {values} "  # noqa: S608 - allow-list, values bound
                    "ON CONFLICT (tenant_id, doc_id) DO UPDATE SET version = excluded.version "
                    f"WHERE excluded.version IS NULL OR {versions}.version IS NULL "
                    f"OR excluded.version {newer} {versions}.version "
                    "RETURNING tenant_id, doc_id"
                ),
                parameters,
            )
            accepted.update((uuid.UUID(row.tenant_id), row.doc_id) for row in rows.all())
        return accepted

    @staticmethod
    async def _delete_ids(
        connection: AsyncConnection,
        table: str,
        tenant_id: uuid.UUID,
        ids: Sequence[str],
        *,
        versions: bool = True,
    ) -> int:
        """Delete documents (and, unless `versions=False`, their recorded versions)."""
        deleted = 0
        statement = text(
            f"DELETE FROM {table} WHERE tenant_id = :tenant_id AND doc_id IN :ids"  # noqa: S608 - allow-list
        ).bindparams(bindparam("ids", expanding=True))
        forget_versions = text(
            f"DELETE FROM {versions_table_name(table)} "  # noqa: S608 - allow-list
            "WHERE tenant_id = :tenant_id AND doc_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        for start in range(0, len(ids), DELETE_BATCH_SIZE):
            batch = list(ids[start : start + DELETE_BATCH_SIZE])
            result = await connection.execute(
                statement, {"tenant_id": str(tenant_id), "ids": batch}
            )
            deleted += int(result.rowcount)
            if versions:
                await connection.execute(
                    forget_versions, {"tenant_id": str(tenant_id), "ids": batch}
                )
        return deleted


def _newer_or_same(document: SearchDocument, kept: SearchDocument) -> bool:
    """Whether `document` should replace `kept` (same tenant and id) within one batch."""
    if document.version is None or kept.version is None:
        return True
    return document.version >= kept.version


def _row(document: SearchDocument) -> dict[str, Any]:
    return {
        "doc_id": document.id,
        "tenant_id": str(document.tenant_id),
        "brand_id": None if document.brand_id is None else str(document.brand_id),
        "text": document.text.replace(_MATCH_START, "").replace(_MATCH_END, ""),
        "fields_json": json.dumps(jsonable(document.fields), ensure_ascii=False),
    }
