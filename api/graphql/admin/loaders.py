"""Per-request DataLoaders of the admin area.

Each batch opens its own short unit of work in the caller's tenant.
"""

import uuid
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from api.graphql.context import ParleyContext
from domain.oauth.service import brand_ids_of_api_clients


class AdminLoaders:
    """The admin area's loaders of one request."""

    def __init__(self, context: ParleyContext) -> None:
        self._context = context
        self.api_client_brand_ids: DataLoader[uuid.UUID, list[uuid.UUID]] = DataLoader(
            load_fn=self._api_client_brand_ids
        )

    async def _api_client_brand_ids(
        self, api_client_ids: list[uuid.UUID]
    ) -> Sequence[list[uuid.UUID]]:
        # Only clients the caller already holds are asked about (its own, or listed to an admin).
        async with self._context.unit_of_work() as uow:
            granted = await brand_ids_of_api_clients(uow, api_client_ids)
        return [granted[client_id] for client_id in api_client_ids]


_STATE_KEY = "admin_loaders"


def admin_loaders(context: ParleyContext) -> AdminLoaders:
    """The request's admin-area loaders, created on first use."""
    # The context is one object per request; its instance dict carries our loaders.
    loaders = context.__dict__.get(_STATE_KEY)
    if not isinstance(loaders, AdminLoaders):
        loaders = AdminLoaders(context)
        context.__dict__[_STATE_KEY] = loaders
    return loaders
