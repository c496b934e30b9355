"""Agents' edits of customers: profile fields and explicit merges."""

from enum import StrEnum

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.customers.types import Customer
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import error_code, error_field
from domain.customers.service import merge_customer_into, update_customer
from domain.shared.errors import DomainError


@strawberry.enum(description="Why a customer mutation changed nothing.")
class CustomerErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"


@strawberry.type(description="A problem with a customer mutation's input; nothing changed.")
class CustomerUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: CustomerErrorCode = strawberry.field(description="What went wrong, for programs.")


def _user_error(error: DomainError, default_field: str) -> CustomerUserError:
    return CustomerUserError(
        field=error_field(error, default_field),
        message=str(error),
        code=CustomerErrorCode[error_code(error).name],
    )


@strawberry.input(description="What agents keep about a customer; unset fields stay.")
class CustomerUpdateInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    display_name: str | None = strawberry.field(
        default=None, description="Name agents see (at most 200 characters)."
    )
    is_vip: bool | None = strawberry.field(default=None, description="VIP treatment or not.")
    notes: str | None = strawberry.field(
        default=None, description="Agents' notes (at most 4,000 characters)."
    )
    crm_id: str | None = strawberry.field(
        default=None, description="The id in the agency's CRM; an empty string unlinks."
    )


@strawberry.type(description="The customer after the update, or why it did not change.")
class CustomerUpdatePayload:
    customer: Customer | None = strawberry.field(
        description="The customer as it is now; null when there are user errors."
    )
    user_errors: list[CustomerUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.input(description="Two profiles of one person: the source merges into the target.")
class CustomerMergeInput:
    source_customer_id: strawberry.ID = strawberry.field(
        description="The customer that goes away (kept, marked merged into the target)."
    )
    target_customer_id: strawberry.ID = strawberry.field(
        description="The customer that takes the identities, conversations and mentions."
    )


@strawberry.type(description="The surviving customer after the merge, or why there was none.")
class CustomerMergePayload:
    customer: Customer | None = strawberry.field(
        description="The target customer after the merge; null when there are user errors."
    )
    user_errors: list[CustomerUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


#: The merge use case's field names, as the input names them.
_MERGE_FIELDS = {"merged_id": "sourceCustomerId", "survivor_id": "targetCustomerId"}


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(
        description="Change a customer's name, VIP flag, notes or CRM id. Needs inbox:write."
    )
    async def customer_update(
        self,
        info: Info[ParleyContext, None],
        input: CustomerUpdateInput,
    ) -> CustomerUpdatePayload:
        context = info.context
        grantee = await context.grantee()
        try:
            _, customer_id = from_global_id(input.customer_id, expected_type="Customer")
            async with context.unit_of_work() as uow:
                customer = await update_customer(
                    uow,
                    grantee=grantee,
                    customer_id=customer_id,
                    display_name=input.display_name,
                    is_vip=input.is_vip,
                    notes=input.notes,
                    crm_id=input.crm_id,
                )
        except DomainError as error:
            return CustomerUpdatePayload(
                customer=None, user_errors=[_user_error(error, "customerId")]
            )
        return CustomerUpdatePayload(customer=Customer.from_model(customer), user_errors=[])

    @strawberry.mutation(
        description=(
            "Merge one customer into another: identities, conversations and mentions move "
            "to the target; the source is marked merged. Needs inbox:write."
        )
    )
    async def customer_merge(
        self,
        info: Info[ParleyContext, None],
        input: CustomerMergeInput,
    ) -> CustomerMergePayload:
        context = info.context
        grantee = await context.grantee()
        field = "sourceCustomerId"
        try:
            _, source_id = from_global_id(input.source_customer_id, expected_type="Customer")
            field = "targetCustomerId"
            _, target_id = from_global_id(input.target_customer_id, expected_type="Customer")
            async with context.unit_of_work() as uow:
                customer = await merge_customer_into(
                    uow, grantee=grantee, source_id=source_id, target_id=target_id
                )
        except DomainError as error:
            found = _user_error(error, field)
            found.field = _MERGE_FIELDS.get(found.field or "", found.field)
            return CustomerMergePayload(customer=None, user_errors=[found])
        return CustomerMergePayload(customer=Customer.from_model(customer), user_errors=[])
