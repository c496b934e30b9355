"""Export copies superseded by the platform's own event.

An import keeps out rows naming objects the brand's channels already hold; this is the
other order: a listening-tool export arrived first, then the platform's webhook brought
the same object. The webhook's mention is the real one (author id, thread, edits), so
the export copy is retired: marked deleted with ``extra["merged_into"]`` naming the
mention that replaces it, and re-indexed so search stops showing it twice.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention
from domain.mentions.repository import chunks
from domain.mentions.rules import object_key
from domain.mentions.service import StoredMention

#: The platform of rows imported from listening-tool exports.
EXPORT_PLATFORM = "export"


async def retire_export_copies(
    uow: UnitOfWork, stored: Sequence[StoredMention], *, now: datetime
) -> list[Mention]:
    """Retire the brand's export copies of the objects `stored` now holds; returns them.

    Looks only at platform mentions whose content this batch wrote (new or edited: an
    edited Tweet is known by its new version id) and at live export rows of the same
    brand. Each retired row gets `deleted_at = now`, `merged_into` and a new version;
    the caller writes their index messages.
    """
    wanted: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    for item in stored:
        if not item.changed or item.platform == EXPORT_PLATFORM:
            continue
        for key in _export_keys(item):
            wanted.setdefault((item.brand_id, key), item.id)
    if not wanted:
        return []
    brand_ids = sorted({brand_id for brand_id, _ in wanted})
    retired: list[Mention] = []
    for part in chunks(sorted({key for _, key in wanted})):
        result = await uow.session.execute(
            select(Mention)
            .where(
                Mention.brand_id.in_(brand_ids),
                Mention.platform == EXPORT_PLATFORM,
                Mention.deleted_at.is_(None),
                Mention.object_key.in_(part),
            )
            .order_by(Mention.id)
            .with_for_update()
        )
        for copy in result.scalars():
            replacement = wanted.get((copy.brand_id, copy.object_key or ""))
            if replacement is None:
                continue
            copy.deleted_at = now
            copy.extra = {**copy.extra, "merged_into": str(replacement)}
            copy.version += 1
            retired.append(copy)
    await uow.session.flush()
    return retired


def _export_keys(item: StoredMention) -> set[str]:
    """The object keys an export row naming this mention's object would carry."""
    key = object_key(
        platform=item.platform,
        kind=item.state.kind,
        external_id=item.external_id,
        extra=item.state.extra,
    )
    if key is None:
        return set()
    return {f"{item.platform}:{key}", f"{item.platform}:{item.external_id}"}
