"""GraphQL inputs of the customer list."""

import strawberry


@strawberry.input(description="Narrows the customer list; unset fields do not filter.")
class CustomerFilter:
    text: str | None = strawberry.field(
        default=None, description="Part of a name or handle (case-insensitive)."
    )
    brand_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only customers with a conversation on this brand."
    )
