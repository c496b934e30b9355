"""An agency with one member per role, a second agency, and a GraphQL helper."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from api.graphql.ids import to_global_id
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import TenantScope
from domain.tenants import service as tenants_service
from tests.factories import TEST_ACTOR, make_brand, make_tenant


@dataclass
class Agency:
    """One tenant: its brands by slug and its members by role."""

    tenant_id: uuid.UUID
    brand_ids: dict[str, uuid.UUID]
    user_ids: dict[Role, uuid.UUID]
    membership_ids: dict[Role, uuid.UUID]
    services: Services

    def token(self, role: Role, *, scopes: frozenset[str] | None = None) -> str:
        return self.services.tokens.issue(
            subject=str(self.user_ids[role]),
            tenant_id=self.tenant_id,
            scopes=scopes if scopes is not None else frozenset(scopes_for_role(role)),
            ttl_seconds=300,
        )

    def brand_gid(self, slug: str) -> str:
        return str(to_global_id("Brand", self.brand_ids[slug]))

    def membership_gid(self, role: Role) -> str:
        return str(to_global_id("Membership", self.membership_ids[role]))


async def _member(
    database: Database, tenant_id: uuid.UUID, email: str, role: Role, brands: tuple[str, ...]
) -> tuple[uuid.UUID, uuid.UUID]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        membership = await tenants_service.add_member(
            uow,
            email=email,
            role=role,
            brand_slugs=brands,
            # One password is enough to show ACTIVE; argon2 is slow on purpose.
            password="correct horse battery" if role is Role.OWNER else None,
        )
        await uow.commit()
    return membership.user_id, membership.id


async def build_agency(services: Services, slug: str, brand_slugs: tuple[str, ...]) -> Agency:
    database = services.database
    tenant_id = await make_tenant(database, slug)
    brand_ids = {
        brand_slug: (await make_brand(database, tenant_id, brand_slug)).id
        for brand_slug in brand_slugs
    }
    user_ids: dict[Role, uuid.UUID] = {}
    membership_ids: dict[Role, uuid.UUID] = {}
    for role in Role:
        grants = brand_slugs[:1] if role in (Role.CLIENT_APPROVER, Role.CLIENT_VIEWER) else ()
        user_id, membership_id = await _member(
            database, tenant_id, f"{role.value}@{slug}.example", role, grants
        )
        user_ids[role] = user_id
        membership_ids[role] = membership_id
    return Agency(tenant_id, brand_ids, user_ids, membership_ids, services)


@pytest.fixture
async def agency(services: Services) -> Agency:
    """Brands acme (granted to the client roles) and bolt; one member per role."""
    return await build_agency(services, "northwind", ("acme", "bolt"))


@pytest.fixture
async def rival(services: Services) -> Agency:
    """Another agency with its own brand and members."""
    return await build_agency(services, "rival", ("zeta",))


async def gql(
    client: httpx.AsyncClient,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """POST one operation; the JSON body (asserts HTTP 200 for authenticated calls)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    if token is not None:
        assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    body["status_code"] = response.status_code
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]
