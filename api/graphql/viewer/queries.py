"""Queries about the caller."""

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.errors import UnauthenticatedError
from api.graphql.viewer.types import Brand, Tenant, User, Viewer
from domain.brands.service import list_visible_brands
from domain.shared.errors import NotFoundError
from domain.tenants.service import load_member


@strawberry.type
class ViewerQueries:
    @strawberry.field(description="The signed-in caller and what they may see.")
    async def viewer(self, info: Info[ParleyContext, None]) -> Viewer:
        context = info.context
        token = context.token
        if token.user_id is None:
            raise UnauthenticatedError("this token does not speak for a user")
        async with context.unit_of_work() as uow:
            try:
                member = await load_member(uow, user_id=token.user_id, scopes=token.scopes)
            except NotFoundError as error:
                raise UnauthenticatedError("no active membership in this tenant") from error
            brands = await list_visible_brands(uow, member.grantee)
        return Viewer(
            user=User.from_model(member.user),
            tenant=Tenant.from_model(member.tenant),
            role=member.membership.role,
            scopes=sorted(token.scopes),
            brands=[Brand.from_model(brand) for brand in brands],
        )
