"""GraphQL types of mentions: messages with their triage labels, and search hits."""

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.brands.types import Brand
from api.graphql.context import ParleyContext
from api.graphql.ids import to_global_id
from api.graphql.relay import Node, PageInfo
from domain.mentions.models import Mention as MentionModel
from domain.mentions.models import MentionDirection

strawberry.enum(
    MentionDirection,
    name="MentionDirection",
    description="Whether a message came from a customer (inbound) or from the brand (outbound).",
)


def _text(labels: dict[str, Any], name: str) -> str | None:
    value = labels.get(name)
    return value if isinstance(value, str) and value else None


@strawberry.type(description="Who wrote a message, as the platform names them.")
class MentionAuthor:
    platform_user_id: str | None = strawberry.field(description="The platform's id of the author.")
    handle: str | None = strawberry.field(description="The author's handle, without '@'.")
    display_name: str | None = strawberry.field(description="The author's display name.")


@strawberry.type(description="What triage (or an agent's correction) says about a message.")
class TriageLabels:
    priority: str | None = strawberry.field(description="hot, cold or noise; null until triaged.")
    category: str | None = strawberry.field(description="What the message is about.")
    sentiment: str | None = strawberry.field(description="positive, neutral or negative.")
    language: str | None = strawberry.field(description="ISO 639-1 code of the language.")
    department: str | None = strawberry.field(
        description="The escalation route suggested (a department of the brand), if any."
    )
    sensitive_kinds: list[str] = strawberry.field(
        description="Kinds of sensitive data found (card number, IBAN, …), sorted."
    )
    needs_private: bool = strawberry.field(
        description="Whether the answer should move to a private channel."
    )
    incident: str | None = strawberry.field(
        description="Key of the incident (a spike of similar messages) this belongs to."
    )
    corrected: bool = strawberry.field(description="Whether an agent corrected the labels.")

    @classmethod
    def from_model(cls, mention: MentionModel) -> "TriageLabels":
        labels = dict(mention.labels)
        sensitive = labels.get("sensitive_data")
        return cls(
            priority=_text(labels, "priority"),
            category=_text(labels, "category"),
            sentiment=_text(labels, "sentiment"),
            language=mention.language or _text(labels, "language"),
            department=_text(labels, "escalate_to"),
            sensitive_kinds=sorted(str(kind) for kind in sensitive)
            if isinstance(sensitive, list)
            else [],
            needs_private=bool(labels.get("needs_private")),
            incident=_text(labels, "incident"),
            corrected=bool(labels.get("corrected")),
        )


@strawberry.type(description="One post, comment, reply, DM or review about a brand.")
class Mention(Node):
    text: str = strawberry.field(description="The text as last edited (empty once deleted).")
    author: MentionAuthor = strawberry.field(description="Who wrote it.")
    kind: str = strawberry.field(description="post, comment, reply, dm or review.")
    platform: str = strawberry.field(description="The platform it was posted on.")
    direction: MentionDirection = strawberry.field(description="From the customer or the brand.")
    posted_at: datetime = strawberry.field(
        description="When the author posted it (when received, if unknown)."
    )
    permalink: str | None = strawberry.field(
        description="Link to the message on the platform, if it has one."
    )
    edited_at: datetime | None = strawberry.field(description="When it was last edited, if ever.")
    deleted_at: datetime | None = strawberry.field(
        description="When it was deleted on the platform, if it was."
    )
    hidden_at: datetime | None = strawberry.field(
        description="When it was hidden on the platform, if it is."
    )
    reasons: list[str] = strawberry.field(
        description="Why triage chose these labels, in words an agent reads."
    )
    conversation_id: strawberry.ID | None = strawberry.field(
        description="Global id of the conversation it belongs to, if any."
    )
    model: strawberry.Private[MentionModel]

    @classmethod
    def from_model(cls, mention: MentionModel) -> "Mention":
        conversation_id = mention.conversation_id
        return cls(
            id=to_global_id("Mention", mention.id),
            text="" if mention.deleted_at is not None else mention.text,
            author=MentionAuthor(
                platform_user_id=mention.author_platform_id,
                handle=mention.author_handle,
                display_name=mention.author_name,
            ),
            kind=mention.kind,
            platform=mention.platform,
            direction=mention.direction,
            posted_at=mention.posted_at or mention.received_at,
            permalink=mention.permalink,
            edited_at=mention.edited_at,
            deleted_at=mention.deleted_at,
            hidden_at=mention.hidden_at,
            reasons=[str(reason) for reason in mention.reasons],
            conversation_id=None
            if conversation_id is None
            else to_global_id("Conversation", conversation_id),
            model=mention,
        )

    @strawberry.field(description="Triage labels as typed fields.")
    def labels(self) -> TriageLabels:
        return TriageLabels.from_model(self.model)

    @strawberry.field(description="The brand it is about.")
    async def brand(self, info: Info[ParleyContext, None]) -> Brand:
        brand = await info.context.loaders.brand.load(self.model.brand_id)
        assert brand is not None
        return Brand.from_model(brand)


@strawberry.type(description="Highlighted passages of one searched field; matches in <em> tags.")
class Highlight:
    field: str = strawberry.field(description="The field the passages come from.")
    fragments: list[str] = strawberry.field(
        description="HTML-escaped passages with the matching words in <em>…</em>."
    )


@strawberry.type(description="One search hit: the mention, its relevance and highlights.")
class MentionSearchEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this hit in the results.")
    node: Mention = strawberry.field(description="The matching mention.")
    score: float = strawberry.field(description="Relevance; higher is better.")
    highlight: list[Highlight] = strawberry.field(description="Where the query matched.")


@strawberry.type(description="A page of mention search results, best first.")
class MentionSearchConnection:
    edges: list[MentionSearchEdge] = strawberry.field(description="The page's hits.")
    page_info: PageInfo = strawberry.field(description="How to fetch adjacent pages.")
    total_count: int | None = strawberry.field(
        description=(
            "Matches of the query and every filter, counted by the index: exact up to "
            "10,000 (then 10,000)."
        )
    )
