"""Agents' triage corrections of a mention's labels."""

from enum import StrEnum

import strawberry
from strawberry.types import Info

from api.graphql.context import ParleyContext
from api.graphql.conversations.types import ConversationPriority
from api.graphql.ids import from_global_id
from api.graphql.inbox.errors import error_code, error_field
from api.graphql.mentions.types import Mention
from domain.shared.errors import DomainError
from domain.triage.errors import InvalidTriageLabel
from domain.triage.service import correct_triage


@strawberry.enum(description="Why a triage correction changed nothing.")
class TriageErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    INVALID_LABEL = "invalid_label"
    CONFLICT = "conflict"


@strawberry.type(description="A problem with a triage correction's input; nothing changed.")
class TriageUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")
    code: TriageErrorCode = strawberry.field(description="What went wrong, for programs.")


@strawberry.type(description="One label an agent changed: its value before and after.")
class TriageLabelChange:
    field: str = strawberry.field(description="The label (priority, category, …).")
    old_value: str | None = strawberry.field(description="The value before.")
    new_value: str | None = strawberry.field(description="The value after.")


@strawberry.input(description="Labels an agent sets on a mention; unset labels stay.")
class TriageCorrectInput:
    mention_id: strawberry.ID = strawberry.field(description="The customer's message.")
    priority: ConversationPriority | None = strawberry.field(
        default=None, description="The right priority."
    )
    category: str | None = strawberry.field(default=None, description="The right category.")
    sentiment: str | None = strawberry.field(default=None, description="The right sentiment.")
    department: str | None = strawberry.field(
        default=None,
        description="The department to escalate to (one of the brand's routes); 'none' clears.",
    )
    note: str | None = strawberry.field(
        default=None, description="Why, for the team and for later triage."
    )


@strawberry.type(description="The corrected mention, or why nothing changed.")
class TriageCorrectPayload:
    mention: Mention | None = strawberry.field(
        description="The mention with its labels as now stored; null when there are user errors."
    )
    changes: list[TriageLabelChange] = strawberry.field(
        description="What changed; empty when every value was already the mention's."
    )
    user_errors: list[TriageUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


def _user_error(error: DomainError) -> TriageUserError:
    if isinstance(error, InvalidTriageLabel):
        return TriageUserError(
            field=error.field, message=str(error), code=TriageErrorCode.INVALID_LABEL
        )
    return TriageUserError(
        field=error_field(error, "mentionId"),
        message=str(error),
        code=TriageErrorCode[error_code(error).name],
    )


@strawberry.type
class TriageMutations:
    @strawberry.mutation(
        description=(
            "Correct a customer message's triage labels; the conversation's priority "
            "follows and later triage learns from it. Needs inbox:write on the brand."
        )
    )
    async def triage_correct(
        self,
        info: Info[ParleyContext, None],
        input: TriageCorrectInput,
    ) -> TriageCorrectPayload:
        context = info.context
        grantee = await context.grantee()
        try:
            _, mention_id = from_global_id(input.mention_id, expected_type="Mention")
            async with context.unit_of_work() as uow:
                correction = await correct_triage(
                    uow,
                    grantee=grantee,
                    mention_id=mention_id,
                    priority=None
                    if input.priority is None
                    else ConversationPriority(input.priority).value,
                    category=input.category,
                    sentiment=input.sentiment,
                    department=input.department,
                    note=input.note,
                )
        except DomainError as error:
            return TriageCorrectPayload(mention=None, changes=[], user_errors=[_user_error(error)])
        return TriageCorrectPayload(
            mention=Mention.from_model(correction.mention),
            changes=[
                TriageLabelChange(
                    field=change.field, old_value=change.old_value, new_value=change.new_value
                )
                for change in correction.changes
            ],
            user_errors=[],
        )
