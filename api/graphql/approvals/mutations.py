"""Mutations of approvals: a client's decision on a pending request.

Importing `domain.replies.service` here registers the decision handler of
`reply` requests in the API process (Q&A and tone register theirs through the
knowledge area's imports): without it a reply could not be decided.
"""

import uuid
from enum import StrEnum

import strawberry
from strawberry.types import Info

import domain.replies.service  # noqa: F401  (registers the `reply` decision handler)
from api.graphql.approvals.errors import ApprovalUserError, approval_user_error
from api.graphql.approvals.types import ApprovalRequest
from api.graphql.context import ParleyContext
from api.graphql.ids import from_global_id
from api.graphql.use_cases import run_use_case
from domain.approvals.models import ApprovalRequest as ApprovalRequestModel
from domain.approvals.service import Decision, decide_approval
from domain.authz.policy import Grantee
from domain.db.uow import UnitOfWork
from domain.shared.errors import DomainError, NotFoundError


@strawberry.enum(description="A client's decision on a request.")
class ApprovalDecisionKind(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"


@strawberry.input(description="A decision on a pending approval request.")
class ApprovalDecideInput:
    approval_id: strawberry.ID = strawberry.field(description="The request.")
    decision: ApprovalDecisionKind = strawberry.field(description="What the client decides.")
    comment: str | None = strawberry.field(
        default=None, description="Why; shown to the agents and kept in the audit trail."
    )


@strawberry.type(description="The decided request, or why nothing was decided.")
class ApprovalDecidePayload:
    approval_request: ApprovalRequest | None = strawberry.field(
        description="The request as decided; null when nothing changed."
    )
    user_errors: list[ApprovalUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


_DECISIONS: dict[ApprovalDecisionKind, Decision] = {
    ApprovalDecisionKind.APPROVED: "approved",
    ApprovalDecisionKind.REJECTED: "rejected",
    ApprovalDecisionKind.CHANGES_REQUESTED: "changes_requested",
}


class _UnknownApprovalError(NotFoundError):
    field = "approvalId"


def _approval_id(global_id: str) -> uuid.UUID:
    try:
        return from_global_id(global_id, expected_type="ApprovalRequest")[1]
    except NotFoundError as error:
        raise _UnknownApprovalError("no object with this id") from error


@strawberry.type
class ApprovalMutations:
    @strawberry.mutation(
        description="Approve, reject or request changes on a pending request; the decision "
        "is applied to its subject (an approved Q&A version becomes the suggested one) and "
        "added to the audit trail. Needs approval:decide on the brand: client approvers of "
        "that brand, admins, the owner; never agents (FORBIDDEN, nothing changed)."
    )
    async def approval_decide(
        self, info: Info[ParleyContext, None], input: ApprovalDecideInput
    ) -> ApprovalDecidePayload:

        async def decide(uow: UnitOfWork, grantee: Grantee) -> ApprovalRequestModel:
            return await decide_approval(
                uow,
                grantee=grantee,
                approval_id=_approval_id(input.approval_id),
                decision=_DECISIONS[ApprovalDecisionKind(input.decision)],
                comment=(input.comment or "").strip() or None,
            )

        try:
            decided = await run_use_case(info.context, decide)
        except DomainError as error:
            return ApprovalDecidePayload(
                approval_request=None, user_errors=[approval_user_error(error, "approvalId")]
            )
        return ApprovalDecidePayload(
            approval_request=ApprovalRequest.from_model(decided), user_errors=[]
        )
