"""Use cases of mentions: store a batch of platform events idempotently, in any order."""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from domain.authz.policy import Grantee, Permission, decide
from domain.channels.platforms.types import NormalizedMention
from domain.conversations.inbox import readable_brand_ids
from domain.db.uow import UnitOfWork
from domain.mentions.documents import MENTIONS_INDEX
from domain.mentions.models import Mention, TriageStatus
from domain.mentions.repository import MentionKey, MentionRepository, state_of, state_values
from domain.mentions.rules import (
    Effect,
    MentionState,
    apply_change,
    change_time,
    initial_state,
    object_key,
    resolve_root,
)
from domain.shared.clock import utcnow
from domain.shared.errors import ValidationError
from domain.shared.ids import new_id
from domain.shared.ports import SearchIndex


@dataclass(frozen=True, slots=True)
class IncomingMention:
    """A parsed event bound to the tenant's channel it arrived on."""

    mention: NormalizedMention
    channel_id: uuid.UUID
    brand_id: uuid.UUID
    received_at: datetime

    @property
    def key(self) -> MentionKey:
        return (self.channel_id, self.mention.external_id)


@dataclass(slots=True)
class StoredMention:
    """A mention row after a batch: its state, what the batch did to it, its links.

    `created` means this batch inserted the row; `changed` that its content changed
    (insert included); `linked` that the batch set its customer or conversation.
    """

    id: uuid.UUID
    channel_id: uuid.UUID
    brand_id: uuid.UUID
    platform: str
    external_id: str
    received_at: datetime
    state: MentionState
    customer_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    created: bool = False
    changed: bool = False
    linked: bool = False
    effects: set[Effect] = field(default_factory=set)

    @property
    def key(self) -> MentionKey:
        return (self.channel_id, self.external_id)

    @property
    def is_inbound(self) -> bool:
        return not self.state.is_from_brand

    @property
    def message_at(self) -> datetime:
        """When the message was written, as well as we know."""
        return self.state.posted_at or self.received_at

    def link_customer(self, customer_id: uuid.UUID) -> None:
        if self.customer_id != customer_id:
            self.customer_id = customer_id
            self.linked = True

    def link_conversation(self, conversation_id: uuid.UUID) -> None:
        if self.conversation_id != conversation_id:
            self.conversation_id = conversation_id
            self.linked = True


async def resolve_thread_roots(
    uow: UnitOfWork, incoming: Sequence[IncomingMention]
) -> list[IncomingMention]:
    """`incoming` with the thread root filled in where the platform names only the parent.

    X names only a Tweet's direct parent: a reply's root is its parent's root, looked up
    among earlier events of the batch first, then among stored mentions (one query).
    """
    wanted = [
        (item.channel_id, item.mention.parent_external_id)
        for item in incoming
        if item.mention.root_external_id is None and item.mention.parent_external_id is not None
    ]
    if not wanted:
        return list(incoming)
    stored = await MentionRepository(uow).thread_facts(
        (channel_id, parent) for channel_id, parent in wanted if parent is not None
    )
    roots: dict[MentionKey, str | None] = {key: root for key, (root, _) in stored.items()}
    resolved: list[IncomingMention] = []
    for item in incoming:
        mention = item.mention
        if mention.root_external_id is None and mention.parent_external_id is not None:
            parent_key = (item.channel_id, mention.parent_external_id)
            root = resolve_root(
                external_id=mention.external_id,
                root_external_id=None,
                parent_external_id=mention.parent_external_id,
                parent_root=roots.get(parent_key),
                parent_is_known=parent_key in roots,
            )
            if root is not None:
                item = replace(item, mention=replace(mention, root_external_id=root))
        roots.setdefault(item.key, item.mention.root_external_id)
        resolved.append(item)
    return resolved


async def store_mentions(
    uow: UnitOfWork, incoming: Sequence[IncomingMention]
) -> list[StoredMention]:
    """Apply every event to its mention row; returns one `StoredMention` per row touched,
    in order of first appearance.

    One row per `(tenant, channel, external_id)`. Existing rows are locked and updated by
    the pure rules (`domain.mentions.rules.apply_change`); new rows are inserted with
    `ON CONFLICT DO NOTHING`, and a row another transaction inserted meanwhile is re-read
    and updated instead, so concurrent deliveries of the same content converge on one row.
    Events about one row apply in payload order. New rows are written here; changes to
    existing rows are written by `save_mentions`, together with the links set later.
    """
    repository = MentionRepository(uow)
    events: dict[MentionKey, list[IncomingMention]] = {}
    for item in incoming:
        events.setdefault(item.key, []).append(item)
    if not events:
        return []
    existing = await repository.lock_by_keys(events)
    stored: dict[MentionKey, StoredMention] = {}
    for key, row in existing.items():
        stored[key] = _apply_all(_from_row(row), events[key])
    fresh = {key: _new(items) for key, items in events.items() if key not in existing}
    if fresh:
        inserted = await repository.insert_new([_insert_values(item) for item in fresh.values()])
        stored.update({key: fresh[key] for key in inserted})
        raced = [key for key in fresh if key not in inserted]
        if raced:
            for key, row in (await repository.lock_by_keys(raced)).items():
                stored[key] = _apply_all(_from_row(row), events[key])
    return [stored[key] for key in events if key in stored]


async def insert_new_mentions(
    uow: UnitOfWork, incoming: Sequence[IncomingMention]
) -> list[StoredMention]:
    """Insert mentions whose key is free (`ON CONFLICT DO NOTHING`) and leave existing rows
    untouched; returns the rows inserted. For sources that only ever create (imports)."""
    events: dict[MentionKey, list[IncomingMention]] = {}
    for item in incoming:
        events.setdefault(item.key, []).append(item)
    if not events:
        return []
    fresh = {key: _new(items) for key, items in events.items()}
    inserted = await MentionRepository(uow).insert_new(
        [_insert_values(item) for item in fresh.values()]
    )
    return [item for key, item in fresh.items() if key in inserted]


async def save_mentions(uow: UnitOfWork, stored: Sequence[StoredMention]) -> None:
    """Write the content changes and links of rows that `store_mentions` did not insert,
    and the links of those it did."""
    rows: list[dict[str, Any]] = []
    for item in stored:
        values: dict[str, Any] = {"id": item.id}
        if item.changed and not item.created:
            values.update(state_values(item.state))
            values["object_key"] = _object_key(item)
        if item.linked:
            values["customer_id"] = item.customer_id
            values["conversation_id"] = item.conversation_id
        if len(values) > 1:
            rows.append(values)
    if rows:
        await MentionRepository(uow).update_many(rows)


def _from_row(row: Any) -> StoredMention:
    return StoredMention(
        id=row.id,
        channel_id=row.channel_id,
        brand_id=row.brand_id,
        platform=row.platform,
        external_id=row.external_id,
        received_at=row.received_at,
        state=state_of(row),
        customer_id=row.customer_id,
        conversation_id=row.conversation_id,
    )


def _apply_all(target: StoredMention, items: Sequence[IncomingMention]) -> StoredMention:
    for item in items:
        at = change_time(
            item.mention, received_at=item.received_at, created_at=target.state.posted_at
        )
        applied = apply_change(target.state, item.mention, at=at)
        if applied.changed:
            target.state = applied.state
            target.changed = True
            target.effects |= applied.effects
    return target


def _new(items: Sequence[IncomingMention]) -> StoredMention:
    first = items[0]
    at = change_time(first.mention, received_at=first.received_at, created_at=None)
    target = StoredMention(
        id=new_id(),
        channel_id=first.channel_id,
        brand_id=first.brand_id,
        platform=first.mention.platform,
        external_id=first.mention.external_id,
        received_at=first.received_at,
        state=initial_state(first.mention, at=at),
        customer_id=None,
        conversation_id=None,
        created=True,
        changed=True,
    )
    _apply_all(target, items[1:])
    # What happened before the row first existed is its content, not news for the inbox.
    target.effects.clear()
    target.state = replace(target.state, version=1)
    return target


def _object_key(item: StoredMention) -> str | None:
    return object_key(
        platform=item.platform,
        kind=item.state.kind,
        external_id=item.external_id,
        extra=item.state.extra,
    )


def _insert_values(item: StoredMention) -> dict[str, Any]:
    return {
        "id": item.id,
        "created_at": utcnow(),
        "brand_id": item.brand_id,
        "channel_id": item.channel_id,
        "conversation_id": None,
        "customer_id": None,
        "external_id": item.external_id,
        "object_key": _object_key(item),
        "platform": item.platform,
        "received_at": item.received_at,
        "triage_status": TriageStatus.PENDING,
        "language": None,
        "labels": {},
        "reasons": [],
        **state_values(item.state),
    }


# --- reading: search pages and batches ------------------------------------------

#: How many best hits a mention search pages through (deeper pages are refused).
SEARCH_WINDOW: Final = 1000


@dataclass(frozen=True, slots=True)
class MentionSearchFilter:
    """Narrows a mention search; empty collections and None do not filter.

    `posted_from` is inclusive, `posted_to` exclusive.
    """

    brand_ids: Collection[uuid.UUID] = ()
    channel_ids: Collection[uuid.UUID] = ()
    languages: Collection[str] = ()
    priorities: Collection[str] = ()
    posted_from: datetime | None = None
    posted_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class FoundMention:
    """A matching mention as stored, with its relevance and highlighted passages of `text`.

    `rank` is the hit's 1-based position in the index's results: the next page
    starts after it, even when hits before it were left out (mention gone).
    """

    mention: Mention
    score: float
    highlights: tuple[str, ...]
    rank: int


@dataclass(frozen=True, slots=True)
class MentionSearchPage:
    """Hits `offset` to `offset + limit` (best first), and whether more follow.

    `total` is the number of matches of the query and every filter, as the
    index counts them (exact up to the OpenSearch counting cap of 10,000,
    which it then reads), mentions no longer stored included.
    """

    hits: tuple[FoundMention, ...]
    has_more: bool
    total: int
    #: The rank of the last index hit this page covered (`offset` when none): the
    #: next page starts after it, also when this page's hits were all left out.
    end_rank: int = 0


async def search_mention_page(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    search: SearchIndex,
    query: str,
    search_filter: MentionSearchFilter,
    offset: int,
    limit: int,
) -> MentionSearchPage:
    """One page of a full-text mention search in the scope's tenant, best first.

    Always limited, in the index query itself, to the tenant and to the brands on
    which `grantee` has `inbox:read` (further narrowed by `search_filter.brand_ids`;
    brands that are not readable match nothing). Channels, languages, priorities
    (each one of the given values) and the posting-time range are filtered by the
    index too, so the index is asked for `offset + limit + 1` hits only. Hits
    whose mention is no longer stored are left out.

    Raises `PermissionDeniedError` when the grantee may read no inbox,
    `ValidationError` (field `after`) for pages beyond `SEARCH_WINDOW` or an empty
    query, and `SearchUnavailableError` when the index cannot answer.
    """
    if not query.strip():
        raise ValidationError("the query is empty", field="query")
    if offset < 0 or offset + limit > SEARCH_WINDOW:
        raise ValidationError(
            f"search pages reach the {SEARCH_WINDOW} best hits at most", field="after"
        )
    readable = await readable_brand_ids(uow, grantee)
    wanted = set(search_filter.brand_ids)
    searched = [brand_id for brand_id in readable if not wanted or brand_id in wanted]
    if not searched or limit == 0:
        return MentionSearchPage(hits=(), has_more=False, total=0, end_rank=offset)
    page = await search.search(
        MENTIONS_INDEX,
        tenant_id=uow.require_scope().tenant_id,
        query=query,
        brand_ids=searched,
        any_of=_one_of_filters(search_filter),
        ranges=_posting_range(search_filter),
        limit=offset + limit + 1,
    )
    window = page.hits[offset : offset + limit + 1]
    stored = await MentionRepository(uow).get_many([uuid.UUID(hit.id) for hit in window])
    by_id = {mention.id: mention for mention in stored}
    found = [
        FoundMention(
            mention=by_id[uuid.UUID(hit.id)],
            score=hit.score,
            highlights=hit.highlights,
            rank=offset + position + 1,
        )
        for position, hit in enumerate(window[:limit])
        if uuid.UUID(hit.id) in by_id
    ]
    return MentionSearchPage(
        hits=tuple(found),
        has_more=len(window) > limit,
        total=page.total,
        end_rank=offset + len(window[:limit]),
    )


def _one_of_filters(search_filter: MentionSearchFilter) -> dict[str, frozenset[str]]:
    # An empty collection means "no filter" here; to the index it would mean "nothing".
    wanted = {
        "channel_id": frozenset(str(value) for value in search_filter.channel_ids),
        "language": frozenset(search_filter.languages),
        "priority": frozenset(search_filter.priorities),
    }
    return {name: values for name, values in wanted.items() if values}


def _posting_range(
    search_filter: MentionSearchFilter,
) -> dict[str, tuple[datetime | None, datetime | None]]:
    if search_filter.posted_from is None and search_filter.posted_to is None:
        return {}
    return {"posted_at": (search_filter.posted_from, search_filter.posted_to)}


async def mentions_readable_by(
    uow: UnitOfWork, *, grantee: Grantee, mention_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Mention]:
    """The tenant's mentions among these ids on brands whose inbox `grantee` may read."""
    if not mention_ids:
        return {}
    mentions = await MentionRepository(uow).get_many(list(mention_ids))
    return {
        mention.id: mention
        for mention in mentions
        if decide(grantee, Permission.INBOX_READ, brand_id=mention.brand_id).allowed
    }
