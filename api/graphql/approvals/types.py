"""GraphQL types of approval requests and their audit trail; registers the
`ApprovalRequest` node."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.graphql.admin.types import User
from api.graphql.approvals.loaders import approval_loaders
from api.graphql.brands.types import Brand
from api.graphql.context import ParleyContext
from api.graphql.ids import to_global_id
from api.graphql.knowledge.loaders import knowledge_loaders
from api.graphql.knowledge.types import QnaVersion, ToneGuidelineVersion, load_brand, load_user
from api.graphql.relay import Node, register_node, resolve_nodes
from api.graphql.replies.types import Reply
from domain.approvals.models import ApprovalDecision as ApprovalDecisionModel
from domain.approvals.models import ApprovalRequest as ApprovalRequestModel
from domain.approvals.rules import ApprovalStatus, SubjectKind

strawberry.enum(
    SubjectKind,
    name="ApprovalSubjectKind",
    description="What awaits sign-off: a Q&A version, a tone guideline version or a reply.",
)
strawberry.enum(
    ApprovalStatus,
    name="ApprovalStatus",
    description="PENDING until a client decides: APPROVED, REJECTED or CHANGES_REQUESTED.",
)


@strawberry.type(description="One decision of the audit trail; never changed.")
class ApprovalDecision:
    model: strawberry.Private[ApprovalDecisionModel]

    @strawberry.field(description="What was decided.")
    def decision(self) -> ApprovalStatus:
        return self.model.decision

    @strawberry.field(description="The exact subject decided on, e.g. 'qna-wierzba-001 v2: …'.")
    def subject_label(self) -> str:
        return self.model.subject_label

    @strawberry.field(description="The kind of subject.")
    def subject_kind(self) -> SubjectKind:
        return self.model.subject_kind

    @strawberry.field(description="Global id of the version or reply decided on.")
    def subject_id(self) -> strawberry.ID:
        return to_global_id(_subject_type(self.model.subject_kind), self.model.subject_id)

    @strawberry.field(description="Who decided; null when not a member (a system).")
    async def decided_by(self, info: Info[ParleyContext, None]) -> User | None:
        return await load_user(info, self.model.decided_by)

    @strawberry.field(description="The decider's role then, e.g. client_approver.")
    def decided_by_role(self) -> str:
        return self.model.decided_by_role

    @strawberry.field(description="The decider's comment.")
    def comment(self) -> str | None:
        return self.model.comment

    @strawberry.field(description="When it was decided.")
    def decided_at(self) -> datetime:
        return self.model.decided_at


def _subject_type(kind: SubjectKind) -> str:
    return {
        SubjectKind.QNA_VERSION: "QnaVersion",
        SubjectKind.TONE_VERSION: "ToneGuidelineVersion",
        SubjectKind.REPLY: "Reply",
    }[kind]


@strawberry.type(description="Something of a brand awaiting (or past) a client's sign-off.")
class ApprovalRequest(Node):
    model: strawberry.Private[ApprovalRequestModel]

    @classmethod
    def from_model(cls, request: ApprovalRequestModel) -> "ApprovalRequest":
        return cls(id=to_global_id("ApprovalRequest", request.id), model=request)

    @strawberry.field(description="The brand it belongs to.")
    async def brand(self, info: Info[ParleyContext, None]) -> Brand:
        return await load_brand(info, self.model.brand_id)

    @strawberry.field(description="What awaits sign-off.")
    def subject_kind(self) -> SubjectKind:
        return self.model.subject_kind

    @strawberry.field(description="Global id of the version or reply to sign off.")
    def subject_id(self) -> strawberry.ID:
        return to_global_id(_subject_type(self.model.subject_kind), self.model.subject_id)

    @strawberry.field(description="The Q&A version, when the subject is one.")
    async def qna_version(self, info: Info[ParleyContext, None]) -> QnaVersion | None:
        if self.model.subject_kind is not SubjectKind.QNA_VERSION:
            return None
        version = await knowledge_loaders(info.context).version.load(self.model.subject_id)
        return None if version is None else QnaVersion.from_model(version)

    @strawberry.field(description="The tone guideline version, when the subject is one.")
    async def tone_guideline_version(
        self, info: Info[ParleyContext, None]
    ) -> ToneGuidelineVersion | None:
        if self.model.subject_kind is not SubjectKind.TONE_VERSION:
            return None
        version = await knowledge_loaders(info.context).tone_version.load(self.model.subject_id)
        return None if version is None else ToneGuidelineVersion.from_model(version)

    @strawberry.field(
        description="The reply, when the subject is one and the caller reads the brand's "
        "inbox; client approvers read the summary instead."
    )
    async def reply(self, info: Info[ParleyContext, None]) -> Reply | None:
        if self.model.subject_kind is not SubjectKind.REPLY:
            return None
        [found] = await resolve_nodes(
            info.context, [str(to_global_id("Reply", self.model.subject_id))]
        )
        return found if isinstance(found, Reply) else None

    @strawberry.field(description="What is asked, in one line (a reply's text is quoted).")
    def summary(self) -> str:
        return self.model.summary

    @strawberry.field(description="Where the request stands.")
    def status(self) -> ApprovalStatus:
        return self.model.status

    @strawberry.field(description="Who asked; null when not a member (an import, a system).")
    async def requested_by(self, info: Info[ParleyContext, None]) -> User | None:
        return await load_user(info, self.model.requested_by)

    @strawberry.field(description="When it was asked.")
    def requested_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="Who decided; null while pending or when not a member.")
    async def decided_by(self, info: Info[ParleyContext, None]) -> User | None:
        return await load_user(info, self.model.decided_by)

    @strawberry.field(description="When it was decided; null while pending.")
    def decided_at(self) -> datetime | None:
        return self.model.decided_at

    @strawberry.field(description="The decider's comment; null while pending or without one.")
    def comment(self) -> str | None:
        return self.model.comment

    @strawberry.field(
        description="The audit trail of decisions on it, oldest first; empty for callers "
        "who may neither decide nor audit the brand's approvals."
    )
    async def decisions(self, info: Info[ParleyContext, None]) -> list[ApprovalDecision]:
        found = await approval_loaders(info.context).decisions.load(self.model.id)
        return [ApprovalDecision(model=decision) for decision in found]


async def _requests(context: ParleyContext, ids: list[uuid.UUID]) -> Sequence[object | None]:
    found = await approval_loaders(context).request.load_many(ids)
    return [None if request is None else ApprovalRequest.from_model(request) for request in found]


register_node("ApprovalRequest", _requests)
