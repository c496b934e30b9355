"""GraphQL inputs of mention search."""

from datetime import datetime

import strawberry

from api.graphql.conversations.types import ConversationPriority


@strawberry.input(description="Narrows a mention search; unset fields do not filter.")
class MentionSearchFilter:
    brand_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these brands."
    )
    channel_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these channels."
    )
    languages: list[str] | None = strawberry.field(
        default=None, description="Only these languages (ISO 639-1)."
    )
    priorities: list[ConversationPriority] | None = strawberry.field(
        default=None, description="Only these triage priorities."
    )
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Posted at or after this time."
    )
    to: datetime | None = strawberry.field(default=None, description="Posted before this time.")
