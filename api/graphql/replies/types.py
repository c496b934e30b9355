"""GraphQL types of replies and the tone check's findings; registers the `Reply` node."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.admin.types import User
from api.graphql.context import ParleyContext
from api.graphql.conversations.types import Conversation
from api.graphql.ids import to_global_id
from api.graphql.relay import Node, register_node
from domain.replies.models import Reply as ReplyModel
from domain.replies.models import ReplyKind, ReplyStatus
from domain.replies.service import replies_readable_by
from domain.tone.rules import Severity, ToneFindingCode

strawberry.enum(
    ReplyKind,
    name="ReplyKind",
    description="A public reply in the thread, a private message, or a reaction.",
)
strawberry.enum(
    ReplyStatus,
    name="ReplyStatus",
    description=(
        "Where a reply stands: draft → pending approval (when the brand's rules require it) "
        "→ approved → queued → sending → sent or failed; cancelled before it goes out."
    ),
)
strawberry.enum(
    ToneFindingCode,
    name="ToneFindingKind",
    description="What the tone check found wrong with a text.",
)
strawberry.enum(
    Severity,
    name="ToneFindingSeverity",
    description="ERROR must be fixed before the reply can be submitted; WARNING is advice.",
)


@strawberry.enum(description="How the brand reacts to a customer's message.")
class Reaction(StrEnum):
    LIKE = "like"
    HEART = "heart"


@strawberry.type(description="One problem the tone check found in a reply's text.")
class ToneFinding:
    kind: ToneFindingCode = strawberry.field(description="What is wrong.")
    message: str = strawberry.field(description="What is wrong, for the agent.")
    start: int = strawberry.field(description="Character offset where the problem starts.")
    end: int = strawberry.field(description="Character offset where it ends (exclusive).")
    severity: Severity = strawberry.field(description="Whether it blocks submission.")

    @classmethod
    def from_stored(cls, finding: Mapping[str, Any]) -> "ToneFinding":
        return cls(
            kind=ToneFindingCode(finding["code"]),
            message=str(finding["message"]),
            start=int(finding["start"]),
            end=int(finding["end"]),
            severity=Severity(finding["severity"]),
        )


def tone_findings(findings: Sequence[Mapping[str, Any]]) -> list[ToneFinding]:
    return [ToneFinding.from_stored(finding) for finding in findings]


def _optional_id(type_name: str, object_id: uuid.UUID | None) -> strawberry.ID | None:
    return None if object_id is None else to_global_id(type_name, object_id)


@strawberry.type(description="What the brand says (or how it reacts) in a conversation.")
class Reply(Node):
    model: strawberry.Private[ReplyModel]

    @classmethod
    def from_model(cls, reply: ReplyModel) -> "Reply":
        return cls(id=to_global_id("Reply", reply.id), model=reply)

    @strawberry.field(description="Global id of the conversation it belongs to.")
    def conversation_id(self) -> strawberry.ID:
        return to_global_id("Conversation", self.model.conversation_id)

    @strawberry.field(description="The conversation it belongs to.")
    async def conversation(self, info: Info[ParleyContext, None]) -> Conversation:
        conversation = await info.context.loaders.conversation.load(self.model.conversation_id)
        # Replies and conversations are readable under the same permission on the same brand.
        assert conversation is not None
        return Conversation.from_model(conversation)

    @strawberry.field(description="Public reply, private message or reaction.")
    def kind(self) -> ReplyKind:
        return self.model.kind

    @strawberry.field(description="Where the reply stands.")
    def status(self) -> ReplyStatus:
        return self.model.status

    @strawberry.field(
        description="The text as written (the signature the system appends is not part of it)."
    )
    def text(self) -> str:
        return self.model.text

    @strawberry.field(description="For reactions: like or heart; null otherwise.")
    def reaction(self) -> Reaction | None:
        return None if self.model.reaction is None else Reaction(self.model.reaction)

    @strawberry.field(description="Global id of the customer's message it answers, if any.")
    def in_reply_to_mention_id(self) -> strawberry.ID | None:
        return _optional_id("Mention", self.model.in_reply_to_mention_id)

    @strawberry.field(description="The tone check's findings on the current text.")
    def tone_findings(self) -> list[ToneFinding]:
        return tone_findings(self.model.tone_findings)

    @strawberry.field(description="Whether the client must approve it before it can be sent.")
    def approval_required(self) -> bool:
        return self.model.approval_required

    @strawberry.field(
        description="Why approval is required, e.g. vip_customer, crisis_mode, department:legal."
    )
    def approval_reasons(self) -> list[str]:
        return list(self.model.approval_reasons)

    @strawberry.field(description="Global ids of the approved Q&A versions the text uses.")
    def qna_version_ids(self) -> list[strawberry.ID]:
        return [
            to_global_id("QnaVersion", uuid.UUID(value)) for value in self.model.qna_version_ids
        ]

    @strawberry.field(
        description="Global id of the approved tone guideline version checked against; "
        "null while the brand has guidelines only in its settings."
    )
    def tone_version_id(self) -> strawberry.ID | None:
        return _optional_id("ToneGuidelineVersion", self.model.tone_version_id)

    @strawberry.field(description="The platform's id of the delivered message; null until sent.")
    def platform_message_id(self) -> str | None:
        return self.model.platform_message_id

    @strawberry.field(description="Delivery attempts so far (requests to the platform).")
    def attempts(self) -> int:
        return self.model.delivery_attempts

    @strawberry.field(description="The platform's own message when delivery failed; else null.")
    def last_error(self) -> str | None:
        return self.model.last_error

    @strawberry.field(description="When it was submitted (tone check passed).")
    def submitted_at(self) -> datetime | None:
        return self.model.submitted_at

    @strawberry.field(description="When it was queued for delivery.")
    def queued_at(self) -> datetime | None:
        return self.model.queued_at

    @strawberry.field(description="When the platform accepted it.")
    def sent_at(self) -> datetime | None:
        return self.model.sent_at

    @strawberry.field(description="When it was drafted.")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="The member who wrote it; null for API clients.")
    async def author(self, info: Info[ParleyContext, None]) -> User | None:
        if self.model.author_user_id is None:
            return None
        user = await info.context.loaders.user.load(self.model.author_user_id)
        return None if user is None else User.from_model(user)

    @strawberry.field(
        description="After a move to private: global id of the other conversation of the pair."
    )
    def twin_conversation_id(self) -> strawberry.ID | None:
        return _optional_id("Conversation", self.model.twin_conversation_id)


async def _replies(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    grantee = await context.grantee()
    async with context.unit_of_work() as uow:
        found = await replies_readable_by(uow, grantee=grantee, reply_ids=ids)
    return [
        None if reply_id not in found else Reply.from_model(found[reply_id]) for reply_id in ids
    ]


register_node("Reply", _replies)
