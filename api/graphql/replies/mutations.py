"""Mutations of replies: draft, edit, submit, send, cancel, move to private, react.

Each runs one use case of `domain.replies.service` in one unit of work and
commits once; a send's job is enqueued only after that commit, so a refused or
failed mutation queues nothing.
"""

from dataclasses import dataclass, field
from typing import Generic, TypeVar

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.conversations.types import Conversation
from api.graphql.ids import from_global_id, input_id, to_global_id
from api.graphql.replies.errors import ReplyUserError, approval_required_error, reply_user_error
from api.graphql.replies.types import Reaction, Reply, ToneFinding, tone_findings
from api.graphql.use_cases import UseCase, run_use_case
from domain.authz.policy import Grantee
from domain.db.uow import UnitOfWork
from domain.replies.errors import ToneFindingsError
from domain.replies.models import Reply as ReplyModel
from domain.replies.models import ReplyKind, ReplyStatus
from domain.replies.service import (
    MovedToPrivate,
    cancel_reply,
    create_draft,
    move_to_private,
    react,
    send_reply,
    submit_reply,
    update_draft,
)
from domain.shared.errors import DomainError

ResultT = TypeVar("ResultT")


# --- inputs ---------------------------------------------------------------------------------


@strawberry.input(description="A new draft reply in a conversation.")
class ReplyDraftCreateInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    text: str = strawberry.field(description="What to say (at most 10,000 characters).")
    kind: ReplyKind | None = strawberry.field(
        default=None,
        description="PUBLIC_REPLY or PRIVATE_MESSAGE; null: public in a public thread, "
        "private in a direct conversation.",
    )
    in_reply_to_mention_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The customer's message it answers; null: the customer's latest.",
    )
    qna_version_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Approved Q&A versions the text is built from."
    )


@strawberry.input(description="New text and/or Q&A versions of a draft.")
class ReplyDraftUpdateInput:
    reply_id: strawberry.ID = strawberry.field(description="The draft.")
    text: str | None = strawberry.field(default=None, description="New text; null: unchanged.")
    qna_version_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The Q&A versions it uses now; null: unchanged."
    )


@strawberry.input(description="A draft to submit: tone check, then approval if required.")
class ReplySubmitInput:
    reply_id: strawberry.ID = strawberry.field(description="The draft.")


@strawberry.input(description="A reply to send (a draft is submitted first).")
class ReplySendInput:
    reply_id: strawberry.ID = strawberry.field(description="The reply.")


@strawberry.input(description="A reply to withdraw before it goes out.")
class ReplyCancelInput:
    reply_id: strawberry.ID = strawberry.field(description="The reply.")


@strawberry.input(description="A public thread to continue in private.")
class ConversationMoveToPrivateInput:
    conversation_id: strawberry.ID = strawberry.field(description="The public thread.")
    public_text: str = strawberry.field(
        description="The public acknowledgement (with substance: a bare redirect is refused "
        "by the tone check on submission)."
    )
    private_text: str = strawberry.field(description="The private message to the customer.")


@strawberry.input(description="A reaction to a customer's message.")
class MentionReactInput:
    mention_id: strawberry.ID = strawberry.field(description="The customer's message.")
    reaction: Reaction = strawberry.field(default=Reaction.LIKE, description="Like or heart.")


# --- payloads -------------------------------------------------------------------------------


@strawberry.type(description="A reply after a change, or why it did not change.")
class ReplyPayload:
    reply: Reply | None = strawberry.field(
        description="The reply as it is now; null when nothing changed."
    )
    user_errors: list[ReplyUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(description="The new draft with its tone findings, or why none was made.")
class ReplyDraftCreatePayload(ReplyPayload):
    pass


@strawberry.type(description="The changed draft with its new tone findings, or why not.")
class ReplyDraftUpdatePayload(ReplyPayload):
    pass


@strawberry.type(description="The withdrawn reply, or why it could not be withdrawn.")
class ReplyCancelPayload(ReplyPayload):
    pass


@strawberry.type(description="The reaction, queued for delivery, or why not.")
class MentionReactPayload(ReplyPayload):
    pass


@strawberry.type(
    description="The submitted reply (APPROVED, or PENDING_APPROVAL when the client must "
    "sign off), or why it was not submitted."
)
class ReplySubmitPayload(ReplyPayload):
    tone_findings: list[ToneFinding] = strawberry.field(
        description="With TONE_FINDINGS: the findings of severity error to fix; else empty."
    )


@strawberry.type(
    description="The queued reply, or why it was not queued. A draft that needs approval "
    "is submitted: it comes back PENDING_APPROVAL with the user error APPROVAL_REQUIRED."
)
class ReplySendPayload(ReplyPayload):
    tone_findings: list[ToneFinding] = strawberry.field(
        description="With TONE_FINDINGS: the findings of severity error to fix; else empty."
    )


@strawberry.type(description="Both drafts of a move to private and the private twin, or why not.")
class ConversationMoveToPrivatePayload:
    public_reply: Reply | None = strawberry.field(
        description="The draft public acknowledgement; null when nothing changed."
    )
    private_reply: Reply | None = strawberry.field(
        description="The draft private message; null when nothing changed."
    )
    twin_conversation_id: strawberry.ID | None = strawberry.field(
        description="Global id of the private conversation linked to the public thread."
    )
    user_errors: list[ReplyUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )

    @strawberry.field(description="The private conversation linked to the public thread.")
    async def twin_conversation(self, info: Info[ParleyContext, None]) -> Conversation | None:
        if self.twin_conversation_id is None:
            return None
        conversation_id = from_global_id(self.twin_conversation_id)[1]
        found = await info.context.loaders.conversation.load(conversation_id)
        return None if found is None else Conversation.from_model(found)


# --- running a use case ---------------------------------------------------------------------


@dataclass
class _Outcome(Generic[ResultT]):
    value: ResultT | None
    errors: list[ReplyUserError] = field(default_factory=list)
    findings: list[ToneFinding] = field(default_factory=list)


async def _run(
    context: ParleyContext, default_field: str, use_case: UseCase[ResultT]
) -> _Outcome[ResultT]:
    """Run one use case as the caller; domain errors become user errors."""
    try:
        return _Outcome(await run_use_case(context, use_case))
    except DomainError as error:
        blocking = tone_findings(error.findings) if isinstance(error, ToneFindingsError) else []
        return _Outcome(None, [reply_user_error(error, default_field)], blocking)


def _reply(value: ReplyModel | None) -> Reply | None:
    return None if value is None else Reply.from_model(value)


@strawberry.type
class ReplyMutations:
    @strawberry.mutation(
        description="Draft a reply in a conversation; the tone check's findings come with it. "
        "Needs inbox:write on the brand."
    )
    async def reply_draft_create(
        self, info: Info[ParleyContext, None], input: ReplyDraftCreateInput
    ) -> ReplyDraftCreatePayload:
        async def use_case(uow: UnitOfWork, grantee: Grantee) -> ReplyModel:
            mention_id = input.in_reply_to_mention_id
            return await create_draft(
                uow,
                grantee=grantee,
                conversation_id=input_id(input.conversation_id, "Conversation", "conversationId"),
                text=input.text,
                kind=None if input.kind is None else ReplyKind(input.kind),
                qna_version_ids=[
                    input_id(value, "QnaVersion", "qnaVersionIds")
                    for value in input.qna_version_ids
                ],
                in_reply_to_mention_id=(
                    None
                    if mention_id is None
                    else input_id(mention_id, "Mention", "inReplyToMentionId")
                ),
            )

        outcome = await _run(info.context, "conversationId", use_case)
        return ReplyDraftCreatePayload(reply=_reply(outcome.value), user_errors=outcome.errors)

    @strawberry.mutation(
        description="Change a draft's text or Q&A versions; the tone check runs again. "
        "Needs inbox:write; only drafts change (INVALID_STATUS otherwise)."
    )
    async def reply_draft_update(
        self, info: Info[ParleyContext, None], input: ReplyDraftUpdateInput
    ) -> ReplyDraftUpdatePayload:
        async def use_case(uow: UnitOfWork, grantee: Grantee) -> ReplyModel:
            versions = input.qna_version_ids
            return await update_draft(
                uow,
                grantee=grantee,
                reply_id=input_id(input.reply_id, "Reply", "replyId"),
                text=input.text,
                qna_version_ids=(
                    None
                    if versions is None
                    else [input_id(value, "QnaVersion", "qnaVersionIds") for value in versions]
                ),
            )

        outcome = await _run(info.context, "replyId", use_case)
        return ReplyDraftUpdatePayload(reply=_reply(outcome.value), user_errors=outcome.errors)

    @strawberry.mutation(
        description="Submit a draft: tone findings of severity error stop it (TONE_FINDINGS); "
        "then it awaits the client's approval when the brand's rules require it, or is "
        "approved at once. Needs inbox:write."
    )
    async def reply_submit(
        self, info: Info[ParleyContext, None], input: ReplySubmitInput
    ) -> ReplySubmitPayload:
        async def use_case(uow: UnitOfWork, grantee: Grantee) -> ReplyModel:
            return await submit_reply(
                uow, grantee=grantee, reply_id=input_id(input.reply_id, "Reply", "replyId")
            )

        outcome = await _run(info.context, "replyId", use_case)
        return ReplySubmitPayload(
            reply=_reply(outcome.value), user_errors=outcome.errors, tone_findings=outcome.findings
        )

    @strawberry.mutation(
        description="Queue a reply for delivery through its channel (a draft is submitted "
        "first). Needs reply:send on the brand: agents yes, client roles never."
    )
    async def reply_send(
        self, info: Info[ParleyContext, None], input: ReplySendInput
    ) -> ReplySendPayload:
        queue = info.context.services.queue

        async def use_case(uow: UnitOfWork, grantee: Grantee) -> ReplyModel:
            return await send_reply(
                uow,
                grantee=grantee,
                reply_id=input_id(input.reply_id, "Reply", "replyId"),
                queue=queue,
            )

        outcome = await _run(info.context, "replyId", use_case)
        errors = outcome.errors
        if outcome.value is not None and outcome.value.status is ReplyStatus.PENDING_APPROVAL:
            errors = [approval_required_error()]
        return ReplySendPayload(
            reply=_reply(outcome.value), user_errors=errors, tone_findings=outcome.findings
        )

    @strawberry.mutation(
        description="Withdraw a reply that has not started sending. Needs inbox:write."
    )
    async def reply_cancel(
        self, info: Info[ParleyContext, None], input: ReplyCancelInput
    ) -> ReplyCancelPayload:
        async def use_case(uow: UnitOfWork, grantee: Grantee) -> ReplyModel:
            return await cancel_reply(
                uow, grantee=grantee, reply_id=input_id(input.reply_id, "Reply", "replyId")
            )

        outcome = await _run(info.context, "replyId", use_case)
        return ReplyCancelPayload(reply=_reply(outcome.value), user_errors=outcome.errors)

    @strawberry.mutation(
        description="Continue a public thread in private: opens (or reuses) the customer's "
        "direct conversation on the same channel, links the two both ways, and drafts the "
        "public acknowledgement and the private message (send each with replySend). "
        "Needs inbox:write."
    )
    async def conversation_move_to_private(
        self, info: Info[ParleyContext, None], input: ConversationMoveToPrivateInput
    ) -> ConversationMoveToPrivatePayload:
        async def use_case(uow: UnitOfWork, grantee: Grantee) -> MovedToPrivate:
            return await move_to_private(
                uow,
                grantee=grantee,
                conversation_id=input_id(input.conversation_id, "Conversation", "conversationId"),
                public_text=input.public_text,
                private_text=input.private_text,
            )

        outcome = await _run(info.context, "conversationId", use_case)
        moved = outcome.value
        if moved is None:
            return ConversationMoveToPrivatePayload(
                public_reply=None,
                private_reply=None,
                twin_conversation_id=None,
                user_errors=outcome.errors,
            )
        return ConversationMoveToPrivatePayload(
            public_reply=Reply.from_model(moved.public_reply),
            private_reply=Reply.from_model(moved.private_reply),
            twin_conversation_id=to_global_id("Conversation", moved.private_conversation_id),
            user_errors=[],
        )

    @strawberry.mutation(
        description="React to a customer's message (Facebook, X, Telegram): queued at once. "
        "Needs reply:send on the brand."
    )
    async def mention_react(
        self, info: Info[ParleyContext, None], input: MentionReactInput
    ) -> MentionReactPayload:
        queue = info.context.services.queue

        async def use_case(uow: UnitOfWork, grantee: Grantee) -> ReplyModel:
            return await react(
                uow,
                grantee=grantee,
                mention_id=input_id(input.mention_id, "Mention", "mentionId"),
                reaction=Reaction(input.reaction).value,
                queue=queue,
            )

        outcome = await _run(info.context, "mentionId", use_case)
        return MentionReactPayload(reply=_reply(outcome.value), user_errors=outcome.errors)
