"""Agents' work on a conversation: assign, status, snooze, note, handled-by.

Each mutation converts ids, calls one use case of `domain.conversations.work`
with the caller's grantee and maps domain errors to `userErrors` (nothing
changed when there are any).
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.conversations.types import Conversation, ConversationNote
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import error_code, error_field
from domain.conversations import work
from domain.conversations.errors import InvalidAssignee
from domain.conversations.models import Conversation as ConversationModel
from domain.conversations.models import ConversationStatus
from domain.conversations.rules import HandledBy
from domain.db.uow import UnitOfWork
from domain.shared.errors import DomainError


@strawberry.enum(description="Why a conversation mutation changed nothing.")
class ConversationErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"


@strawberry.type(description="A problem with a conversation mutation's input; nothing changed.")
class ConversationUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: ConversationErrorCode = strawberry.field(description="What went wrong, for programs.")


def _user_error(error: DomainError, default_field: str) -> ConversationUserError:
    return ConversationUserError(
        field=error_field(error, default_field),
        message=str(error),
        code=ConversationErrorCode[error_code(error).name],
    )


@strawberry.type(description="The conversation after a change, or why it did not change.")
class ConversationPayload:
    conversation: Conversation | None = strawberry.field(
        description="The conversation as it is now; null when there are user errors."
    )
    user_errors: list[ConversationUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(description="The conversation after assigning, or why it was not assigned.")
class ConversationAssignPayload(ConversationPayload):
    pass


@strawberry.type(description="The conversation after the status change, or why it did not change.")
class ConversationSetStatusPayload(ConversationPayload):
    pass


@strawberry.type(description="The conversation after snoozing, or why it was not snoozed.")
class ConversationSnoozePayload(ConversationPayload):
    pass


@strawberry.type(description="The conversation after marking who handled it, or why not.")
class ConversationMarkHandledByPayload(ConversationPayload):
    pass


PayloadT = TypeVar("PayloadT", bound=ConversationPayload)


async def _run(
    payload: type[PayloadT],
    info: Info[ParleyContext, None],
    conversation_id: strawberry.ID,
    use_case: Callable[[UnitOfWork, uuid.UUID], Awaitable[ConversationModel]],
) -> PayloadT:
    context = info.context
    try:
        _, raw_id = from_global_id(conversation_id, expected_type="Conversation")
        async with context.unit_of_work() as uow:
            conversation = await use_case(uow, raw_id)
    except DomainError as error:
        return payload(conversation=None, user_errors=[_user_error(error, "conversationId")])
    return payload(conversation=Conversation.from_model(conversation), user_errors=[])


@strawberry.input(description="Whom to give a conversation to.")
class ConversationAssignInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    assignee_id: strawberry.ID | None = strawberry.field(
        description="A member who may work the brand's inbox; null to unassign."
    )


@strawberry.input(description="The status to move a conversation to.")
class ConversationSetStatusInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    status: ConversationStatus = strawberry.field(
        description="The new status; resolving stamps resolvedAt."
    )


@strawberry.input(description="Until when to hide a conversation from the inbox.")
class ConversationSnoozeInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    until: datetime | None = strawberry.field(
        description="A future time at most 90 days ahead; null to unsnooze."
    )


@strawberry.input(description="An internal note to add to a conversation.")
class ConversationAddNoteInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    body: str = strawberry.field(description="The note, 1 to 10,000 characters.")


@strawberry.input(description="Who handled a conversation.")
class ConversationMarkHandledByInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    handled_by: HandledBy = strawberry.field(description="BOT or HUMAN.")


@strawberry.type(description="The note added, or why it was not.")
class ConversationAddNotePayload:
    note: ConversationNote | None = strawberry.field(
        description="The new note; null when there are user errors."
    )
    conversation: Conversation | None = strawberry.field(
        description="The conversation the note is on; null when there are user errors."
    )
    user_errors: list[ConversationUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type
class ConversationMutations:
    @strawberry.mutation(
        description="Give a conversation to a member (or to nobody). Needs inbox:write."
    )
    async def conversation_assign(
        self,
        info: Info[ParleyContext, None],
        input: ConversationAssignInput,
    ) -> ConversationAssignPayload:
        grantee = await info.context.grantee()
        assignee_global_id = input.assignee_id

        async def use_case(uow: UnitOfWork, conversation_id: uuid.UUID) -> ConversationModel:
            assignee_id = None
            if assignee_global_id is not None:
                try:
                    _, assignee_id = from_global_id(assignee_global_id, expected_type="User")
                except DomainError as error:
                    raise InvalidAssignee() from error
            return await work.assign_conversation(
                uow, grantee=grantee, conversation_id=conversation_id, assignee_id=assignee_id
            )

        return await _run(ConversationAssignPayload, info, input.conversation_id, use_case)

    @strawberry.mutation(
        description="Move a conversation to another status (see the allowed transitions)."
    )
    async def conversation_set_status(
        self,
        info: Info[ParleyContext, None],
        input: ConversationSetStatusInput,
    ) -> ConversationSetStatusPayload:
        grantee = await info.context.grantee()

        async def use_case(uow: UnitOfWork, conversation_id: uuid.UUID) -> ConversationModel:
            return await work.set_conversation_status(
                uow,
                grantee=grantee,
                conversation_id=conversation_id,
                status=ConversationStatus(input.status),
            )

        return await _run(ConversationSetStatusPayload, info, input.conversation_id, use_case)

    @strawberry.mutation(description="Hide a conversation from the inbox until a time.")
    async def conversation_snooze(
        self,
        info: Info[ParleyContext, None],
        input: ConversationSnoozeInput,
    ) -> ConversationSnoozePayload:
        grantee = await info.context.grantee()

        async def use_case(uow: UnitOfWork, conversation_id: uuid.UUID) -> ConversationModel:
            return await work.snooze_conversation(
                uow, grantee=grantee, conversation_id=conversation_id, until=input.until
            )

        return await _run(ConversationSnoozePayload, info, input.conversation_id, use_case)

    @strawberry.mutation(description="Record whether a bot or a human handled a conversation.")
    async def conversation_mark_handled_by(
        self,
        info: Info[ParleyContext, None],
        input: ConversationMarkHandledByInput,
    ) -> ConversationMarkHandledByPayload:
        grantee = await info.context.grantee()

        async def use_case(uow: UnitOfWork, conversation_id: uuid.UUID) -> ConversationModel:
            return await work.mark_conversation_handled_by(
                uow,
                grantee=grantee,
                conversation_id=conversation_id,
                handled_by=HandledBy(input.handled_by),
            )

        return await _run(ConversationMarkHandledByPayload, info, input.conversation_id, use_case)

    @strawberry.mutation(description="Add an internal note to a conversation.")
    async def conversation_add_note(
        self,
        info: Info[ParleyContext, None],
        input: ConversationAddNoteInput,
    ) -> ConversationAddNotePayload:
        context = info.context
        grantee = await context.grantee()
        try:
            _, conversation_id = from_global_id(input.conversation_id, expected_type="Conversation")
            async with context.unit_of_work() as uow:
                note = await work.add_conversation_note(
                    uow, grantee=grantee, conversation_id=conversation_id, body=input.body
                )
            conversation = await context.loaders.conversation.load(conversation_id)
        except DomainError as error:
            return ConversationAddNotePayload(
                note=None, conversation=None, user_errors=[_user_error(error, "conversationId")]
            )
        return ConversationAddNotePayload(
            note=ConversationNote.from_model(note),
            conversation=None if conversation is None else Conversation.from_model(conversation),
            user_errors=[],
        )
