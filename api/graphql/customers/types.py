"""GraphQL types of customers: people across channels, with their identities and history."""

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.conversations.types import Conversation
from api.graphql.ids import to_global_id
from api.graphql.relay import Connection, Node, connection_from_rows, page_request
from domain.conversations.reads import CUSTOMER_HISTORY_KEYS
from domain.customers.models import Customer as CustomerModel
from domain.customers.models import CustomerIdentity as CustomerIdentityModel


@strawberry.type(description="A customer's account on one platform.")
class CustomerIdentity:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    platform: str = strawberry.field(description="The platform (instagram, x, …).")
    platform_user_id: str = strawberry.field(description="The platform's id of the account.")
    handle: str | None = strawberry.field(description="The account's handle, without '@'.")
    display_name: str | None = strawberry.field(description="The account's display name.")

    @classmethod
    def from_model(cls, identity: CustomerIdentityModel) -> "CustomerIdentity":
        return cls(
            id=to_global_id("CustomerIdentity", identity.id),
            platform=identity.platform,
            platform_user_id=identity.platform_user_id,
            handle=identity.handle,
            display_name=identity.display_name,
        )


@strawberry.type(description="A person who writes to the agency's brands, across channels.")
class Customer(Node):
    display_name: str = strawberry.field(description="Name agents see.")
    is_vip: bool = strawberry.field(description="Whether the customer gets VIP treatment.")
    crm_id: str | None = strawberry.field(
        description="The customer's id in the agency's CRM, if linked."
    )
    notes: str = strawberry.field(description="Agents' notes about the customer.")
    last_seen_at: datetime | None = strawberry.field(description="When the customer last wrote.")
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="Global id of the customer this one was merged into; null unless merged."
    )
    model: strawberry.Private[CustomerModel]

    @classmethod
    def from_model(cls, customer: CustomerModel) -> "Customer":
        merged_into = customer.merged_into_id
        return cls(
            id=to_global_id("Customer", customer.id),
            display_name=customer.display_name,
            is_vip=customer.is_vip,
            crm_id=customer.crm_id,
            notes=customer.notes,
            last_seen_at=customer.last_seen_at,
            merged_into_id=None if merged_into is None else to_global_id("Customer", merged_into),
            model=customer,
        )

    @strawberry.field(description="The customer's accounts on every platform.")
    async def identities(self, info: Info[ParleyContext, None]) -> list[CustomerIdentity]:
        identities = await info.context.loaders.identities.load(self.model.id)
        return [CustomerIdentity.from_model(identity) for identity in identities]

    @strawberry.field(
        description="The customer's conversations on brands the caller reads, newest first."
    )
    async def conversations(
        self,
        info: Info[ParleyContext, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Conversation]:
        page = page_request(
            first=first,
            after=after,
            last=last,
            before=before,
            cursor_length=len(CUSTOMER_HISTORY_KEYS),
        )
        rows = await info.context.loaders.customer_history.load((self.model.id, page))
        return connection_from_rows(
            rows,
            page,
            cursor_of=lambda conversation: (conversation.opened_at, conversation.id),
            node_of=Conversation.from_model,
        )
