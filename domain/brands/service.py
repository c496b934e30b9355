"""Use cases of brands and escalation routes."""

import uuid
from collections.abc import Mapping
from typing import Any

from domain.authz.policy import Grantee, Permission, require, visible_brand_ids
from domain.brands.models import Brand, EscalationRoute, ServiceTier
from domain.brands.repository import BrandRepository, EscalationRouteRepository
from domain.db.uow import UnitOfWork
from domain.shared.errors import ConflictError


async def list_visible_brands(uow: UnitOfWork, grantee: Grantee) -> list[Brand]:
    """The brands of the scope's tenant that `grantee` may read, by name."""
    brands = BrandRepository(uow)
    visible = visible_brand_ids(grantee, Permission.BRAND_READ, await brands.all_ids())
    return await brands.list_all(only_ids=visible)


async def get_brand(uow: UnitOfWork, grantee: Grantee, brand_id: uuid.UUID) -> Brand:
    """The brand, if in the tenant and readable; `NotFoundError` or `PermissionDeniedError`."""
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.BRAND_READ, brand_id=brand.id)
    return brand


async def create_brand(
    uow: UnitOfWork,
    grantee: Grantee | None,
    *,
    slug: str,
    name: str,
    fields: Mapping[str, Any],
) -> Brand:
    """Create a brand; `grantee=None` is a trusted operator (CLI, seed)."""
    if grantee is not None:
        require(grantee, Permission.BRAND_MANAGE)
    brands = BrandRepository(uow)
    if await brands.get_by_slug_or_none(slug) is not None:
        raise ConflictError(f"brand {slug!r} exists")
    brand = brands.add(Brand(slug=slug, name=name))
    apply_brand_fields(brand, fields)
    await uow.flush()
    return brand


def apply_brand_fields(brand: Brand, fields: Mapping[str, Any]) -> None:
    """Copy the editable fields present in `fields` onto `brand`."""
    for key in (
        "name",
        "industry",
        "locales",
        "primary_language",
        "timezone",
        "business_hours",
        "holiday_country",
        "holidays",
        "settings",
    ):
        if key in fields:
            setattr(brand, key, fields[key])
    if "service_tier" in fields:
        brand.service_tier = ServiceTier(fields["service_tier"])


async def upsert_escalation_route(
    uow: UnitOfWork,
    *,
    brand_id: uuid.UUID,
    department: str,
    display_name: str,
    contacts: Mapping[str, Any],
    criteria: Mapping[str, Any],
    response_target_minutes: int | None,
    notes: str = "",
) -> EscalationRoute:
    """Create or update the brand's route to `department` (idempotent)."""
    routes = EscalationRouteRepository(uow)
    route = await routes.get_for_department_or_none(brand_id, department)
    if route is None:
        route = routes.add(EscalationRoute(brand_id=brand_id, department=department))
    route.display_name = display_name
    route.contacts = dict(contacts)
    route.criteria = dict(criteria)
    route.response_target_minutes = response_target_minutes
    route.notes = notes
    await uow.flush()
    return route
