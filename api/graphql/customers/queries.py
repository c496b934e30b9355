"""Customer list and profile."""

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.customers.inputs import CustomerFilter
from api.graphql.customers.types import Customer
from api.graphql.errors import NotFoundGraphQLError
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import query_errors
from api.graphql.inbox.queries import ids_of
from api.graphql.relay import Connection, connection_from_rows, page_request
from domain.customers.service import CUSTOMER_LIST_KEYS, list_customers


@strawberry.type
class CustomerQueries:
    @strawberry.field(
        description=(
            "The agency's customers (merged ones left out), newest first. Needs tenant-wide "
            "inbox access: client roles get FORBIDDEN."
        )
    )
    async def customers(
        self,
        info: Info[ParleyContext, None],
        filter: CustomerFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Customer]:
        context = info.context
        with query_errors():
            page = page_request(
                first=first,
                after=after,
                last=last,
                before=before,
                cursor_length=len(CUSTOMER_LIST_KEYS),
            )
            grantee = await context.grantee()
            brand_ids = ids_of([filter.brand_id], "Brand") if filter and filter.brand_id else []
            async with context.unit_of_work() as uow:
                rows = await list_customers(
                    uow,
                    grantee=grantee,
                    text=filter.text if filter else None,
                    brand_id=brand_ids[0] if brand_ids else None,
                    window=page,
                )
        return connection_from_rows(
            rows,
            page,
            cursor_of=lambda row: (row.created_at, row.id),
            node_of=Customer.from_model,
        )

    @strawberry.field(
        description="One customer's profile; NOT_FOUND when the caller may not read it."
    )
    async def customer(self, info: Info[ParleyContext, None], id: strawberry.ID) -> Customer:
        with query_errors():
            _, customer_id = from_global_id(id, expected_type="Customer")
            await info.context.grantee()
            found = await info.context.loaders.customer_node.load(customer_id)
        if found is None:
            raise NotFoundGraphQLError("no such customer")
        return Customer.from_model(found)
