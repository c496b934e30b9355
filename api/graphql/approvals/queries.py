"""Queries of approvals: the approver's queue (a connection)."""

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.approvals.types import ApprovalRequest
from api.graphql.brands.arguments import After, First, typed_after
from api.graphql.context import ParleyContext
from api.graphql.inbox.errors import query_errors
from api.graphql.inbox.queries import ids_of
from api.graphql.relay import Connection, connection_from_rows, page_request
from domain.approvals.models import ApprovalRequest as ApprovalRequestModel
from domain.approvals.service import approval_queue


@strawberry.input(description="Narrow the approval queue.")
class ApprovalQueueFilter:
    brand_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these brands (of those the caller may decide on)."
    )


def _cursor(request: ApprovalRequestModel) -> tuple[datetime, uuid.UUID]:
    return (request.created_at, request.id)


@strawberry.type
class ApprovalQueries:
    @strawberry.field(
        description="Everything awaiting the caller's sign-off, oldest first: pending requests "
        "of the brands on which the caller may decide (a client approver's granted brands; "
        "all brands for admins and the owner). Empty for everyone else."
    )
    async def approval_queue(
        self,
        info: Info[ParleyContext, None],
        filter: Annotated[
            ApprovalQueueFilter | None, strawberry.argument(description="Narrow the queue.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[ApprovalRequest]:
        context = info.context
        grantee = await context.grantee()
        given = filter or ApprovalQueueFilter()
        with query_errors():
            page = page_request(first=first, after=after, last=None, before=None, cursor_length=2)
            async with context.unit_of_work() as uow:
                rows = await approval_queue(
                    uow,
                    grantee=grantee,
                    brand_ids=None if given.brand_ids is None else ids_of(given.brand_ids, "Brand"),
                    limit=page.limit + 1,
                    after=typed_after(page, datetime, uuid.UUID),
                )
        return connection_from_rows(
            rows, page, cursor_of=_cursor, node_of=ApprovalRequest.from_model
        )
