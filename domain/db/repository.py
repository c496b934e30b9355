"""Fail-closed, tenant-scoped repositories."""

import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db.base import Base, TenantOwned
from domain.db.uow import UnitOfWork
from domain.shared.errors import NotFoundError
from domain.shared.tenancy import TenantScope

ModelT = TypeVar("ModelT", bound=Base)


class ScopedRepository(Generic[ModelT]):
    """Reads and writes one tenant-owned model inside the unit of work's scope.

    Built only from a unit of work that has a scope (else
    `MissingTenantScopeError`); every statement filters on the tenant, and the
    session adds the same filter again as a second line of defence.
    """

    model: type[ModelT]

    def __init__(self, uow: UnitOfWork) -> None:
        if not issubclass(self.model, TenantOwned):
            raise TypeError(f"{self.model.__name__} is not tenant-owned")
        self.scope: TenantScope = uow.require_scope()
        self.session: AsyncSession = uow.session

    def _select(self) -> Select[ModelT]:
        tenant_column: Any = self.model.tenant_id  # type: ignore[attr-defined]
        return select(self.model).where(tenant_column == self.scope.tenant_id)

    async def get_or_none(self, object_id: uuid.UUID) -> ModelT | None:
        """The object with this id in the tenant, or None."""
        result = await self.session.execute(self._select().where(self.model.id == object_id))
        return result.scalar_one_or_none()

    async def get(self, object_id: uuid.UUID) -> ModelT:
        """The object with this id in the tenant; `NotFoundError` otherwise."""
        found = await self.get_or_none(object_id)
        if found is None:
            raise NotFoundError(f"{self.model.__name__} not found")
        return found

    async def get_many(self, object_ids: Sequence[uuid.UUID]) -> list[ModelT]:
        """The tenant's objects among these ids, in no particular order."""
        if not object_ids:
            return []
        result = await self.session.execute(self._select().where(self.model.id.in_(object_ids)))
        return list(result.scalars())

    def add(self, obj: ModelT) -> ModelT:
        """Stage a new object in the scope's tenant."""
        obj.tenant_id = self.scope.tenant_id  # type: ignore[attr-defined]
        self.session.add(obj)
        return obj

    async def delete(self, obj: ModelT) -> None:
        await self.session.delete(obj)
