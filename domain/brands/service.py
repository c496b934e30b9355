"""Use cases of brands and escalation routes."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from domain.authz.policy import Grantee, Permission, decide, require, visible_brand_ids
from domain.brands.models import Brand, EscalationRoute, ServiceTier
from domain.brands.repository import BrandRepository, EscalationRouteRepository
from domain.brands.rules import check_brand_fields, normalize_slug
from domain.db.uow import UnitOfWork
from domain.shared.errors import ConflictError


async def list_visible_brands(uow: UnitOfWork, grantee: Grantee) -> list[Brand]:
    """The brands of the scope's tenant that `grantee` may read, by name."""
    brands = BrandRepository(uow)
    visible = visible_brand_ids(grantee, Permission.BRAND_READ, await brands.all_ids())
    return await brands.list_all(only_ids=visible)


@dataclass(frozen=True, slots=True)
class BrandPage:
    """A page of brands and how many brands the caller may read in all."""

    brands: list[Brand]
    total_count: int


async def list_visible_brands_page(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    after: tuple[str, uuid.UUID] | None = None,
    limit: int,
) -> BrandPage:
    """A page of the brands `grantee` may read, by `(name, id)`, after that key.

    Staff roles see every brand of the tenant, client roles their granted ones;
    two queries whatever the page size.
    """
    brands = BrandRepository(uow)
    visible = visible_brand_ids(grantee, Permission.BRAND_READ, await brands.all_ids())
    if not visible:
        return BrandPage(brands=[], total_count=0)
    page = await brands.page(only_ids=visible, after=after, limit=limit)
    return BrandPage(brands=page, total_count=len(visible))


async def get_visible_brands(
    uow: UnitOfWork, grantee: Grantee, brand_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Brand]:
    """The brands among these ids that are in the tenant and readable by `grantee`, by id."""
    found = await BrandRepository(uow).get_many(brand_ids)
    return {
        brand.id: brand
        for brand in found
        if decide(grantee, Permission.BRAND_READ, brand_id=brand.id).allowed
    }


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
    """Create a brand; `grantee=None` is a trusted operator (CLI, seed).

    Needs `brand:manage` (`PermissionDeniedError`). The slug and the fields are
    validated (`ValidationError` naming the field, see `rules.check_brand_fields`);
    a slug taken in the tenant is `ConflictError`, decided by the unique key,
    not by a prior read. Flushes; the caller commits.
    """
    if grantee is not None:
        require(grantee, Permission.BRAND_MANAGE)
    slug = normalize_slug(slug)
    check_brand_fields({**fields, "name": name})
    brand = BrandRepository(uow).add(Brand(slug=slug, name=name.strip()))
    apply_brand_fields(brand, {key: value for key, value in fields.items() if key != "name"})
    await _flush_or_conflict(uow, slug)
    return brand


async def update_brand(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    brand_id: uuid.UUID,
    slug: str | None = None,
    fields: Mapping[str, Any],
) -> Brand:
    """Change a brand's slug and editable fields (only those given).

    `NotFoundError` for a brand outside the tenant, `PermissionDeniedError`
    without `brand:manage`, `ValidationError` for bad values, `ConflictError`
    when the new slug is taken. Flushes; the caller commits.
    """
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.BRAND_MANAGE, brand_id=brand.id)
    check_brand_fields(fields)
    if slug is not None:
        slug = normalize_slug(slug)
        if slug != brand.slug:
            brand.slug = slug
    changes = {key: value for key, value in fields.items() if getattr(brand, key) != value}
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    apply_brand_fields(brand, changes)
    await _flush_or_conflict(uow, brand.slug)
    return brand


async def _flush_or_conflict(uow: UnitOfWork, slug: str) -> None:
    try:
        await uow.flush()
    except IntegrityError as error:
        raise ConflictError(f"brand {slug!r} exists") from error


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
