"""Mentions as search documents: a pure mapping, the same for every search backend.

A document carries the mention's id, tenant, brand and text, and under
`fields` the values searches filter on exactly. Its `version` is the
mention's, so the index never lets an older state replace a newer one.

A deleted mention stays in the index as a tombstone: `deleted` is true and
its text is empty, so no query matches it, and its version still outranks
any late write of the content it had. Hidden mentions keep their text (agents
still look for them) and carry `hidden: true`.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Protocol

from domain.mentions.models import Mention, MentionDirection, TriageStatus
from domain.shared.ports import SearchDocument

#: The logical search index of mentions.
MENTIONS_INDEX: Final = "mentions"

#: What a triage label reads before triage has set it.
PENDING_LABEL: Final = "pending"

#: Triage labels copied into every document (`PENDING_LABEL` when absent).
TRIAGE_LABELS: Final = ("priority", "category", "sentiment")

#: Keys of `fields` that mention searches may filter on (values compare as text).
FILTERABLE_FIELDS: Final = frozenset(
    {
        "channel_id",
        "channel_kind",
        "platform",
        "kind",
        "direction",
        "language",
        "author_handle",
        "conversation_id",
        "customer_id",
        "deleted",
        "hidden",
        "edited",
        "has_media",
        "triage_status",
        *TRIAGE_LABELS,
    }
)


class DocumentSource(Protocol):
    """What `mention_document` reads of a mention: a `Mention`, or a row of
    `DOCUMENT_COLUMNS` (loading only these skips the rest, history included)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def tenant_id(self) -> uuid.UUID: ...
    @property
    def brand_id(self) -> uuid.UUID: ...
    @property
    def channel_id(self) -> uuid.UUID: ...
    @property
    def platform(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def direction(self) -> MentionDirection: ...
    @property
    def language(self) -> str | None: ...
    @property
    def author_handle(self) -> str | None: ...
    @property
    def author_name(self) -> str | None: ...
    @property
    def posted_at(self) -> datetime | None: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def conversation_id(self) -> uuid.UUID | None: ...
    @property
    def customer_id(self) -> uuid.UUID | None: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def hidden_at(self) -> datetime | None: ...
    @property
    def edited_at(self) -> datetime | None: ...
    @property
    def has_media(self) -> bool: ...
    @property
    def triage_status(self) -> TriageStatus: ...
    @property
    def labels(self) -> Mapping[str, Any]: ...
    @property
    def text(self) -> str: ...
    @property
    def version(self) -> int: ...


#: The columns of a `DocumentSource` row, for loads that only build documents.
DOCUMENT_COLUMNS: Final = tuple(
    getattr(Mention, name)
    for name, member in vars(DocumentSource).items()
    if isinstance(member, property)
)


def mention_document(mention: DocumentSource, *, channel_kind: str) -> SearchDocument:
    """The search document of `mention`, whose channel is of kind `channel_kind`."""
    deleted = mention.deleted_at is not None
    fields: dict[str, Any] = {
        "channel_id": str(mention.channel_id),
        "channel_kind": channel_kind,
        "platform": mention.platform,
        "kind": mention.kind,
        "direction": mention.direction.value,
        "language": mention.language,
        "author_handle": mention.author_handle,
        "author_name": mention.author_name,
        "posted_at": _iso(mention.posted_at),
        "received_at": _iso(mention.received_at),
        "conversation_id": _text_or_none(mention.conversation_id),
        "customer_id": _text_or_none(mention.customer_id),
        "deleted": deleted,
        "hidden": mention.hidden_at is not None,
        "edited": mention.edited_at is not None,
        "has_media": mention.has_media,
        "triage_status": mention.triage_status.value,
        **triage_labels(mention.labels),
    }
    return SearchDocument(
        id=str(mention.id),
        tenant_id=mention.tenant_id,
        brand_id=mention.brand_id,
        text="" if deleted else mention.text,
        fields=fields,
        version=mention.version,
    )


def triage_labels(labels: Mapping[str, Any]) -> dict[str, str]:
    """Priority, category and sentiment from a mention's labels; `PENDING_LABEL` where unset.

    A label counts when it is a non-empty string; anything else (missing,
    empty, a structure) reads as pending.
    """
    return {
        name: value if isinstance(value := labels.get(name), str) and value else PENDING_LABEL
        for name in TRIAGE_LABELS
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _text_or_none(value: object | None) -> str | None:
    return None if value is None else str(value)
