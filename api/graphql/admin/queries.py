"""Queries of tenant administration: the agency, its members and API clients."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.admin.types import ApiClient, Membership, Tenant, User
from api.graphql.brands.arguments import After, First, typed_after
from api.graphql.context import ParleyContext
from api.graphql.errors import ForbiddenError, UnauthenticatedError
from api.graphql.relay import (
    Connection,
    PageRequest,
    connection_from_rows,
    page_request,
    register_node,
)
from domain.authz.policy import Role
from domain.oauth.service import get_visible_api_clients, list_api_clients_page
from domain.shared.errors import NotFoundError, PermissionDeniedError
from domain.tenants.service import (
    MemberRecord,
    get_current_tenant,
    get_members,
    get_members_of_users,
    list_members,
)


async def resolve_membership_nodes(
    context: ParleyContext, ids: list[uuid.UUID]
) -> Sequence[Membership | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = await get_members(uow, grantee, ids)
    return [Membership.from_record(found[key]) if key in found else None for key in ids]


async def resolve_user_nodes(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[User | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = await get_members_of_users(uow, grantee, ids)
    return [User.from_model(found[key].user) if key in found else None for key in ids]


async def resolve_api_client_nodes(
    context: ParleyContext, ids: list[uuid.UUID]
) -> Sequence[ApiClient | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = await get_visible_api_clients(uow, grantee, ids)
    return [ApiClient.from_model(found[key]) if key in found else None for key in ids]


register_node("Membership", resolve_membership_nodes)
register_node("User", resolve_user_nodes)
register_node("ApiClient", resolve_api_client_nodes)


@strawberry.input(description="Which memberships to list.")
class MembershipFilter:
    role: Role | None = strawberry.field(default=None, description="Only members of this role.")
    text: str | None = strawberry.field(
        default=None, description="Part of the e-mail address or display name, any case."
    )


def _membership_cursor(record: MemberRecord) -> tuple[datetime, uuid.UUID]:
    return (record.membership.created_at, record.membership.id)


async def _member_page(
    info: Info[ParleyContext, None],
    filter: MembershipFilter | None,
    first: int | None,
    after: str | None,
) -> tuple[list[MemberRecord], PageRequest]:
    page = page_request(first=first, after=after, last=None, before=None, cursor_length=2)
    grantee = await info.context.grantee()
    async with info.context.unit_of_work() as uow:
        try:
            rows = await list_members(
                uow,
                grantee,
                role=filter.role if filter else None,
                text=filter.text if filter else None,
                after=typed_after(page, datetime, uuid.UUID),
                limit=page.limit + 1,
            )
        except PermissionDeniedError as error:
            raise ForbiddenError(str(error)) from error
    return rows, page


@strawberry.type
class AdminQueries:
    @strawberry.field(
        description=(
            "The caller's agency. Its `settings` need tenant:manage and `memberCount` members:read."
        )
    )
    async def tenant(self, info: Info[ParleyContext, None]) -> Tenant:
        await info.context.grantee()
        async with info.context.unit_of_work() as uow:
            try:
                tenant = await get_current_tenant(uow)
            except NotFoundError as error:
                raise UnauthenticatedError("no such agency") from error
        return Tenant.from_model(tenant)

    @strawberry.field(
        description=(
            "The agency's memberships (every status), oldest first. Needs members:read "
            "(staff roles); FORBIDDEN for client roles."
        )
    )
    async def memberships(
        self,
        info: Info[ParleyContext, None],
        filter: Annotated[
            MembershipFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Membership]:
        rows, page = await _member_page(info, filter, first, after)
        return connection_from_rows(
            rows, page, cursor_of=_membership_cursor, node_of=Membership.from_record
        )

    @strawberry.field(
        description=(
            "The people of the agency (one per membership, every status), oldest member first. "
            "Needs members:read; FORBIDDEN for client roles."
        )
    )
    async def users(
        self,
        info: Info[ParleyContext, None],
        filter: Annotated[
            MembershipFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[User]:
        rows, page = await _member_page(info, filter, first, after)
        return connection_from_rows(
            rows, page, cursor_of=_membership_cursor, node_of=lambda row: User.from_model(row.user)
        )

    @strawberry.field(
        description=(
            "The agency's API clients (active and revoked), oldest first; secrets are never "
            "shown. Needs api_clients:manage; FORBIDDEN otherwise."
        )
    )
    async def api_clients(
        self,
        info: Info[ParleyContext, None],
        first: First = None,
        after: After = None,
    ) -> Connection[ApiClient]:
        page = page_request(first=first, after=after, last=None, before=None, cursor_length=2)
        grantee = await info.context.grantee()
        async with info.context.unit_of_work() as uow:
            try:
                rows = await list_api_clients_page(
                    uow,
                    grantee,
                    after=typed_after(page, datetime, uuid.UUID),
                    limit=page.limit + 1,
                )
            except PermissionDeniedError as error:
                raise ForbiddenError(str(error)) from error
        return connection_from_rows(
            rows,
            page,
            cursor_of=lambda client: (client.created_at, client.id),
            node_of=ApiClient.from_model,
        )
