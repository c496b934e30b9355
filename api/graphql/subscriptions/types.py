"""Types of the live subscriptions."""

from datetime import datetime

import strawberry

from api.graphql.ids import to_global_id
from domain.realtime.rules import InboxEvent as InboxEventMessage


@strawberry.type(
    description=(
        "A change in the inbox, as it happens: ids only, never message content. "
        "Fetch what changed with `node(id:)` or the matching query. Delivery is at "
        "least once, in order per tenant; after a reconnect, query the inbox again "
        "for what happened while disconnected."
    )
)
class InboxEvent:
    kind: str = strawberry.field(
        description=(
            "What happened, e.g. `opened`, `message_added`, `message_edited`, "
            "`message_deleted`, `reopened`, `assigned`, `status_changed`, `triaged`, "
            "`incident_opened`, `sla_warning`, `sla_breached`, `presence_changed`. New kinds "
            "may appear: ignore the ones you do not know."
        )
    )
    brand_id: strawberry.ID = strawberry.field(description="The brand the change belongs to.")
    conversation_id: strawberry.ID | None = strawberry.field(
        description="The conversation that changed; null for brand-wide events (incidents)."
    )
    mention_id: strawberry.ID | None = strawberry.field(
        description="The mention that caused the change, when there is one."
    )
    occurred_at: datetime = strawberry.field(description="When the change was recorded.")

    @classmethod
    def from_message(cls, event: InboxEventMessage) -> "InboxEvent":
        return cls(
            kind=event.kind,
            brand_id=to_global_id("Brand", event.brand_id),
            conversation_id=(
                to_global_id("Conversation", event.conversation_id)
                if event.conversation_id
                else None
            ),
            mention_id=to_global_id("Mention", event.mention_id) if event.mention_id else None,
            occurred_at=event.occurred_at,
        )
