"""The Northwind Social demo tenant: five brands, channels, routes, one user per role.

Loaded from `domain/demo/data/brands.json` (shipped with the code) into
whichever database is configured. Idempotent: running it again updates what
changed and duplicates nothing.
"""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from domain.authz.policy import Role
from domain.brands import service as brands_service
from domain.brands.models import Brand, ServiceTier
from domain.brands.repository import BrandRepository
from domain.channels.models import ChannelKind, ChannelVisibility
from domain.channels.repository import ChannelRepository
from domain.channels.service import create_channel
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.knowledge import service as knowledge_service
from domain.knowledge.rules import parse_qna_jsonl
from domain.shared.tenancy import Actor, TenantScope
from domain.sla.service import seed_brand_sla
from domain.tenants import repository as tenants_repository
from domain.tenants import service as tenants_service
from domain.tone import service as tone_service

DEMO_TENANT_SLUG = "northwind-social"
DEMO_EMAIL_DOMAIN = "northwind-social.example"

#: (local part of the e-mail, role); client roles get all five brands.
DEMO_USERS: tuple[tuple[str, Role], ...] = (
    ("owner", Role.OWNER),
    ("admin", Role.ADMIN),
    ("agent", Role.AGENT),
    ("analyst", Role.ANALYST),
    ("approver", Role.CLIENT_APPROVER),
    ("viewer", Role.CLIENT_VIEWER),
)

_CHANNEL_KINDS = {
    "facebook": ChannelKind.FACEBOOK_PAGE,
    "instagram": ChannelKind.INSTAGRAM,
    "x": ChannelKind.X,
    "telegram": ChannelKind.TELEGRAM,
    "vk": ChannelKind.VK,
}


_TIMEZONE_COUNTRIES = {"Asia/Tehran": "IR"}


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    role: Role
    user_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class DemoSeed:
    tenant_id: uuid.UUID
    brand_ids: Mapping[str, uuid.UUID]
    users: tuple[DemoUser, ...]


def load_demo_data() -> dict[str, Any]:
    """The shipped demo configuration (tenant, brands, channels, routes, events)."""
    text = resources.files("domain.demo").joinpath("data/brands.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


async def seed_demo(database: Database, *, data: Mapping[str, Any] | None = None) -> DemoSeed:
    """Create or update the demo tenant in `database`; returns its ids."""
    tenant_data = (data or load_demo_data())["tenant"]
    actor = Actor.system("seed-demo")
    async with UnitOfWork(database, actor=actor, scope=None) as uow:
        tenant = await tenants_repository.get_tenant_by_slug_or_none(uow, tenant_data["slug"])
        if tenant is None:
            tenant = await tenants_service.create_tenant(
                uow,
                slug=tenant_data["slug"],
                name=tenant_data["name"],
                timezone=tenant_data.get("timezone", "UTC"),
                default_locale=tenant_data.get("default_locale", "en"),
            )
        tenant.escalation_precedence = list(tenant_data.get("escalation_precedence", []))
        tenant_id = tenant.id
        await uow.commit()

    scope = TenantScope(tenant_id)
    brand_ids: dict[str, uuid.UUID] = {}
    async with UnitOfWork(database, actor=actor, scope=scope) as uow:
        for brand_data in tenant_data["brands"]:
            brand = await _upsert_brand(uow, brand_data)
            brand_ids[brand.slug] = brand.id
            await _upsert_routes(uow, brand, brand_data.get("escalation_routes", []))
            await _upsert_channels(uow, brand, brand_data.get("channels", []))
            await seed_brand_sla(uow, brand_id=brand.id, events=brand_data.get("events", []))
        await uow.commit()

    users: list[DemoUser] = []
    async with UnitOfWork(database, actor=actor, scope=scope) as uow:
        for local_part, role in DEMO_USERS:
            email = f"{local_part}@{DEMO_EMAIL_DOMAIN}"
            client_brands = sorted(brand_ids) if role.value.startswith("client_") else []
            membership = await tenants_service.add_member(
                uow,
                email=email,
                role=role,
                brand_slugs=client_brands,
                display_name=f"Demo {local_part}",
            )
            users.append(DemoUser(email=email, role=role, user_id=membership.user_id))
        await uow.commit()

    async with UnitOfWork(database, actor=actor, scope=scope) as uow:
        await _load_knowledge(uow, tenant_data["brands"], brand_ids)
        await uow.commit()
    return DemoSeed(tenant_id=tenant_id, brand_ids=brand_ids, users=tuple(users))


async def _load_knowledge(
    uow: UnitOfWork, brands: list[Mapping[str, Any]], brand_ids: Mapping[str, uuid.UUID]
) -> None:
    """The shipped Q&A and each brand's tone guidelines, approved by the demo client approver.

    Idempotent like the rest of the seed: unchanged entries and guidelines add nothing.
    Index rows for the approved entries go to the outbox (the worker delivers them).
    """
    records = parse_qna_jsonl(
        resources.files("domain.knowledge").joinpath("data/qna.jsonl").read_text("utf-8")
    )
    approver_email = f"approver@{DEMO_EMAIL_DOMAIN}"
    for brand_data in brands:
        brand_id = brand_ids[brand_data["slug"]]
        approver = await knowledge_service.resolve_brand_approver(
            uow, brand_id=brand_id, email=approver_email
        )
        await knowledge_service.import_qna(
            uow, brand_id=brand_id, records=records, approver=approver
        )
        guidelines = brand_data.get("tone_guidelines")
        if guidelines:
            await tone_service.import_tone_guideline(
                uow,
                brand_id=brand_id,
                language=brand_data.get("primary_language", "en"),
                config=guidelines,
                approver=approver,
            )


def brand_fields_from_config(brand_data: Mapping[str, Any]) -> dict[str, Any]:
    """Brand fields from one brand of the demo configuration (brands.json shape)."""
    return {
        "name": brand_data["name"],
        "industry": brand_data.get("industry", ""),
        "locales": list(brand_data.get("locales", [])),
        "primary_language": brand_data.get("primary_language", "en"),
        "timezone": brand_data.get("timezone", "UTC"),
        "business_hours": dict(brand_data.get("business_hours", {})),
        "holiday_country": _holiday_country(brand_data),
        "holidays": list(brand_data.get("holidays", [])),
        "service_tier": (
            ServiceTier.PREMIUM if brand_data.get("premium_tier") else ServiceTier.STANDARD
        ),
        "settings": {
            "legal_name": brand_data.get("legal_name", ""),
            "after_hours": brand_data.get("after_hours", ""),
            "identifier_formats": brand_data.get("identifier_formats", {}),
            "tone_guidelines": brand_data.get("tone_guidelines", {}),
            "events": brand_data.get("events", []),
        },
    }


def _holiday_country(brand_data: Mapping[str, Any]) -> str | None:
    """An ISO 3166 code: the market when it is one, else the first locale's region.

    "Persian-speaking" with locale "fa" has no region: the brand's timezone
    (Asia/Tehran) says Iran, so that is the one mapping spelled out here.
    """
    market = str(brand_data.get("market", ""))
    if len(market) == 2 and market.isalpha():
        return market.upper()
    for locale in brand_data.get("locales", []):
        _, _, region = str(locale).partition("-")
        if len(region) == 2:
            return region.upper()
    return _TIMEZONE_COUNTRIES.get(str(brand_data.get("timezone", "")))


async def _upsert_brand(uow: UnitOfWork, brand_data: Mapping[str, Any]) -> Brand:
    fields = brand_fields_from_config(brand_data)
    brand = await BrandRepository(uow).get_by_slug_or_none(brand_data["slug"])
    if brand is None:
        return await brands_service.create_brand(
            uow, None, slug=brand_data["slug"], name=brand_data["name"], fields=fields
        )
    brands_service.apply_brand_fields(brand, fields)
    await uow.flush()
    return brand


async def _upsert_routes(uow: UnitOfWork, brand: Brand, routes: list[Mapping[str, Any]]) -> None:
    for route in routes:
        hours = route.get("response_sla_hours")
        await brands_service.upsert_escalation_route(
            uow,
            brand_id=brand.id,
            department=route["department"],
            display_name=route.get("display_name", ""),
            contacts={"emails": [route["contact_email"]]} if route.get("contact_email") else {},
            criteria=dict(route.get("criteria", {})),
            response_target_minutes=round(hours * 60) if hours is not None else None,
            notes=route.get("out_of_hours", ""),
        )


async def _upsert_channels(
    uow: UnitOfWork, brand: Brand, channels: list[Mapping[str, Any]]
) -> None:
    repository = ChannelRepository(uow)
    for channel_data in channels:
        kind = _CHANNEL_KINDS.get(channel_data["kind"], ChannelKind.IMPORT)
        handle = channel_data["handle"]
        if await repository.get_by_handle_or_none(brand.id, kind, handle) is not None:
            continue
        await create_channel(
            uow,
            None,
            brand_id=brand.id,
            kind=kind,
            name=f"{brand.name} · {channel_data['kind']} {handle}",
            handle=handle,
            visibility=ChannelVisibility(channel_data.get("visibility", "public")),
            dm_enabled=bool(channel_data.get("dm_enabled", False)),
        )
