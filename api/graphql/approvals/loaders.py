"""Per-request DataLoaders of approval requests and their decisions.

Each batch opens its own short unit of work in the caller's tenant and asks one
domain service with the caller's grantee; what the caller may not see loads as
None (requests) or an empty list (decisions).
"""

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import ParleyContext
from domain.approvals.models import ApprovalDecision, ApprovalRequest
from domain.approvals.service import approvals_readable_by, decisions_of_approvals


class ApprovalLoaders:
    """The approvals area's loaders of one request."""

    def __init__(self, context: ParleyContext) -> None:
        self._context = context
        self.request: DataLoader[uuid.UUID, ApprovalRequest | None] = DataLoader(
            load_fn=self._requests
        )
        self.decisions: DataLoader[uuid.UUID, list[ApprovalDecision]] = DataLoader(
            load_fn=self._decisions
        )

    async def _requests(self, ids: list[uuid.UUID]) -> Sequence[ApprovalRequest | None]:
        grantee = await self._context.grantee()
        async with self._context.unit_of_work() as uow:
            found = await approvals_readable_by(uow, grantee=grantee, approval_ids=ids)
        return [found.get(approval_id) for approval_id in ids]

    async def _decisions(self, ids: list[uuid.UUID]) -> Sequence[list[ApprovalDecision]]:
        grantee = await self._context.grantee()
        async with self._context.unit_of_work() as uow:
            found = await decisions_of_approvals(uow, grantee=grantee, approval_ids=ids)
        return [found.get(approval_id, []) for approval_id in ids]


_STATE_KEY = "approval_loaders"


def approval_loaders(context: ParleyContext) -> ApprovalLoaders:
    """The request's approvals-area loaders, created on first use."""
    # The context is one object per request; its instance dict carries our loaders.
    loaders = context.__dict__.get(_STATE_KEY)
    if not isinstance(loaders, ApprovalLoaders):
        loaders = ApprovalLoaders(context)
        context.__dict__[_STATE_KEY] = loaders
    return loaders
