"""Queries of brands and escalation routes."""

import uuid
from collections.abc import Collection

from sqlalchemy import tuple_

from domain.brands.models import Brand, EscalationRoute
from domain.db.repository import ScopedRepository
from domain.shared.errors import NotFoundError


class BrandRepository(ScopedRepository[Brand]):
    model = Brand

    async def get_by_slug_or_none(self, slug: str) -> Brand | None:
        result = await self.session.execute(self._select().where(Brand.slug == slug))
        return result.scalar_one_or_none()

    async def get_by_slug(self, slug: str) -> Brand:
        brand = await self.get_by_slug_or_none(slug)
        if brand is None:
            raise NotFoundError(f"no brand {slug!r}")
        return brand

    async def list_all(self, *, only_ids: Collection[uuid.UUID] | None = None) -> list[Brand]:
        """The tenant's brands by name, optionally only those with these ids."""
        statement = self._select().order_by(Brand.name)
        if only_ids is not None:
            statement = statement.where(Brand.id.in_(only_ids))
        result = await self.session.execute(statement)
        return list(result.scalars())

    async def page(
        self, *, only_ids: Collection[uuid.UUID], after: tuple[str, uuid.UUID] | None, limit: int
    ) -> list[Brand]:
        """Brands among `only_ids`, by `(name, id)`, after that key."""
        statement = self._select().where(Brand.id.in_(only_ids))
        if after is not None:
            statement = statement.where(tuple_(Brand.name, Brand.id) > after)
        result = await self.session.execute(statement.order_by(Brand.name, Brand.id).limit(limit))
        return list(result.scalars())

    async def all_ids(self) -> list[uuid.UUID]:
        return [brand.id for brand in await self.list_all()]


class EscalationRouteRepository(ScopedRepository[EscalationRoute]):
    model = EscalationRoute

    async def list_for_brand(self, brand_id: uuid.UUID) -> list[EscalationRoute]:
        result = await self.session.execute(
            self._select()
            .where(EscalationRoute.brand_id == brand_id)
            .order_by(EscalationRoute.department)
        )
        return list(result.scalars())

    async def get_for_department_or_none(
        self, brand_id: uuid.UUID, department: str
    ) -> EscalationRoute | None:
        result = await self.session.execute(
            self._select().where(
                EscalationRoute.brand_id == brand_id, EscalationRoute.department == department
            )
        )
        return result.scalar_one_or_none()
