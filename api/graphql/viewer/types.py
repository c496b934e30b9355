"""GraphQL types of the signed-in member and their tenant."""

import strawberry

from api.graphql.errors import UnauthenticatedError
from api.graphql.ids import to_global_id
from domain.authz.policy import Role as DomainRole
from domain.brands.models import Brand as BrandModel
from domain.brands.models import ServiceTier
from domain.oauth.models import ApiClient as ApiClientModel
from domain.tenants.models import Tenant as TenantModel
from domain.tenants.models import User as UserModel

# Registers the domain enum itself, so values need no mapping.
strawberry.enum(
    DomainRole,
    name="Role",
    description="A member's role in the agency; client roles act on granted brands only.",
)

strawberry.enum(
    ServiceTier,
    name="ServiceTier",
    description="A brand's service level; premium brands get tighter response targets.",
)


@strawberry.type(description="A person who signs in to Parley.")
class User:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    email: str = strawberry.field(description="Sign-in e-mail address.")
    display_name: str = strawberry.field(description="Name shown to colleagues.")

    @classmethod
    def from_model(cls, user: UserModel) -> "User":
        return cls(
            id=to_global_id("User", user.id), email=user.email, display_name=user.display_name
        )


@strawberry.type(description="An agency: the tenant whose data the caller sees.")
class Tenant:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    slug: str = strawberry.field(description="URL-safe unique name.")
    name: str = strawberry.field(description="Display name.")

    @classmethod
    def from_model(cls, tenant: TenantModel) -> "Tenant":
        return cls(id=to_global_id("Tenant", tenant.id), slug=tenant.slug, name=tenant.name)


@strawberry.type(description="A client brand the agency serves.")
class Brand:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    slug: str = strawberry.field(description="URL-safe name, unique in the tenant.")
    name: str = strawberry.field(description="Display name.")
    primary_language: str = strawberry.field(description="ISO 639-1 code of the main language.")
    locales: list[str] = strawberry.field(description="Locales the brand answers in.")
    timezone: str = strawberry.field(description="IANA timezone of business hours.")
    service_tier: ServiceTier = strawberry.field(description="The brand's service level.")

    @classmethod
    def from_model(cls, brand: BrandModel) -> "Brand":
        return cls(
            id=to_global_id("Brand", brand.id),
            slug=brand.slug,
            name=brand.name,
            primary_language=brand.primary_language,
            locales=list(brand.locales),
            timezone=brand.timezone,
            service_tier=brand.service_tier,
        )


@strawberry.type(description="An application registered to obtain tokens for the agency.")
class ApiClient:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    client_id: str = strawberry.field(description="The public OAuth client id.")
    name: str = strawberry.field(description="Display name.")

    @classmethod
    def from_model(cls, client: ApiClientModel) -> "ApiClient":
        return cls(
            id=to_global_id("ApiClient", client.id), client_id=client.client_id, name=client.name
        )


@strawberry.type(description="The signed-in caller: user, tenant, role and visible brands.")
class Viewer:
    signed_in_user: strawberry.Private[User | None]
    tenant: Tenant = strawberry.field(description="The tenant the token is for.")
    role: DomainRole = strawberry.field(
        description="The caller's role: the user's in the tenant, or an API client's own role."
    )
    scopes: list[str] = strawberry.field(description="The token's scopes.")
    brands: list[Brand] = strawberry.field(description="Brands the caller may read, by name.")
    api_client: ApiClient | None = strawberry.field(
        description=(
            "The API client the token was issued to: the application a user signed in "
            "through, or the client acting for itself. Null for tokens issued by operators."
        )
    )

    @strawberry.field(
        description=(
            "The signed-in user. A client-credentials token speaks for no user: selecting "
            "this field then fails with UNAUTHENTICATED; read `apiClient` instead."
        )
    )
    def user(self) -> User:
        if self.signed_in_user is None:
            raise UnauthenticatedError("this token speaks for an API client, not a user")
        return self.signed_in_user
