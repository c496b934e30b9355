"""GraphQL types of tenant administration: the agency, users, memberships, API clients."""

import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.graphql.admin.loaders import admin_loaders
from api.graphql.brands.loaders import brand_loaders
from api.graphql.brands.types import Brand
from api.graphql.context import ParleyContext
from api.graphql.errors import ForbiddenError
from api.graphql.ids import to_global_id
from api.graphql.relay import Node
from domain.authz.policy import Permission, decide
from domain.authz.policy import Role as DomainRole
from domain.oauth.models import ApiClient as ApiClientModel
from domain.shared.errors import PermissionDeniedError
from domain.tenants.models import Tenant as TenantModel
from domain.tenants.models import User as UserModel
from domain.tenants.rules import MembershipStatus
from domain.tenants.service import MemberRecord, count_members

# The domain enums themselves, so values need no mapping.
strawberry.enum(
    DomainRole,
    name="Role",
    description="A member's role in the agency; client roles act on granted brands only.",
)
strawberry.enum(
    MembershipStatus,
    name="MembershipStatus",
    description=(
        "INVITED: never signed in and no password yet; ACTIVE: can sign in and act; "
        "DEACTIVATED: switched off by an admin (kept for history)."
    ),
)


async def _brands(info: Info[ParleyContext, None], brand_ids: list[uuid.UUID]) -> list[Brand]:
    found = await brand_loaders(info.context).brand.load_many(brand_ids)
    return [Brand.from_model(brand) for brand in found if brand is not None]


@strawberry.type(description="A person who signs in to Parley.")
class User(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    email: str = strawberry.field(description="Sign-in e-mail address.")
    display_name: str = strawberry.field(description="Name shown to colleagues.")

    @classmethod
    def from_model(cls, user: UserModel) -> "User":
        return cls(
            id=to_global_id("User", user.id), email=user.email, display_name=user.display_name
        )


@strawberry.type(description="Settings of the agency, for its owners.")
class TenantSettings:
    timezone: str = strawberry.field(description="IANA timezone of the agency.")
    default_locale: str = strawberry.field(description="Locale of new brands and messages.")
    escalation_precedence: list[str] = strawberry.field(
        description="Departments in the order escalations prefer them."
    )


@strawberry.type(description="An agency: the tenant whose data the caller sees.")
class Tenant:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    slug: str = strawberry.field(description="URL-safe unique name.")
    name: str = strawberry.field(description="Display name.")
    model: strawberry.Private[TenantModel]

    @classmethod
    def from_model(cls, tenant: TenantModel) -> "Tenant":
        return cls(
            id=to_global_id("Tenant", tenant.id), slug=tenant.slug, name=tenant.name, model=tenant
        )

    @strawberry.field(
        description="The agency's settings. Needs tenant:manage (owners); FORBIDDEN otherwise."
    )
    async def settings(self, info: Info[ParleyContext, None]) -> TenantSettings | None:
        grantee = await info.context.grantee()
        if not decide(grantee, Permission.TENANT_MANAGE).allowed:
            raise ForbiddenError("the agency's settings are for its owners")
        return TenantSettings(
            timezone=self.model.timezone,
            default_locale=self.model.default_locale,
            escalation_precedence=list(self.model.escalation_precedence),
        )

    @strawberry.field(
        description="How many memberships the agency has. Needs members:read; FORBIDDEN otherwise."
    )
    async def member_count(self, info: Info[ParleyContext, None]) -> int | None:
        grantee = await info.context.grantee()
        async with info.context.unit_of_work() as uow:
            try:
                return await count_members(uow, grantee)
            except PermissionDeniedError as error:
                raise ForbiddenError(str(error)) from error


@strawberry.type(description="A person's role in the agency, with the brands a client role covers.")
class Membership(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    user: User = strawberry.field(description="The member.")
    role: DomainRole = strawberry.field(description="The member's role.")
    status: MembershipStatus = strawberry.field(description="Invited, active or deactivated.")
    created_at: datetime = strawberry.field(description="When the person joined the agency.")
    brand_ids: strawberry.Private[list[uuid.UUID]]

    @classmethod
    def from_record(cls, record: MemberRecord) -> "Membership":
        return cls(
            id=to_global_id("Membership", record.membership.id),
            user=User.from_model(record.user),
            role=record.membership.role,
            status=record.status,
            created_at=record.membership.created_at,
            brand_ids=list(record.brand_ids),
        )

    @strawberry.field(
        description="Brands a client role acts on, by name; empty for staff roles (all brands)."
    )
    async def brands(self, info: Info[ParleyContext, None]) -> list[Brand]:
        return sorted(await _brands(info, self.brand_ids), key=lambda brand: brand.name)


@strawberry.type(description="An application registered to obtain tokens for the agency.")
class ApiClient(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    client_id: str = strawberry.field(description="The public OAuth client id.")
    name: str = strawberry.field(description="Display name.")
    grant_types: list[str] = strawberry.field(
        description="OAuth grant types: authorization_code, client_credentials, refresh_token."
    )
    redirect_uris: list[str] = strawberry.field(
        description="Where the authorization code grant may send the browser back."
    )
    scopes: list[str] = strawberry.field(description="Scopes the client may ask for.")
    role: DomainRole = strawberry.field(
        description="The role the client's own client-credentials tokens act with."
    )
    public: bool = strawberry.field(
        description="A public client (browser or mobile app) has no secret and uses PKCE."
    )
    active: bool = strawberry.field(description="False once revoked.")
    created_at: datetime = strawberry.field(description="When the client was registered.")
    model: strawberry.Private[ApiClientModel]

    @classmethod
    def from_model(cls, client: ApiClientModel) -> "ApiClient":
        return cls(
            id=to_global_id("ApiClient", client.id),
            client_id=client.client_id,
            name=client.name,
            grant_types=list(client.grant_types),
            redirect_uris=list(client.redirect_uris),
            scopes=list(client.scopes),
            role=client.role,
            public=client.is_public,
            active=client.is_active,
            created_at=client.created_at,
            model=client,
        )

    @strawberry.field(
        description="Brands a client-role client acts on, by name; empty for staff roles."
    )
    async def brands(self, info: Info[ParleyContext, None]) -> list[Brand]:
        brand_ids = await admin_loaders(info.context).api_client_brand_ids.load(self.model.id)
        return sorted(await _brands(info, brand_ids), key=lambda brand: brand.name)
