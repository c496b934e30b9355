"""Use cases of the Q&A knowledge base: import, edit, submit, retire, diff, suggest, index.

Every edit is a new version (draft); a submitted version waits in the brand's
approval queue; an approved one becomes the entry's suggested version and is
indexed. The suggestion index is derived data: it holds the newest approved
version of every live entry, written from `qna_index` outbox rows that the
approval (or retirement) leaves in the same transaction, and delivered by
`deliver_qna_index` (the worker's cron, or right after an import).

Importing this module registers the decision handler of `qna_version` requests.
"""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select

from domain.approvals.errors import NotAnApproverError
from domain.approvals.models import ApprovalRequest
from domain.approvals.rules import (
    ApprovalStatus,
    SubjectKind,
    VersionState,
    state_after_decision,
    state_after_submit,
    version_label,
)
from domain.approvals.service import (
    Approver,
    actor_label,
    approver_grantee,
    client_approvers,
    decide_as,
    register_decision_handler,
    request_approval,
)
from domain.authz.policy import Grantee, Permission, decide, require, visible_brand_ids
from domain.brands.models import Brand
from domain.brands.repository import BrandRepository
from domain.conversations.models import Conversation
from domain.db.outbox import (
    OutboxMessage,
    claim_due_messages,
    has_due_messages,
    mark_messages_done,
    postpone_messages,
)
from domain.db.uow import UnitOfWork
from domain.knowledge.errors import NoApprovedVersionError
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.knowledge.repository import QnaEntryFilter, QnaEntryRepository, QnaVersionRepository
from domain.knowledge.rules import (
    QNA_INDEX,
    QnaContent,
    QnaRecord,
    QnaSearchEntry,
    is_stale,
    last_reviewed_on,
    qna_record_json,
    qna_search_document,
    record_content,
    review_due_at,
    version_diff,
)
from domain.knowledge.suggest import Suggestion, suggest_answers
from domain.knowledge.text import LANGUAGES
from domain.shared.clock import utcnow
from domain.shared.errors import ConflictError, NotFoundError, ValidationError
from domain.shared.ports import SearchIndex, SearchUnavailableError, SearchWriteError
from domain.shared.tenancy import Actor

#: Outbox topic: bring one entry's document in the `qna` index up to date.
QNA_INDEX_TOPIC: Final = "qna_index"
IMPORT_APPROVAL_COMMENT: Final = "approved on import"
#: Column sizes of `qna_entries.external_key` and `product`: longer input is refused.
MAX_KEY_LENGTH: Final = 120
MAX_PRODUCT_LENGTH: Final = 200
#: States of an unchanged newest version that an import with an approver signs off.
_APPROVABLE_ON_IMPORT: Final = frozenset(
    {VersionState.DRAFT, VersionState.CHANGES_REQUESTED, VersionState.PENDING_APPROVAL}
)


# --- import ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QnaImportReport:
    """What an import did, in entries of the file that belong to the brand."""

    entries: int
    created: int
    new_versions: int
    approved: int
    unchanged: int
    other_brands: int


async def resolve_brand_approver(uow: UnitOfWork, *, brand_id: uuid.UUID, email: str) -> Approver:
    """The active client approver with this e-mail who is granted the brand.

    `NotAnApproverError` for anyone else (unknown e-mail, another role, a
    client approver of other brands only, an inactive member).
    """
    wanted = email.strip().lower()
    for approver in await client_approvers(uow):
        if approver.email == wanted and brand_id in approver.brand_ids:
            return approver
    raise NotAnApproverError(f"{wanted} is not a client approver of this brand")


async def import_qna(
    uow: UnitOfWork,
    *,
    brand_id: uuid.UUID,
    records: Sequence[QnaRecord],
    approver: Approver | None,
) -> QnaImportReport:
    """Import Q&A records into the brand (a trusted operator's command; the caller commits).

    Only records whose `brand` is the brand's slug are imported (the shared
    file holds several brands); the others are counted in `other_brands`.
    Idempotent by entry id: an entry is created once (ON CONFLICT on the
    brand's external key), and a record that says what the entry's newest
    version says adds nothing. Changed content becomes a new version: a draft,
    or, with `approver` (a client approver of the brand, see
    `resolve_brand_approver`), a version submitted and approved by them,
    recorded in the approval audit trail like any decision. An unapproved
    newest version with unchanged content is approved when an approver is
    given. Product, tags and the review date follow the file.
    """
    brand = await BrandRepository(uow).get(brand_id)
    if approver is not None and brand.id not in approver.brand_ids:
        raise NotAnApproverError(f"{approver.email} is not a client approver of this brand")
    mine = [record for record in records if record.brand == brand.slug]
    now = utcnow()
    entries = QnaEntryRepository(uow)
    await entries.insert_missing(
        brand_id=brand.id,
        rows=[
            {
                "external_key": record.id,
                "language": record.language,
                "product": record.product,
                "tags": list(record.tags),
                "review_at": review_due_at(record.last_reviewed),
            }
            for record in mine
        ],
        now=now,
    )
    by_key = await entries.by_keys(brand.id, [record.id for record in mine])
    versions = QnaVersionRepository(uow)
    newest = await versions.numbered(
        [(entry.id, entry.latest_version) for entry in by_key.values() if entry.latest_version]
    )
    created = new_versions = approved = unchanged = 0
    for record in mine:
        entry = by_key[record.id]
        _follow_record(entry, record)
        content = record_content(record)
        latest = newest.get(entry.id)
        if latest is not None and _content(latest) == content:
            if approver is not None and latest.state in _APPROVABLE_ON_IMPORT:
                await _approve_on_import(uow, brand, entry, latest, approver)
                approved += 1
                continue
            unchanged += 1
            continue
        version = await _new_version(uow, entry, content)
        if version is None:
            unchanged += 1  # a concurrent import wrote this version number first
            continue
        created += latest is None
        new_versions += latest is not None
        if approver is not None:
            await _approve_on_import(uow, brand, entry, version, approver)
            approved += 1
    await uow.flush()
    return QnaImportReport(
        entries=len(mine),
        created=created,
        new_versions=new_versions,
        approved=approved,
        unchanged=unchanged,
        other_brands=len(records) - len(mine),
    )


def _follow_record(entry: QnaEntry, record: QnaRecord) -> None:
    """Entry attributes the file decides; assigned only when they differ (no empty audits)."""
    review_at = review_due_at(record.last_reviewed)
    if entry.language != record.language:
        entry.language = record.language
    if entry.product != record.product:
        entry.product = record.product
    if list(entry.tags) != list(record.tags):
        entry.tags = list(record.tags)
    if entry.review_at != review_at:
        entry.review_at = review_at


async def _approve_on_import(
    uow: UnitOfWork, brand: Brand, entry: QnaEntry, version: QnaVersion, approver: Approver
) -> None:
    if version.state is not VersionState.PENDING_APPROVAL:
        version.state = state_after_submit(version.state)
    request = await _request_for(uow, brand.id, entry, version)
    await decide_as(
        uow,
        grantee=approver_grantee(approver),
        approval_id=request.id,
        decision=ApprovalStatus.APPROVED.value,
        comment=IMPORT_APPROVAL_COMMENT,
        decided_by=Actor.user(approver.user_id),
    )


# --- editing -----------------------------------------------------------------------------------


async def create_qna_entry(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    brand_id: uuid.UUID,
    external_key: str,
    language: str,
    question_variants: Sequence[str],
    answer: str,
    product: str = "",
    tags: Sequence[str] = (),
) -> QnaVersion:
    """A new entry with its first version, a draft. Needs `knowledge:edit` on the brand.

    `ConflictError` when the brand has an entry with this key already;
    `ValidationError` for an unknown language, no question or no answer.
    """
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.KNOWLEDGE_EDIT, brand_id=brand.id)
    key = external_key.strip()
    if not key:
        raise ValidationError("the entry needs a key", field="externalKey")
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            f"the key is longer than {MAX_KEY_LENGTH} characters", field="externalKey"
        )
    if language not in LANGUAGES:
        raise ValidationError(f"language must be one of {', '.join(LANGUAGES)}", field="language")
    content = _checked_content(question_variants, answer, product, tags)
    entries = QnaEntryRepository(uow)
    await entries.insert_missing(
        brand_id=brand.id,
        rows=[
            {
                "external_key": key,
                "language": language,
                "product": content.product,
                "tags": list(content.tags),
            }
        ],
        now=utcnow(),
    )
    entry = (await entries.by_keys(brand.id, [key]))[key]
    if entry.latest_version:
        raise ConflictError(f"the brand has an entry {key!r}")
    version = await _new_version(uow, entry, content)
    if version is None:
        raise ConflictError(f"the brand has an entry {key!r}")
    return version


async def edit_qna_entry(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    entry_id: uuid.UUID,
    question_variants: Sequence[str],
    answer: str,
    product: str | None = None,
    tags: Sequence[str] | None = None,
) -> QnaVersion:
    """A new draft version of the entry (the approved one stays suggested until the draft is).

    Needs `knowledge:edit` on the entry's brand; retired entries cannot be
    edited (`ValidationError`).
    """
    entry = await _entry_for(uow, grantee, entry_id, Permission.KNOWLEDGE_EDIT)
    if entry.retired_at is not None:
        raise ValidationError("a retired entry cannot be edited", field="entryId")
    content = _checked_content(
        question_variants,
        answer,
        entry.product if product is None else product,
        entry.tags if tags is None else tags,
    )
    version = await _new_version(uow, entry, content)
    if version is None:
        raise ConflictError("the entry changed meanwhile; try again")
    return version


async def submit_qna_version(
    uow: UnitOfWork, *, grantee: Grantee, version_id: uuid.UUID
) -> ApprovalRequest:
    """Send a draft (or a version sent back for changes) to the brand's approvers.

    Needs `knowledge:edit`; returns the pending approval request.
    `InvalidTransitionError` for a version in another state.
    """
    version = await QnaVersionRepository(uow).get(version_id)
    entry = await _entry_for(uow, grantee, version.entry_id, Permission.KNOWLEDGE_EDIT)
    version.state = state_after_submit(version.state)
    if version.number == entry.latest_version:
        entry.status = version.state
    return await _request_for(uow, entry.brand_id, entry, version)


async def retire_qna_entry(uow: UnitOfWork, *, grantee: Grantee, entry_id: uuid.UUID) -> QnaEntry:
    """Retire the entry: never suggested again, removed from the index. Idempotent."""
    entry = await _entry_for(uow, grantee, entry_id, Permission.KNOWLEDGE_EDIT)
    if entry.retired_at is None:
        entry.retired_at = utcnow()
        _request_indexing(uow, entry.id)
    await uow.flush()
    return entry


async def qna_entry_versions(
    uow: UnitOfWork, *, grantee: Grantee, entry_id: uuid.UUID
) -> list[QnaVersion]:
    """Every version of the entry, oldest first. Needs `knowledge:read` on its brand."""
    entry = await _entry_for(uow, grantee, entry_id, Permission.KNOWLEDGE_READ)
    return await QnaVersionRepository(uow).for_entry(entry.id)


async def qna_version_diff(
    uow: UnitOfWork, *, grantee: Grantee, version_a_id: uuid.UUID, version_b_id: uuid.UUID
) -> str:
    """A unified diff from version A to version B of one entry (see `rules.version_diff`)."""
    versions = QnaVersionRepository(uow)
    before = await versions.get(version_a_id)
    after = await versions.get(version_b_id)
    if before.entry_id != after.entry_id:
        raise ValidationError("both versions must be of one entry", field="versionB")
    entry = await _entry_for(uow, grantee, before.entry_id, Permission.KNOWLEDGE_READ)
    return diff_of_versions(entry, before, after)


def diff_of_versions(entry: QnaEntry, before: QnaVersion, after: QnaVersion) -> str:
    """A unified diff from `before` to `after`, two loaded versions of `entry`.

    `ValidationError` when they are not both versions of `entry`.
    """
    if before.entry_id != entry.id or after.entry_id != entry.id:
        raise ValidationError("both versions must be of one entry", field="against")
    return version_diff(
        _content(before),
        _content(after),
        before_label=f"{entry.external_key} v{before.number}",
        after_label=f"{entry.external_key} v{after.number}",
    )


async def approved_version_for_insert(
    uow: UnitOfWork, *, grantee: Grantee, entry_id: uuid.UUID
) -> QnaVersion:
    """The entry's newest approved version, the only one a reply may insert.

    Needs `knowledge:read` on the entry's brand. A retired entry, or one with
    no approved version, raises `NoApprovedVersionError`: drafts are never inserted.
    """
    entry = await _entry_for(uow, grantee, entry_id, Permission.KNOWLEDGE_READ)
    if entry.retired_at is not None or entry.approved_version is None:
        raise NoApprovedVersionError("the entry has no approved version to insert")
    version = (await QnaVersionRepository(uow).numbered([(entry.id, entry.approved_version)]))[
        entry.id
    ]
    if version.state is not VersionState.APPROVED:  # pragma: no cover - kept in step by the handler
        raise NoApprovedVersionError("the entry has no approved version to insert")
    return version


def is_entry_stale(entry: QnaEntry, *, now: datetime) -> bool:
    """True once the entry's review date has passed."""
    return is_stale(entry.review_at, now=now)


async def export_qna(uow: UnitOfWork, *, brand_id: uuid.UUID) -> list[str]:
    """JSONL lines of the brand's live entries, newest approved version each (a trusted operator).

    Entries never approved are left out: an export is what clients signed.
    """
    brand = await BrandRepository(uow).get(brand_id)
    entries = [
        entry
        for entry in await QnaEntryRepository(uow).list_for_brand(brand.id)
        if entry.approved_version is not None
    ]
    approved = await QnaVersionRepository(uow).numbered(
        [(entry.id, entry.approved_version) for entry in entries if entry.approved_version]
    )
    return [
        qna_record_json(
            entry.external_key,
            brand.slug,
            entry.language,
            _content(approved[entry.id]),
            last_reviewed_on(entry.review_at),
        )
        for entry in entries
        if entry.id in approved
    ]


# --- reading -----------------------------------------------------------------------------------


async def list_qna_entries(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    brand_ids: Collection[uuid.UUID] | None,
    wanted: QnaEntryFilter,
    limit: int,
    after: tuple[str, uuid.UUID] | None = None,
) -> list[QnaEntry]:
    """Entries of the brands on which the grantee has `knowledge:read`, by external key.

    `brand_ids` narrows the list to some of those brands (the others match
    nothing, never an error); retired entries are included (their `retiredAt`
    says so). Keyset paging over (external key, id): at most `limit` entries after
    `after`.
    """
    readable = visible_brand_ids(
        grantee, Permission.KNOWLEDGE_READ, await BrandRepository(uow).all_ids()
    )
    if brand_ids is not None:
        wanted_brands = set(brand_ids)
        readable = [brand_id for brand_id in readable if brand_id in wanted_brands]
    return await QnaEntryRepository(uow).page(
        readable, wanted=wanted, now=utcnow(), limit=limit, after=after
    )


async def qna_entries_readable_by(
    uow: UnitOfWork, *, grantee: Grantee, entry_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, QnaEntry]:
    """The entries among `entry_ids` whose brand the grantee may read knowledge of, by id."""
    found = await QnaEntryRepository(uow).get_many(list(entry_ids))
    return {entry.id: entry for entry in found if _can_read(grantee, entry.brand_id)}


async def qna_versions_readable_by(
    uow: UnitOfWork, *, grantee: Grantee, version_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, QnaVersion]:
    """The versions among `version_ids` of entries the grantee may read, by id."""
    versions = await QnaVersionRepository(uow).get_many(list(version_ids))
    entries = await qna_entries_readable_by(
        uow, grantee=grantee, entry_ids={version.entry_id for version in versions}
    )
    return {version.id: version for version in versions if version.entry_id in entries}


async def qna_versions_of_entries(
    uow: UnitOfWork, *, grantee: Grantee, entry_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[QnaVersion]]:
    """Every version of each readable entry among `entry_ids`, oldest first; others absent."""
    entries = await qna_entries_readable_by(uow, grantee=grantee, entry_ids=entry_ids)
    grouped: dict[uuid.UUID, list[QnaVersion]] = {entry_id: [] for entry_id in entries}
    for version in await QnaVersionRepository(uow).for_entries(list(entries)):
        grouped[version.entry_id].append(version)
    return grouped


def _can_read(grantee: Grantee, brand_id: uuid.UUID) -> bool:
    return decide(grantee, Permission.KNOWLEDGE_READ, brand_id=brand_id).allowed


# --- approval decisions ------------------------------------------------------------------------


async def _on_qna_decision(uow: UnitOfWork, request: ApprovalRequest) -> None:
    """Apply a decision to the version; an approval makes it the entry's suggested version."""
    version = await QnaVersionRepository(uow).get(request.subject_id)
    entry = await QnaEntryRepository(uow).get(version.entry_id)
    version.state = state_after_decision(version.state, request.status)
    if version.number == entry.latest_version:
        entry.status = version.state
    if version.state is VersionState.APPROVED:
        version.approved_at = request.decided_at
        if entry.approved_version is None or version.number > entry.approved_version:
            entry.approved_version = version.number
            _request_indexing(uow, entry.id)


register_decision_handler(SubjectKind.QNA_VERSION.value, _on_qna_decision)


# --- suggestions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QnaSuggestion:
    """A suggested entry: its approved version and how it matched (see `Suggestion`)."""

    entry: QnaEntry
    version: QnaVersion
    match: Suggestion
    is_stale: bool


async def suggest_qna(
    uow: UnitOfWork,
    *,
    search: SearchIndex,
    grantee: Grantee | None,
    brand_id: uuid.UUID,
    text: str,
    language: str | None = None,
    limit: int = 5,
) -> list[QnaSuggestion]:
    """The brand's best approved Q&A entries for `text`, at most `limit`, best first.

    `grantee=None` is a trusted operator; otherwise `knowledge:read` on the
    brand is needed. Searches the customer's `language` first, then the
    brand's primary language (see `suggest_answers`). Each hit is checked
    against the database: a retired entry, or an index document that is not
    the entry's newest approved version, is never returned — an unapproved
    version cannot be suggested even when the index lags. An empty list
    means nothing matches; `match.fits_well` tells weak matches apart.
    """
    brand = await BrandRepository(uow).get(brand_id)
    if grantee is not None:
        require(grantee, Permission.KNOWLEDGE_READ, brand_id=brand.id)
    scope = uow.require_scope()
    matches = await suggest_answers(
        search,
        tenant_id=scope.tenant_id,
        brand_id=brand.id,
        language=language,
        fallback_language=brand.primary_language,
        text=text,
        limit=limit * 2,
    )
    entry_ids = [parsed for parsed in (_uuid_or_none(m.entry_id) for m in matches) if parsed]
    entries = {entry.id: entry for entry in await QnaEntryRepository(uow).get_many(entry_ids)}
    approved = await QnaVersionRepository(uow).numbered(
        [(entry.id, entry.approved_version) for entry in entries.values() if entry.approved_version]
    )
    now = utcnow()
    suggestions: list[QnaSuggestion] = []
    for match in matches:
        entry_id = _uuid_or_none(match.entry_id)
        entry = entries.get(entry_id) if entry_id else None
        if entry is None or entry.retired_at is not None or entry.brand_id != brand.id:
            continue
        version = approved.get(entry.id)
        if version is None or version.state is not VersionState.APPROVED:
            continue
        if match.version != version.number:
            continue
        suggestions.append(
            QnaSuggestion(
                entry=entry, version=version, match=match, is_stale=is_entry_stale(entry, now=now)
            )
        )
        if len(suggestions) == limit:
            break
    return suggestions


@dataclass(frozen=True, slots=True)
class ConversationSuggestions:
    """Suggestions for a conversation's newest customer message.

    `language` is the message's detected language (None when unknown: the
    brand's primary language was searched); `suggestions` is empty when the
    conversation has no customer message or nothing matches.
    """

    language: str | None
    suggestions: list[QnaSuggestion]


async def suggest_for_conversation(
    uow: UnitOfWork,
    *,
    search: SearchIndex,
    grantee: Grantee,
    conversation_id: uuid.UUID,
    limit: int = 3,
) -> ConversationSuggestions:
    """The brand's best approved Q&A entries for the conversation's newest customer message.

    The conversation must be readable (`inbox:read` on its brand; a brand the
    grantee cannot see, or another tenant's conversation, is `NotFoundError`)
    and `knowledge:read` is needed too. See `suggest_qna`: unapproved versions
    are never returned.
    """
    if not 1 <= limit <= 20:
        raise ValidationError("first must be between 1 and 20", field="first")
    result = await uow.session.execute(
        select(Conversation).where(Conversation.id == conversation_id)
    )
    conversation = result.scalar_one_or_none()
    if conversation is None or not _can_see(grantee, conversation.brand_id):
        raise NotFoundError("conversation not found")
    require(grantee, Permission.INBOX_READ, brand_id=conversation.brand_id)
    require(grantee, Permission.KNOWLEDGE_READ, brand_id=conversation.brand_id)
    message = await QnaEntryRepository(uow).latest_customer_message(conversation.id)
    if message is None or not message.text.strip():
        return ConversationSuggestions(language=None, suggestions=[])
    language = message.language if message.language in LANGUAGES else None
    found = await suggest_qna(
        uow,
        search=search,
        grantee=grantee,
        brand_id=conversation.brand_id,
        text=message.text,
        language=language,
        limit=limit,
    )
    return ConversationSuggestions(language=language, suggestions=found)


# --- the suggestion index ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QnaIndexRun:
    claimed: int = 0
    indexed: int = 0
    removed: int = 0
    retry_later: bool = False


async def deliver_qna_index(
    uow: UnitOfWork, *, search: SearchIndex, now: datetime, batch_size: int = 100
) -> QnaIndexRun:
    """Bring the index up to date for up to `batch_size` due `qna_index` rows; commits.

    Each named entry gets its newest approved version written (a versioned
    write: an older version never replaces a newer one), or its document
    deleted when it is retired or has no approved version. When the index
    cannot be reached the rows stay pending with a backoff (`retry_later`).
    """
    scope = uow.require_scope()
    rows = await claim_due_messages(uow, topic=QNA_INDEX_TOPIC, now=now, batch_size=batch_size)
    if not rows:
        return QnaIndexRun()
    wanted = {
        parsed
        for parsed in (_uuid_or_none(str(row.payload.get("entry_id"))) for row in rows)
        if parsed
    }
    entries = await QnaEntryRepository(uow).get_many(list(wanted))
    live = [entry for entry in entries if entry.retired_at is None and entry.approved_version]
    approved = await QnaVersionRepository(uow).numbered(
        [(entry.id, entry.approved_version) for entry in live if entry.approved_version]
    )
    documents = [
        qna_search_document(_search_entry(entry, approved[entry.id]))
        for entry in live
        if entry.id in approved
    ]
    gone = sorted(str(entry_id) for entry_id in wanted - {entry.id for entry in live})
    row_ids = [row.id for row in rows]
    try:
        indexed = await search.index_documents(QNA_INDEX, documents) if documents else 0
        removed = (
            await search.delete_documents(QNA_INDEX, tenant_id=scope.tenant_id, ids=gone)
            if gone
            else 0
        )
    except (SearchUnavailableError, SearchWriteError) as error:
        attempts = max(row.attempts for row in rows) + 1
        await postpone_messages(
            uow, row_ids, attempts=attempts, now=now, reason=type(error).__name__
        )
        await uow.commit()
        return QnaIndexRun(claimed=len(rows), retry_later=True)
    await mark_messages_done(uow, row_ids, now=now)
    await uow.commit()
    return QnaIndexRun(claimed=len(rows), indexed=indexed, removed=removed)


async def has_due_qna_indexing(uow: UnitOfWork, *, now: datetime) -> bool:
    """Whether the scope's tenant has `qna_index` rows due."""
    return await has_due_messages(uow, topic=QNA_INDEX_TOPIC, now=now)


def _search_entry(entry: QnaEntry, version: QnaVersion) -> QnaSearchEntry:
    return QnaSearchEntry(
        entry_id=str(entry.id),
        tenant_id=entry.tenant_id,
        brand_id=entry.brand_id,
        language=entry.language,
        question_variants=tuple(version.question_variants),
        answer=version.answer,
        product=version.product,
        tags=tuple(version.tags),
        version=version.number,
    )


# --- helpers -----------------------------------------------------------------------------------


def _request_indexing(uow: UnitOfWork, entry_id: uuid.UUID) -> None:
    uow.session.add(
        OutboxMessage(
            topic=QNA_INDEX_TOPIC,
            payload={"entry_id": str(entry_id)},
            next_attempt_at=utcnow(),
        )
    )


async def _request_for(
    uow: UnitOfWork, brand_id: uuid.UUID, entry: QnaEntry, version: QnaVersion
) -> ApprovalRequest:
    if version.number == entry.latest_version:
        entry.status = version.state
    await uow.flush()
    return await request_approval(
        uow,
        brand_id=brand_id,
        subject_kind=SubjectKind.QNA_VERSION.value,
        subject_id=version.id,
        summary=version_label(entry.external_key, version.number, version.question_variants),
    )


async def _new_version(uow: UnitOfWork, entry: QnaEntry, content: QnaContent) -> QnaVersion | None:
    """Insert the next version of the entry (a draft); None when that number was taken."""
    number = entry.latest_version + 1
    versions = QnaVersionRepository(uow)
    inserted = await versions.insert_or_none(
        entry_id=entry.id,
        number=number,
        question_variants=list(content.question_variants),
        answer=content.answer,
        product=content.product,
        tags=list(content.tags),
        state=VersionState.DRAFT,
        created_by=actor_label(uow.actor),
        created_at=utcnow(),
    )
    if not inserted:
        return None
    entry.latest_version = number
    entry.status = VersionState.DRAFT
    await uow.flush()
    return (await versions.numbered([(entry.id, number)]))[entry.id]


async def _entry_for(
    uow: UnitOfWork, grantee: Grantee, entry_id: uuid.UUID, permission: Permission
) -> QnaEntry:
    """The entry if the grantee may see its brand (else `NotFoundError`), then `permission`."""
    entry = await QnaEntryRepository(uow).get_or_none(entry_id)
    if entry is None or not _can_see(grantee, entry.brand_id):
        raise NotFoundError("Q&A entry not found")
    require(grantee, permission, brand_id=entry.brand_id)
    return entry


def _can_see(grantee: Grantee, brand_id: uuid.UUID) -> bool:
    return decide(grantee, Permission.BRAND_READ, brand_id=brand_id).allowed


def _content(version: QnaVersion) -> QnaContent:
    return QnaContent(
        question_variants=tuple(version.question_variants),
        answer=version.answer,
        product=version.product,
        tags=tuple(version.tags),
    )


def _checked_content(
    question_variants: Sequence[str], answer: str, product: str, tags: Sequence[str]
) -> QnaContent:
    variants = tuple(v.strip() for v in question_variants if v.strip())
    if not variants:
        raise ValidationError("at least one question is needed", field="questionVariants")
    if not answer.strip():
        raise ValidationError("the answer is empty", field="answer")
    if len(product.strip()) > MAX_PRODUCT_LENGTH:
        raise ValidationError(
            f"the product is longer than {MAX_PRODUCT_LENGTH} characters", field="product"
        )
    return QnaContent(
        question_variants=variants,
        answer=answer.strip(),
        product=product.strip(),
        tags=tuple(tag.strip() for tag in tags if tag.strip()),
    )


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
