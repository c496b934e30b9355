"""GraphQL inputs of the inbox: its filter and orders."""

import strawberry

from api.graphql.conversations.types import ConversationPriority
from domain.conversations.inbox import InboxOrder as DomainInboxOrder
from domain.conversations.models import ConversationStatus

strawberry.enum(
    DomainInboxOrder,
    name="InboxOrder",
    description=(
        "Orders of the inbox. PRIORITY (the default): hot first, then SLA due soonest "
        "(conversations without a running SLA last), then oldest. NEWEST/OLDEST: by "
        "opening time. LAST_MESSAGE: latest message first."
    ),
)


@strawberry.input(description="What the inbox shows; unset fields do not filter.")
class InboxFilter:
    brand_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these brands (ignored ids match nothing)."
    )
    statuses: list[ConversationStatus] | None = strawberry.field(
        default=None, description="Only these statuses."
    )
    priorities: list[ConversationPriority] | None = strawberry.field(
        default=None, description="Only these priorities."
    )
    assignee_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only conversations assigned to these users."
    )
    unassigned: bool = strawberry.field(
        default=False,
        description="Also (or, without assigneeIds, only) conversations assigned to nobody.",
    )
    channel_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these channels."
    )
    languages: list[str] | None = strawberry.field(
        default=None, description="Only conversations with a message in one of these languages."
    )
    categories: list[str] | None = strawberry.field(
        default=None, description="Only conversations with a message in one of these categories."
    )
    incident_key: str | None = strawberry.field(
        default=None, description="Only conversations with a message in this incident."
    )
    text: str | None = strawberry.field(
        default=None,
        description=(
            "Only conversations with a message matching this full-text query "
            "(among the 500 best-matching messages)."
        ),
    )
    include_snoozed: bool = strawberry.field(
        default=False, description="Also show conversations snoozed until later."
    )
