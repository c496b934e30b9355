"""Per-request DataLoaders of Q&A entries, versions and tone guideline versions.

Each batch opens its own short unit of work in the caller's tenant and asks one
domain service with the caller's grantee; what the caller may not read loads as
None (or an empty list).
"""

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import ParleyContext
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.knowledge.service import (
    qna_entries_readable_by,
    qna_versions_of_entries,
    qna_versions_readable_by,
)
from domain.tone.models import ToneGuidelineVersion
from domain.tone.service import tone_versions_readable_by


class KnowledgeLoaders:
    """The knowledge area's loaders of one request."""

    def __init__(self, context: ParleyContext) -> None:
        self._context = context
        self.entry: DataLoader[uuid.UUID, QnaEntry | None] = DataLoader(load_fn=self._entries)
        self.version: DataLoader[uuid.UUID, QnaVersion | None] = DataLoader(load_fn=self._versions)
        self.versions_of_entry: DataLoader[uuid.UUID, list[QnaVersion]] = DataLoader(
            load_fn=self._versions_of_entries
        )
        self.tone_version: DataLoader[uuid.UUID, ToneGuidelineVersion | None] = DataLoader(
            load_fn=self._tone_versions
        )

    async def _entries(self, ids: list[uuid.UUID]) -> Sequence[QnaEntry | None]:
        grantee = await self._context.grantee()
        async with self._context.unit_of_work() as uow:
            found = await qna_entries_readable_by(uow, grantee=grantee, entry_ids=ids)
        return [found.get(entry_id) for entry_id in ids]

    async def _versions(self, ids: list[uuid.UUID]) -> Sequence[QnaVersion | None]:
        grantee = await self._context.grantee()
        async with self._context.unit_of_work() as uow:
            found = await qna_versions_readable_by(uow, grantee=grantee, version_ids=ids)
        return [found.get(version_id) for version_id in ids]

    async def _versions_of_entries(self, ids: list[uuid.UUID]) -> Sequence[list[QnaVersion]]:
        grantee = await self._context.grantee()
        async with self._context.unit_of_work() as uow:
            found = await qna_versions_of_entries(uow, grantee=grantee, entry_ids=ids)
        return [found.get(entry_id, []) for entry_id in ids]

    async def _tone_versions(self, ids: list[uuid.UUID]) -> Sequence[ToneGuidelineVersion | None]:
        grantee = await self._context.grantee()
        async with self._context.unit_of_work() as uow:
            found = await tone_versions_readable_by(uow, grantee=grantee, version_ids=ids)
        return [found.get(version_id) for version_id in ids]


_STATE_KEY = "knowledge_loaders"


def knowledge_loaders(context: ParleyContext) -> KnowledgeLoaders:
    """The request's knowledge-area loaders, created on first use."""
    # The context is one object per request; its instance dict carries our loaders.
    loaders = context.__dict__.get(_STATE_KEY)
    if not isinstance(loaders, KnowledgeLoaders):
        loaders = KnowledgeLoaders(context)
        context.__dict__[_STATE_KEY] = loaders
    return loaders
