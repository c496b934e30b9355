"""Mention search: keeping the index in step with the database, and searching it.

PostgreSQL (or the embedded SQLite) is the source of truth; the search index
is derived from it through the `SearchIndex` port and can be rebuilt at any
time. Three paths write the index:

- `index_pending_mentions` delivers the `index_mention` outbox rows that the
  processing of mentions writes in the same transaction as each change;
- `rebuild_mention_index` copies every tenant's mentions into a new index
  version and swaps it in; `reindex_tenant_mentions` repairs one tenant in place;
- both write each mention with its `version`, so whichever path writes last,
  the index keeps the newest state of every mention.

`search_mentions` reads it, always inside the caller's tenant and the brands
the caller may read.
"""

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import select

from domain.authz.policy import Grantee, Permission, decide, visible_brand_ids
from domain.brands.repository import BrandRepository
from domain.channels.models import Channel
from domain.db.bulk import ids_in
from domain.db.outbox import (
    OutboxMessage,
    claim_due_messages,
    has_due_messages,
    mark_messages_done,
    postpone_messages,
)
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.documents import (
    DOCUMENT_COLUMNS,
    FILTERABLE_FIELDS,
    MENTIONS_INDEX,
    DocumentSource,
    mention_document,
)
from domain.mentions.models import Mention
from domain.shared.clock import utcnow
from domain.shared.errors import PermissionDeniedError, ValidationError
from domain.shared.ports import (
    SearchDocument,
    SearchIndex,
    SearchUnavailableError,
    SearchWriteError,
)
from domain.shared.tenancy import Actor, TenantScope
from domain.tenants.models import Tenant

#: The outbox topic whose rows ask for a mention to be (re)indexed.
INDEX_MENTION_TOPIC: Final = "index_mention"

DEFAULT_BATCH_SIZE: Final = 500
MAX_PAGE_SIZE: Final = 100
#: Outbox rows written this long before a rebuild started are replayed after its swap.
CATCH_UP_MARGIN: Final = timedelta(minutes=5)


# --- searching ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MentionHit:
    """One matching mention: its id, relevance, highlighted passages and indexed fields."""

    mention_id: uuid.UUID
    score: float
    highlights: tuple[str, ...]
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MentionSearchResult:
    """The best hits (at most the page size) and how many mentions match in all."""

    total: int
    hits: tuple[MentionHit, ...]

    @property
    def mention_ids(self) -> list[uuid.UUID]:
        return [hit.mention_id for hit in self.hits]


async def search_mentions(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    search: SearchIndex,
    query: str,
    filters: Mapping[str, str] | None = None,
    brand_ids: Collection[uuid.UUID] | None = None,
    page_size: int = 20,
) -> MentionSearchResult:
    """Full-text search of the scope's mentions that `grantee` may read, best first.

    Always filtered by the unit of work's tenant and by the brands on which
    the grantee has `inbox:read`; `brand_ids` narrows further (brands outside
    what the grantee may read, or of another tenant, are ignored, so they look
    the same as brands without matches). `filters` compare indexed fields
    exactly (`FILTERABLE_FIELDS`; booleans as "true"/"false", labels such as
    `priority` as their value or "pending"). Deleted mentions never match.

    Raises `PermissionDeniedError` when the grantee may read no brand of the
    tenant, `ValidationError` for an unknown filter or a page size outside
    1..100, `SearchUnavailableError` when the index cannot answer.
    """
    scope = uow.require_scope()
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"page size must be 1 to {MAX_PAGE_SIZE}", field="page_size")
    exact_filters = dict(filters or {})
    for key in exact_filters:
        if key not in FILTERABLE_FIELDS:
            raise ValidationError(f"cannot filter mentions on {key!r}", field="filters")
    tenant_brand_ids = await BrandRepository(uow).all_ids()
    readable = visible_brand_ids(grantee, Permission.INBOX_READ, tenant_brand_ids)
    if not readable:
        if not tenant_brand_ids and decide(grantee, Permission.INBOX_READ).allowed:
            return MentionSearchResult(total=0, hits=())
        raise PermissionDeniedError("no brand whose mentions this member may read")
    searched = readable if brand_ids is None else [b for b in readable if b in set(brand_ids)]
    if not searched:
        return MentionSearchResult(total=0, hits=())
    page = await search.search(
        MENTIONS_INDEX,
        tenant_id=scope.tenant_id,
        query=query,
        brand_ids=searched,
        filters=exact_filters,
        limit=page_size,
    )
    hits = tuple(
        MentionHit(
            mention_id=uuid.UUID(hit.id),
            score=hit.score,
            highlights=hit.highlights,
            fields=hit.fields,
        )
        for hit in page.hits
    )
    return MentionSearchResult(total=page.total, hits=hits)


# --- delivering the outbox ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexingRun:
    """What one `index_pending_mentions` call did with the rows it claimed.

    `failed` rows stay pending with a later `next_attempt_at`; `retry_later`
    is true when a failure was a passing one (the backend was unreachable or
    overloaded), so the caller should try again soon.
    """

    claimed: int = 0
    indexed: int = 0
    removed: int = 0
    done: int = 0
    failed: int = 0
    retry_later: bool = False
    error: str | None = None


async def index_due_mentions(
    database: Database,
    *,
    scope: TenantScope,
    actor: Actor,
    search: SearchIndex,
    batch_size: int,
    lanes: int,
    max_batches: int,
) -> list[IndexingRun]:
    """Deliver the scope's due `index_mention` rows batch after batch, `lanes` batches at
    a time, until nothing is due, a batch must wait (`retry_later`) or `max_batches` ran.

    Each batch is an `index_pending_mentions` call in its own unit of work. The first
    runs alone; when it was full (a backlog) the rest is shared by the lanes: with two,
    one batch is claimed and loaded from PostgreSQL while the other's `_bulk` is in
    OpenSearch; the claims never overlap (`FOR UPDATE SKIP LOCKED`) and external
    versions keep the newest state of a mention whichever lane writes last. SQLite
    (no row locks to skip) gets one lane. A lane's exception is raised once every
    lane has stopped. Returns the runs in the order they finished.
    """
    if lanes < 1:
        raise ValueError(f"lanes must be at least 1, got {lanes}")
    runs: list[IndexingRun] = []

    async def batch() -> IndexingRun:
        async with UnitOfWork(database, actor=actor, scope=scope) as uow:
            run = await index_pending_mentions(
                uow, search=search, now=utcnow(), batch_size=batch_size
            )
        runs.append(run)
        return run

    def finished(run: IndexingRun) -> bool:
        return not run.claimed or run.retry_later or len(runs) >= max_batches

    # The first batch runs alone: only a full one shows a backlog worth sharing.
    first = await batch()
    if finished(first):
        return runs
    stop = False

    async def lane() -> None:
        nonlocal stop
        while not stop:
            stop = finished(await batch()) or stop

    backlog = first.claimed >= batch_size
    width = lanes if backlog and database.dialect == "postgresql" else 1
    outcomes = await asyncio.gather(*(lane() for _ in range(width)), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return runs


async def index_pending_mentions(
    uow: UnitOfWork,
    *,
    search: SearchIndex,
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> IndexingRun:
    """Deliver up to `batch_size` due `index_mention` outbox rows of the scope's tenant; commits.

    Takes pending rows whose `next_attempt_at` has come, oldest first (on
    PostgreSQL `FOR UPDATE SKIP LOCKED`, so concurrent calls never take the
    same rows), loads their mentions in one query, writes them in one
    `index_documents` call, deletes from the index the mentions that no
    longer exist, and marks the rows done. Rows whose write failed stay
    pending with `attempts` + 1, `next_attempt_at` = now + `retry_delay` and
    `last_error` (status and error type only, never content). A version
    conflict (the index already has a newer version) counts as done. Rows of
    other topics are never touched. Nothing is lost: a row is done only once
    its mention's current state is in the index.
    """
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    scope = uow.require_scope()
    rows = await claim_due_messages(uow, topic=INDEX_MENTION_TOPIC, now=now, batch_size=batch_size)
    if not rows:
        return IndexingRun()
    mention_of_row = {row.id: _mention_id(row.payload) for row in rows}
    wanted = {mention_id for mention_id in mention_of_row.values() if mention_id is not None}
    found = await _load_mentions(uow, wanted)
    documents = [mention_document(mention, channel_kind=kind) for mention, kind in found.values()]
    gone = sorted(str(mention_id) for mention_id in wanted - found.keys())

    failures: dict[str, str] = {}  # mention id -> why its rows stay pending
    retry_later = False
    indexed = removed = 0
    try:
        if documents:
            indexed = await search.index_documents(MENTIONS_INDEX, documents)
    except SearchUnavailableError as error:
        failures.update(dict.fromkeys((document.id for document in documents), str(error)))
        retry_later = True
    except SearchWriteError as error:
        failures.update(error.refused)
        retry_later = error.retryable
    try:
        if gone:
            removed = await search.delete_documents(
                MENTIONS_INDEX, tenant_id=scope.tenant_id, ids=gone
            )
    except SearchUnavailableError as error:
        failures.update(dict.fromkeys(gone, str(error)))
        retry_later = True
    except SearchWriteError as error:
        failures.update(error.refused)
        retry_later = retry_later or error.retryable

    done_rows: list[uuid.UUID] = []
    unreadable_rows: list[uuid.UUID] = []
    failed_rows: dict[tuple[int, str], list[uuid.UUID]] = {}
    for row in rows:
        mention_id = mention_of_row[row.id]
        reason = None if mention_id is None else failures.get(str(mention_id))
        if reason is not None:
            failed_rows.setdefault((row.attempts, reason), []).append(row.id)
        elif mention_id is None:
            unreadable_rows.append(row.id)
        else:
            done_rows.append(row.id)
    await mark_messages_done(uow, done_rows, now=now)
    # Nothing to index, and retrying cannot change that: done, with the reason kept.
    await mark_messages_done(uow, unreadable_rows, now=now, note="invalid payload: no mention_id")
    for (attempts, reason), row_ids in failed_rows.items():
        await postpone_messages(uow, row_ids, attempts=attempts + 1, now=now, reason=reason)
    await uow.commit()
    failed = sum(len(row_ids) for row_ids in failed_rows.values())
    return IndexingRun(
        claimed=len(rows),
        indexed=indexed,
        removed=removed,
        done=len(rows) - failed,
        failed=failed,
        retry_later=retry_later,
        error=next(iter(failures.values()), None),
    )


async def has_due_mention_indexing(
    uow: UnitOfWork, *, now: datetime, overdue_by: timedelta = timedelta(0)
) -> bool:
    """Whether the scope's tenant has pending `index_mention` rows due since `overdue_by` ago."""
    return await has_due_messages(uow, topic=INDEX_MENTION_TOPIC, now=now, overdue_by=overdue_by)


async def list_tenant_ids(database: Database, *, actor: Actor) -> list[uuid.UUID]:
    """Every tenant's id, oldest tenant first.

    Tenants are not tenant-owned; what each tenant holds must then be read in
    its own scope, since row-level security forbids reading across tenants.
    """
    async with UnitOfWork(database, actor=actor, scope=None) as uow:
        result = await uow.session.execute(select(Tenant.id).order_by(Tenant.created_at, Tenant.id))
        return list(result.scalars())


# --- rebuilding ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReindexReport:
    """What a rebuild did.

    `documents` were written from the database; `skipped` mentions were not,
    because the index holds a newer version of them (written meanwhile) or, on
    OpenSearch, deleted their document less than a minute ago (`gc_deletes`
    keeps the deletion's version). `removed` documents were deleted because
    their mention no longer exists, `caught_up` rewritten after the swap from
    changes made during the copy. `live_index` names the new version (full
    rebuild only) and `dropped` the versions it replaced.
    """

    tenants: int
    documents: int
    skipped: int = 0
    removed: int = 0
    caught_up: int = 0
    live_index: str | None = None
    dropped: tuple[str, ...] = field(default_factory=tuple)


async def rebuild_mention_index(
    database: Database,
    *,
    search: SearchIndex,
    actor: Actor,
    batch_size: int = DEFAULT_BATCH_SIZE,
    catch_up_margin: timedelta = CATCH_UP_MARGIN,
    clock: Callable[[], datetime] = utcnow,
) -> ReindexReport:
    """Rebuild the whole mention index from the database into a new version, then swap it in.

    Creates a new index version, copies every tenant's mentions into it
    (each tenant in its own scope, keyset pages of `batch_size`, one short
    transaction per page), swaps the live index to it atomically and drops
    the old one. Searches keep working on the old version until the swap.
    Changes made meanwhile were written to the old version by the outbox, so
    after the swap the mentions named by `index_mention` rows written since
    the start (less `catch_up_margin`, for transactions open at that moment)
    are written again. On failure the new version is discarded and the live
    index is left as it was. Run one rebuild at a time.
    """
    started = clock()
    version = await search.create_index_version(MENTIONS_INDEX)
    tenant_ids = await list_tenant_ids(database, actor=actor)
    copied = skipped = 0
    try:
        for tenant_id in tenant_ids:
            read, written = await _copy_tenant(
                database,
                search,
                actor=actor,
                tenant_id=tenant_id,
                batch_size=batch_size,
                into=version,
            )
            copied += written
            skipped += read - written
    except Exception:
        with contextlib.suppress(Exception):
            await search.discard_index_version(MENTIONS_INDEX, version)
        raise
    dropped = await search.swap_alias(MENTIONS_INDEX, version)
    caught_up = 0
    for tenant_id in await list_tenant_ids(database, actor=actor):
        caught_up += await _catch_up_tenant(
            database,
            search,
            actor=actor,
            tenant_id=tenant_id,
            since=started - catch_up_margin,
            batch_size=batch_size,
        )
    return ReindexReport(
        tenants=len(tenant_ids),
        documents=copied,
        skipped=skipped,
        caught_up=caught_up,
        live_index=version,
        dropped=dropped,
    )


async def reindex_tenant_mentions(
    database: Database,
    *,
    search: SearchIndex,
    actor: Actor,
    tenant_id: uuid.UUID,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ReindexReport:
    """Rewrite one tenant's mentions in the live index, then remove its documents that are stale.

    Every mention is written again (the same version is overwritten, a newer
    one written meanwhile is kept), then the tenant's documents whose mention
    no longer exists are deleted. Other tenants' documents are not touched,
    and the tenant's search keeps answering throughout. Deleting the tenant's
    documents first would leave its search empty meanwhile, and OpenSearch
    keeps a deleted document's version for a while, refusing to write that
    version again.
    """
    read, written = await _copy_tenant(
        database, search, actor=actor, tenant_id=tenant_id, batch_size=batch_size, into=None
    )
    removed = 0
    async for document_ids in search.document_ids(
        MENTIONS_INDEX, tenant_id=tenant_id, batch_size=batch_size
    ):
        async with UnitOfWork(database, actor=actor, scope=TenantScope(tenant_id)) as uow:
            existing = await _existing_mention_ids(uow, _uuids(document_ids))
        stale = [
            document_id
            for document_id in document_ids
            if _uuid_or_none(document_id) not in existing
        ]
        if stale:
            removed += await search.delete_documents(MENTIONS_INDEX, tenant_id=tenant_id, ids=stale)
    return ReindexReport(tenants=1, documents=written, skipped=read - written, removed=removed)


# --- internals ----------------------------------------------------------------


async def _load_mentions(
    uow: UnitOfWork, mention_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[DocumentSource, str]]:
    """What the documents of the mentions among these ids are built from, with their
    channel's kind, in one query: the document's columns only, as rows (loading whole
    mentions, history included, cost the indexing stage a fifth of its time)."""
    if not mention_ids:
        return {}
    result = await uow.session.execute(
        select(*DOCUMENT_COLUMNS, Channel.kind.label("channel_kind"))
        .join(Channel, Channel.id == Mention.channel_id)
        .where(ids_in(Mention.id, mention_ids, uow.dialect))
    )
    return {row.id: (cast(DocumentSource, row), row.channel_kind.value) for row in result}


async def _mention_page(
    uow: UnitOfWork, *, after: uuid.UUID | None, limit: int
) -> list[tuple[Mention, str]]:
    """The next `limit` mentions of the scope by id (keyset pagination), with channel kinds."""
    statement = (
        select(Mention, Channel.kind)
        .join(Channel, Channel.id == Mention.channel_id)
        .order_by(Mention.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(Mention.id > after)
    result = await uow.session.execute(statement)
    return [(mention, kind.value) for mention, kind in result.all()]


async def _existing_mention_ids(
    uow: UnitOfWork, mention_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    if not mention_ids:
        return set()
    result = await uow.session.execute(
        select(Mention.id).where(ids_in(Mention.id, mention_ids, uow.dialect))
    )
    return set(result.scalars())


async def _copy_tenant(
    database: Database,
    search: SearchIndex,
    *,
    actor: Actor,
    tenant_id: uuid.UUID,
    batch_size: int,
    into: str | None,
) -> tuple[int, int]:
    """Write every mention of the tenant (keyset pages); how many were read and written."""
    read = written = 0
    after: uuid.UUID | None = None
    while True:
        async with UnitOfWork(database, actor=actor, scope=TenantScope(tenant_id)) as uow:
            page = await _mention_page(uow, after=after, limit=batch_size)
        if not page:
            return read, written
        read += len(page)
        written += await search.index_documents(
            MENTIONS_INDEX,
            [mention_document(mention, channel_kind=kind) for mention, kind in page],
            into=into,
            overwrite_same_version=True,
        )
        if len(page) < batch_size:
            return read, written
        after = page[-1][0].id


async def _catch_up_tenant(
    database: Database,
    search: SearchIndex,
    *,
    actor: Actor,
    tenant_id: uuid.UUID,
    since: datetime,
    batch_size: int,
) -> int:
    """Write again the mentions named by the tenant's `index_mention` rows since `since`."""
    scope = TenantScope(tenant_id)
    changed: set[uuid.UUID] = set()
    after: uuid.UUID | None = None
    while True:
        async with UnitOfWork(database, actor=actor, scope=scope) as uow:
            statement = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.topic == INDEX_MENTION_TOPIC,
                    OutboxMessage.created_at >= since,
                )
                .order_by(OutboxMessage.id)
                .limit(batch_size)
            )
            if after is not None:
                statement = statement.where(OutboxMessage.id > after)
            rows = list((await uow.session.execute(statement)).scalars())
        changed.update(
            mention_id for row in rows if (mention_id := _mention_id(row.payload)) is not None
        )
        if len(rows) < batch_size:
            break
        after = rows[-1].id
    rewritten = 0
    ordered = sorted(changed)
    for start in range(0, len(ordered), batch_size):
        chunk = ordered[start : start + batch_size]
        async with UnitOfWork(database, actor=actor, scope=scope) as uow:
            found = await _load_mentions(uow, chunk)
        documents: list[SearchDocument] = [
            mention_document(mention, channel_kind=kind) for mention, kind in found.values()
        ]
        if documents:
            rewritten += await search.index_documents(MENTIONS_INDEX, documents)
        gone = [str(mention_id) for mention_id in chunk if mention_id not in found]
        if gone:
            rewritten += await search.delete_documents(
                MENTIONS_INDEX, tenant_id=tenant_id, ids=gone
            )
    return rewritten


def _mention_id(payload: Mapping[str, Any]) -> uuid.UUID | None:
    value = payload.get("mention_id")
    return _uuid_or_none(value) if isinstance(value, str) else None


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _uuids(values: Sequence[str]) -> list[uuid.UUID]:
    return [parsed for value in values if (parsed := _uuid_or_none(value)) is not None]
