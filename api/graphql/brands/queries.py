"""Queries of brands and channels, and their node resolvers."""

import uuid
from collections.abc import Sequence
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.brands.arguments import After, First, typed_after
from api.graphql.brands.types import Brand, Channel
from api.graphql.context import ParleyContext
from api.graphql.errors import ForbiddenError, NotFoundGraphQLError
from api.graphql.ids import from_global_id
from api.graphql.relay import Connection, connection_from_rows, page_request, register_node
from domain.brands.service import get_visible_brands, list_visible_brands_page
from domain.channels.service import get_visible_channels, list_channels_page
from domain.shared.errors import NotFoundError, PermissionDeniedError


async def resolve_brand_nodes(
    context: ParleyContext, ids: list[uuid.UUID]
) -> Sequence[Brand | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = await get_visible_brands(uow, grantee, ids)
    return [Brand.from_model(found[key]) if key in found else None for key in ids]


async def resolve_channel_nodes(
    context: ParleyContext, ids: list[uuid.UUID]
) -> Sequence[Channel | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = await get_visible_channels(uow, grantee, ids)
    return [Channel.from_model(found[key]) if key in found else None for key in ids]


register_node("Brand", resolve_brand_nodes)
register_node("Channel", resolve_channel_nodes)


def _object_id(global_id: str, type_name: str) -> uuid.UUID:
    try:
        return from_global_id(global_id, expected_type=type_name)[1]
    except NotFoundError as error:
        raise NotFoundGraphQLError(f"no {type_name.lower()} with this id") from error


@strawberry.type
class BrandQueries:
    @strawberry.field(
        description=(
            "Brands the caller may read, by name: every brand of the agency for staff roles, "
            "the granted ones for client roles."
        )
    )
    async def brands(
        self,
        info: Info[ParleyContext, None],
        first: First = None,
        after: After = None,
    ) -> Connection[Brand]:
        page = page_request(first=first, after=after, last=None, before=None, cursor_length=2)
        grantee = await info.context.grantee()
        async with info.context.unit_of_work() as uow:
            found = await list_visible_brands_page(
                uow,
                grantee,
                after=typed_after(page, str, uuid.UUID),
                limit=page.limit + 1,
            )
        return connection_from_rows(
            found.brands,
            page,
            cursor_of=lambda brand: (brand.name, brand.id),
            node_of=Brand.from_model,
            total_count=found.total_count,
        )

    @strawberry.field(description="One brand; NOT_FOUND unless the caller may read it.")
    async def brand(
        self,
        info: Info[ParleyContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The brand's global id.")],
    ) -> Brand:
        found = await resolve_brand_nodes(info.context, [_object_id(id, "Brand")])
        if found[0] is None:
            raise NotFoundGraphQLError("no brand with this id")
        return found[0]

    @strawberry.field(
        description=(
            "Channels the caller may read (of one brand when `brandId` is given), by name. "
            "Client roles may not read channels (FORBIDDEN)."
        )
    )
    async def channels(
        self,
        info: Info[ParleyContext, None],
        brand_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this brand's channels.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Channel]:
        page = page_request(first=first, after=after, last=None, before=None, cursor_length=2)
        brand = _object_id(brand_id, "Brand") if brand_id is not None else None
        grantee = await info.context.grantee()
        async with info.context.unit_of_work() as uow:
            try:
                rows = await list_channels_page(
                    uow,
                    grantee,
                    brand_id=brand,
                    after=typed_after(page, str, uuid.UUID),
                    limit=page.limit + 1,
                )
            except NotFoundError as error:
                raise NotFoundGraphQLError("no brand with this id") from error
            except PermissionDeniedError as error:
                raise ForbiddenError(str(error)) from error
        return connection_from_rows(
            rows,
            page,
            cursor_of=lambda channel: (channel.name, channel.id),
            node_of=Channel.from_model,
        )

    @strawberry.field(description="One channel; NOT_FOUND unless the caller may read it.")
    async def channel(
        self,
        info: Info[ParleyContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The channel's global id.")],
    ) -> Channel:
        found = await resolve_channel_nodes(info.context, [_object_id(id, "Channel")])
        if found[0] is None:
            raise NotFoundGraphQLError("no channel with this id")
        return found[0]
