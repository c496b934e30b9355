"""GraphQL types of the signed-in member and their tenant.

Brand, User, Tenant and ApiClient are the nodes of the brands and admin areas,
re-exported here: one GraphQL type per name across the schema.
"""

from typing import Annotated

import strawberry

from api.graphql.admin.types import ApiClient, Tenant, User
from api.graphql.brands.types import Brand
from api.graphql.errors import UnauthenticatedError
from domain.authz.policy import Role as DomainRole

__all__ = ["ApiClient", "Brand", "Tenant", "User", "Viewer", "ViewerActor"]

ViewerActor = Annotated[
    User | ApiClient,
    strawberry.union(
        name="ViewerActor",
        description=(
            "Who a token speaks for: a `User` (a person signed in through an application) "
            "or an `ApiClient` acting for itself (client credentials)."
        ),
    ),
]


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
            "Who the token speaks for: the signed-in user, or the API client itself for a "
            "client-credentials token. Select `... on User` and `... on ApiClient`."
        )
    )
    def actor(self) -> ViewerActor:
        # The cast names the member type: strawberry's own matching of a union
        # member fails once the schema is sorted (`StrawberryConfig(sort_schema=True)`).
        if self.signed_in_user is not None:
            return strawberry.cast(User, self.signed_in_user)
        if self.api_client is None:
            raise UnauthenticatedError("this token speaks for nobody")
        return strawberry.cast(ApiClient, self.api_client)

    @strawberry.field(
        description=(
            "The signed-in user. A client-credentials token speaks for no user: selecting "
            "this field then fails with UNAUTHENTICATED; read `actor` instead."
        ),
        deprecation_reason=(
            "Fails for client-credentials tokens. Use `actor` (`... on User`). "
            "Announced 2026-11-30; removed no earlier than 2027-04-01."
        ),
    )
    def user(self) -> User:
        if self.signed_in_user is None:
            raise UnauthenticatedError("this token speaks for an API client, not a user")
        return self.signed_in_user
