"""GraphQL types of conversations: the thread, its timeline, notes and events."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.admin.types import User
from api.graphql.brands.types import Brand, Channel
from api.graphql.context import ParleyContext
from api.graphql.ids import to_global_id
from api.graphql.mentions.types import Mention
from api.graphql.relay import Connection, Node, connection_from_rows, page_request
from domain.conversations.models import Conversation as ConversationModel
from domain.conversations.models import (
    ConversationEvent as ConversationEventModel,
)
from domain.conversations.models import ConversationKind, ConversationStatus
from domain.conversations.models import ConversationNote as ConversationNoteModel
from domain.conversations.reads import EVENT_KEYS, TIMELINE_KEYS
from domain.conversations.rules import HandledBy

if TYPE_CHECKING:
    from api.graphql.customers.types import Customer
    from api.graphql.sla.types import ConversationSla

strawberry.enum(
    ConversationStatus,
    name="ConversationStatus",
    description="Where a conversation stands in the team's work.",
)
strawberry.enum(
    ConversationKind,
    name="ConversationKind",
    description="A public thread under one root post, or a direct (private) conversation.",
)
strawberry.enum(
    HandledBy, name="HandledBy", description="Whether a bot or a human handled a conversation."
)


@strawberry.enum(description="Triage priority of a conversation: its hottest message's.")
class ConversationPriority(StrEnum):
    HOT = "hot"
    COLD = "cold"
    NOISE = "noise"


@strawberry.type(description="Someone who acted: a user, an API client or the system.")
class Actor:
    kind: str = strawberry.field(description="user, api_client or system.")
    id: str = strawberry.field(description="Global user id for users; the raw id otherwise.")


def _actor(kind: str, actor_id: str) -> Actor:
    if kind == "user":
        try:
            return Actor(kind=kind, id=to_global_id("User", uuid.UUID(actor_id)))
        except ValueError:
            pass
    return Actor(kind=kind, id=actor_id)


@strawberry.type(description="An internal note, visible to the team, never to the customer.")
class ConversationNote(Node):
    body: str = strawberry.field(description="The note's text.")
    author: Actor = strawberry.field(description="Who wrote it.")
    created_at: datetime = strawberry.field(description="When it was written.")

    @classmethod
    def from_model(cls, note: ConversationNoteModel) -> "ConversationNote":
        return cls(
            id=to_global_id("ConversationNote", note.id),
            body=note.body,
            author=_actor(note.author_kind, note.author_id),
            created_at=note.created_at,
        )


@strawberry.type(description="Something that happened to a conversation (opened, assigned …).")
class ConversationEvent:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    kind: str = strawberry.field(description="What happened, e.g. opened, assigned.")
    actor: Actor = strawberry.field(description="Who did it.")
    data: JSON = strawberry.field(description="Details of the event (ids, from/to values).")
    created_at: datetime = strawberry.field(description="When it happened.")

    @classmethod
    def from_model(cls, event: ConversationEventModel) -> "ConversationEvent":
        return cls(
            id=to_global_id("ConversationEvent", event.id),
            kind=event.kind,
            actor=_actor(event.actor_kind, event.actor_id),
            data=cast("JSON", dict(event.data)),
            created_at=event.created_at,
        )


def _timeline_cursor(mention: Any) -> tuple[Any, ...]:
    return (mention.posted_at or mention.received_at, mention.id)


@strawberry.type(description="A customer's thread with a brand on one channel.")
class Conversation(Node):
    # Plain values are fields, not resolvers: an inbox page shows hundreds of them.
    status: ConversationStatus = strawberry.field(description="Where the conversation stands.")
    priority: ConversationPriority | None = strawberry.field(
        description="Hottest triage priority of its messages; null until triaged."
    )
    kind: ConversationKind = strawberry.field(description="Public thread or direct conversation.")
    handled_by: HandledBy | None = strawberry.field(
        description="Whether a bot or a human handled it; null until one did."
    )
    snoozed_until: datetime | None = strawberry.field(
        description="Hidden from the inbox until this time, if snoozed."
    )
    opened_at: datetime = strawberry.field(description="When the first message arrived.")
    last_message_at: datetime = strawberry.field(description="When the latest message was posted.")
    resolved_at: datetime | None = strawberry.field(
        description="When it was resolved, while it is resolved or closed."
    )
    message_count: int = strawberry.field(description="How many messages it holds.")
    sla_due_at: datetime | None = strawberry.field(
        description="Earliest due time of its running SLA clocks (raw); null when none runs."
    )
    model: strawberry.Private[ConversationModel]

    @classmethod
    def from_model(cls, conversation: ConversationModel) -> "Conversation":
        return cls(
            id=to_global_id("Conversation", conversation.id),
            status=conversation.status,
            priority=None
            if conversation.priority is None
            else ConversationPriority(conversation.priority),
            kind=conversation.kind,
            handled_by=None
            if conversation.handled_by is None
            else HandledBy(conversation.handled_by),
            snoozed_until=conversation.snoozed_until,
            opened_at=conversation.opened_at,
            last_message_at=conversation.last_message_at,
            resolved_at=conversation.resolved_at,
            message_count=conversation.message_count,
            sla_due_at=conversation.sla_due_at,
            model=conversation,
        )

    @strawberry.field(description="The brand it is with.")
    async def brand(self, info: Info[ParleyContext, None]) -> Brand:
        brand = await info.context.loaders.brand.load(self.model.brand_id)
        assert brand is not None
        return Brand.from_model(brand)

    @strawberry.field(description="The channel it runs on.")
    async def channel(self, info: Info[ParleyContext, None]) -> Channel:
        channel = await info.context.loaders.channel.load(self.model.channel_id)
        assert channel is not None
        return Channel.from_model(channel)

    @strawberry.field(description="The customer who wrote.")
    async def customer(
        self, info: Info[ParleyContext, None]
    ) -> Annotated["Customer", strawberry.lazy("api.graphql.customers.types")]:
        # Imported here: customers' types show conversations, conversations show customers.
        from api.graphql.customers.types import Customer

        customer = await info.context.loaders.customer.load(self.model.customer_id)
        assert customer is not None
        return Customer.from_model(customer)

    @strawberry.field(description="The member working on it; null when unassigned.")
    async def assignee(self, info: Info[ParleyContext, None]) -> User | None:
        if self.model.assignee_id is None:
            return None
        user = await info.context.loaders.user.load(self.model.assignee_id)
        return None if user is None else User.from_model(user)

    @strawberry.field(
        description=(
            "Its SLA: due times of the first response, next response and resolution, "
            "whether a target was breached, remaining business time, and the policy and "
            "brand event that set them."
        )
    )
    async def sla(
        self, info: Info[ParleyContext, None]
    ) -> Annotated["ConversationSla", strawberry.lazy("api.graphql.sla.types")]:
        from api.graphql.sla.types import ConversationSla

        value = await info.context.loaders.sla.load(self.model.id)
        assert value is not None
        return ConversationSla.from_value(value)

    @strawberry.field(description="The latest message, for inbox previews.")
    async def last_mention(self, info: Info[ParleyContext, None]) -> Mention | None:
        mention = await info.context.loaders.latest_mention.load(self.model.id)
        return None if mention is None else Mention.from_model(mention)

    @strawberry.field(description="The messages, oldest first.")
    async def mentions(
        self,
        info: Info[ParleyContext, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Mention]:
        page = page_request(
            first=first, after=after, last=last, before=before, cursor_length=len(TIMELINE_KEYS)
        )
        rows = await info.context.loaders.timeline.load((self.model.id, page))
        return connection_from_rows(
            rows, page, cursor_of=_timeline_cursor, node_of=Mention.from_model
        )

    @strawberry.field(description="Internal notes, oldest first.")
    async def notes(self, info: Info[ParleyContext, None]) -> list[ConversationNote]:
        notes = await info.context.loaders.notes.load(self.model.id)
        return [ConversationNote.from_model(note) for note in notes]

    @strawberry.field(description="What happened to it, oldest first.")
    async def events(
        self,
        info: Info[ParleyContext, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ConversationEvent]:
        page = page_request(
            first=first, after=after, last=last, before=before, cursor_length=len(EVENT_KEYS)
        )
        rows = await info.context.loaders.events.load((self.model.id, page))
        return connection_from_rows(
            rows,
            page,
            cursor_of=lambda event: (event.created_at, event.id),
            node_of=ConversationEvent.from_model,
        )
