"""Mutations of tenant administration: memberships and API clients, with typed user errors."""

import uuid
from enum import StrEnum

import strawberry
from strawberry.types import Info

from api.graphql.admin.types import ApiClient, Membership
from api.graphql.admin.user_errors import input_id, user_error_parts
from api.graphql.context import ParleyContext
from domain.authz.policy import Role
from domain.oauth.rules import GrantType
from domain.oauth.service import create_api_client_for_brand_ids, revoke_api_client
from domain.shared.errors import DomainError
from domain.tenants.service import create_membership, deactivate_membership, update_membership


@strawberry.enum(description="An OAuth2 grant an API client can be registered with.")
class ApiClientGrant(StrEnum):
    AUTHORIZATION_CODE = GrantType.AUTHORIZATION_CODE.value
    CLIENT_CREDENTIALS = GrantType.CLIENT_CREDENTIALS.value


@strawberry.enum(description="Why an admin mutation was refused.")
class AdminErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"


@strawberry.type(description="A refused admin change: nothing was changed.")
class AdminUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What is wrong, for the person at the keyboard.")
    code: AdminErrorCode = strawberry.field(description="What is wrong, for the program.")


_FIELDS = {
    "brands": "brandIds",
    "grant_types": "grantTypes",
    "redirect_uris": "redirectUris",
    "public": "public",
}


def _admin_error(
    error: DomainError, *, not_found_field: str, conflict_field: str | None = None
) -> AdminUserError:
    parts = user_error_parts(
        error, fields=_FIELDS, not_found_field=not_found_field, conflict_field=conflict_field
    )
    return AdminUserError(
        field=parts.field, message=parts.message, code=AdminErrorCode[parts.kind.name]
    )


def _brand_ids(global_ids: list[strawberry.ID] | None) -> list[uuid.UUID] | None:
    if global_ids is None:
        return None
    return [input_id(global_id, "Brand", "brandIds") for global_id in global_ids]


@strawberry.input(description="A person to invite into the agency.")
class MembershipCreateInput:
    email: str = strawberry.field(description="Their e-mail address (their sign-in name).")
    role: Role = strawberry.field(description="Their role. Only owners can make owners.")
    brand_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Client roles: the brands they act on (at least one). Staff roles: none.",
    )
    display_name: str = strawberry.field(
        default="", description="Name shown to colleagues (defaults to the e-mail's name)."
    )


@strawberry.type(description="The result of a membership mutation.")
class MembershipPayload:
    membership: Membership | None = strawberry.field(
        description="The membership as it is now; null when refused."
    )
    user_errors: list[AdminUserError] = strawberry.field(description="Why it was refused.")


@strawberry.input(description="Changes to a membership; fields left out stay as they are.")
class MembershipUpdateInput:
    membership_id: strawberry.ID = strawberry.field(description="The membership's global id.")
    role: Role | None = strawberry.field(
        default=None,
        description=(
            "New role. Admins cannot change owners nor make owners; the last owner stays owner."
        ),
    )
    brand_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Client roles: the full new list of brands. A staff role drops all grants.",
    )
    reactivate: bool = strawberry.field(
        default=False, description="Switch a deactivated membership back on."
    )


@strawberry.input(description="A membership to switch off.")
class MembershipDeactivateInput:
    membership_id: strawberry.ID = strawberry.field(description="The membership's global id.")


@strawberry.input(description="A new API client (OAuth2 application) of the agency.")
class ApiClientCreateInput:
    name: str = strawberry.field(description="Display name.")
    grant_types: list[ApiClientGrant] = strawberry.field(
        description="AUTHORIZATION_CODE (frontends, with PKCE) and/or CLIENT_CREDENTIALS."
    )
    scopes: list[str] = strawberry.field(description="Scopes the client may ask for.")
    redirect_uris: list[str] = strawberry.field(
        default_factory=list, description="Where the code grant may return (https or loopback)."
    )
    role: Role = strawberry.field(
        default=Role.AGENT,
        description="The role its own client-credentials tokens act with.",
    )
    brand_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Client roles: the brands the client acts on."
    )
    public: bool = strawberry.field(
        default=False,
        description="A public client (browser or mobile app): no secret, code grant with PKCE.",
    )


@strawberry.type(description="The result of `apiClientCreate`.")
class ApiClientCreatePayload:
    api_client: ApiClient | None = strawberry.field(
        description="The new client; null when refused."
    )
    client_secret: str | None = strawberry.field(
        description=(
            "The client secret, shown this once and stored only hashed: keep it now. "
            "Null for public clients and when refused."
        )
    )
    user_errors: list[AdminUserError] = strawberry.field(description="Why it was refused.")


@strawberry.input(description="An API client to revoke.")
class ApiClientRevokeInput:
    api_client_id: strawberry.ID = strawberry.field(description="The client's global id.")


@strawberry.type(description="The result of `apiClientRevoke`.")
class ApiClientRevokePayload:
    api_client: ApiClient | None = strawberry.field(
        description="The revoked client; null when refused."
    )
    user_errors: list[AdminUserError] = strawberry.field(description="Why it was refused.")


@strawberry.type
class AdminMutations:
    @strawberry.mutation(
        description=(
            "Invite a person into the agency with a role (the user is created if new and shows "
            "as INVITED until they can sign in). Needs members:manage."
        )
    )
    async def membership_create(
        self, info: Info[ParleyContext, None], input: MembershipCreateInput
    ) -> MembershipPayload:
        grantee = await info.context.grantee()
        try:
            brand_ids = _brand_ids(input.brand_ids) or []
            async with info.context.unit_of_work() as uow:
                record = await create_membership(
                    uow,
                    grantee,
                    email=input.email,
                    role=Role(input.role),
                    brand_ids=brand_ids,
                    display_name=input.display_name,
                )
                await uow.commit()
        except DomainError as error:
            return MembershipPayload(
                membership=None,
                user_errors=[
                    _admin_error(error, not_found_field="brandIds", conflict_field="email")
                ],
            )
        return MembershipPayload(membership=Membership.from_record(record), user_errors=[])

    @strawberry.mutation(
        description=(
            "Change a member's role or brand grants, or reactivate them. Needs members:manage."
        )
    )
    async def membership_update(
        self, info: Info[ParleyContext, None], input: MembershipUpdateInput
    ) -> MembershipPayload:
        grantee = await info.context.grantee()
        try:
            membership_id = input_id(input.membership_id, "Membership", "membershipId")
            brand_ids = _brand_ids(input.brand_ids)
            async with info.context.unit_of_work() as uow:
                record = await update_membership(
                    uow,
                    grantee,
                    membership_id=membership_id,
                    role=Role(input.role) if input.role is not None else None,
                    brand_ids=brand_ids,
                    reactivate=input.reactivate,
                )
                await uow.commit()
        except DomainError as error:
            return MembershipPayload(
                membership=None, user_errors=[_admin_error(error, not_found_field="membershipId")]
            )
        return MembershipPayload(membership=Membership.from_record(record), user_errors=[])

    @strawberry.mutation(
        description=(
            "Switch a member off: their tokens stop working at their next request; history is "
            "kept. Admins cannot deactivate owners; the last owner stays. Needs members:manage."
        )
    )
    async def membership_deactivate(
        self, info: Info[ParleyContext, None], input: MembershipDeactivateInput
    ) -> MembershipPayload:
        grantee = await info.context.grantee()
        try:
            membership_id = input_id(input.membership_id, "Membership", "membershipId")
            async with info.context.unit_of_work() as uow:
                record = await deactivate_membership(uow, grantee, membership_id=membership_id)
                await uow.commit()
        except DomainError as error:
            return MembershipPayload(
                membership=None, user_errors=[_admin_error(error, not_found_field="membershipId")]
            )
        return MembershipPayload(membership=Membership.from_record(record), user_errors=[])

    @strawberry.mutation(
        description=(
            "Register an API client. The secret is returned once in the payload and stored "
            "only hashed. Needs api_clients:manage."
        )
    )
    async def api_client_create(
        self, info: Info[ParleyContext, None], input: ApiClientCreateInput
    ) -> ApiClientCreatePayload:
        grantee = await info.context.grantee()
        try:
            brand_ids = _brand_ids(input.brand_ids) or []
            async with info.context.unit_of_work() as uow:
                created = await create_api_client_for_brand_ids(
                    uow,
                    grantee,
                    name=input.name,
                    grant_types=[str(grant) for grant in input.grant_types],
                    redirect_uris=input.redirect_uris,
                    scopes=input.scopes,
                    role=Role(input.role),
                    brand_ids=brand_ids,
                    is_public=input.public,
                )
                await uow.commit()
        except DomainError as error:
            return ApiClientCreatePayload(
                api_client=None,
                client_secret=None,
                user_errors=[_admin_error(error, not_found_field="brandIds")],
            )
        return ApiClientCreatePayload(
            api_client=ApiClient.from_model(created.client),
            client_secret=created.client_secret,
            user_errors=[],
        )

    @strawberry.mutation(
        description=(
            "Revoke an API client: it gets no new tokens and its own tokens stop working. "
            "Needs api_clients:manage."
        )
    )
    async def api_client_revoke(
        self, info: Info[ParleyContext, None], input: ApiClientRevokeInput
    ) -> ApiClientRevokePayload:
        grantee = await info.context.grantee()
        try:
            api_client_id = input_id(input.api_client_id, "ApiClient", "apiClientId")
            async with info.context.unit_of_work() as uow:
                client = await revoke_api_client(uow, grantee, api_client_id=api_client_id)
                await uow.commit()
        except DomainError as error:
            return ApiClientRevokePayload(
                api_client=None, user_errors=[_admin_error(error, not_found_field="apiClientId")]
            )
        return ApiClientRevokePayload(api_client=ApiClient.from_model(client), user_errors=[])
