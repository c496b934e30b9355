"""Queries about the caller."""

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.errors import UnauthenticatedError
from api.graphql.viewer.types import ApiClient, Brand, Tenant, User, Viewer
from domain.brands.service import list_visible_brands
from domain.oauth.service import get_active_client_or_none, load_client_principal
from domain.shared.errors import NotFoundError
from domain.tenants.service import load_member


@strawberry.type
class ViewerQueries:
    @strawberry.field(description="The signed-in caller and what they may see.")
    async def viewer(self, info: Info[ParleyContext, None]) -> Viewer:
        context = info.context
        token = context.token
        async with context.unit_of_work() as uow:
            if token.user_id is None:
                # Client credentials: the client acts for itself, within its own role.
                try:
                    principal = await load_client_principal(
                        uow, client_id=token.client_id or token.subject, scopes=token.scopes
                    )
                except NotFoundError as error:
                    raise UnauthenticatedError("no active API client in this tenant") from error
                brands = await list_visible_brands(uow, principal.grantee)
                return Viewer(
                    signed_in_user=None,
                    tenant=Tenant.from_model(principal.tenant),
                    role=principal.client.role,
                    scopes=sorted(token.scopes),
                    brands=[Brand.from_model(brand) for brand in brands],
                    api_client=ApiClient.from_model(principal.client),
                )
            try:
                member = await load_member(uow, user_id=token.user_id, scopes=token.scopes)
            except NotFoundError as error:
                raise UnauthenticatedError("no active membership in this tenant") from error
            brands = await list_visible_brands(uow, member.grantee)
            client = (
                await get_active_client_or_none(uow, client_id=token.client_id)
                if token.client_id
                else None
            )
        return Viewer(
            signed_in_user=User.from_model(member.user),
            tenant=Tenant.from_model(member.tenant),
            role=member.membership.role,
            scopes=sorted(token.scopes),
            brands=[Brand.from_model(brand) for brand in brands],
            api_client=ApiClient.from_model(client) if client is not None else None,
        )
