"""Mutations of the knowledge area: Q&A entries and versions, tone guideline versions.

Each runs one use case of `domain.knowledge.service` or `domain.tone.service`
in one unit of work and commits once; a refused or invalid mutation changes
nothing and reports a user error.
"""

import uuid
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import strawberry
from strawberry.types import Info

from api.graphql.approvals.types import ApprovalRequest
from api.graphql.context import ParleyContext
from api.graphql.ids import input_id
from api.graphql.knowledge.errors import KnowledgeUserError, knowledge_user_error
from api.graphql.knowledge.inputs import (
    QnaEntryCreateInput,
    QnaEntryRetireInput,
    QnaEntryUpdateInput,
    QnaVersionSubmitInput,
    ToneGuidelineSubmitInput,
    ToneGuidelineUpdateInput,
    tone_changes,
)
from api.graphql.knowledge.loaders import knowledge_loaders
from api.graphql.knowledge.types import QnaEntry, QnaVersion, ToneGuidelineVersion
from api.graphql.use_cases import UseCase, run_use_case
from domain.approvals.models import ApprovalRequest as ApprovalRequestModel
from domain.authz.policy import Grantee
from domain.db.uow import UnitOfWork
from domain.knowledge.models import QnaEntry as QnaEntryModel
from domain.knowledge.models import QnaVersion as QnaVersionModel
from domain.knowledge.service import (
    create_qna_entry,
    edit_qna_entry,
    retire_qna_entry,
    submit_qna_version,
)
from domain.shared.errors import DomainError
from domain.tone.models import ToneGuidelineVersion as ToneGuidelineVersionModel
from domain.tone.service import submit_tone_guideline, update_tone_guideline

ResultT = TypeVar("ResultT")


@dataclass
class _Outcome(Generic[ResultT]):
    value: ResultT | None
    errors: list[KnowledgeUserError] = field(default_factory=list)


async def _run(
    context: ParleyContext, default_field: str, use_case: UseCase[ResultT]
) -> _Outcome[ResultT]:
    """Run one use case as the caller; domain errors become user errors."""
    try:
        return _Outcome(await run_use_case(context, use_case))
    except DomainError as error:
        return _Outcome(None, [knowledge_user_error(error, default_field)])


async def _entry_of(context: ParleyContext, entry_id: uuid.UUID) -> QnaEntry | None:
    entry = await knowledge_loaders(context).entry.load(entry_id)
    return None if entry is None else QnaEntry.from_model(entry)


# --- payloads -------------------------------------------------------------------------------


@strawberry.type(description="The new entry and its first (draft) version, or why not.")
class QnaEntryCreatePayload:
    entry: QnaEntry | None = strawberry.field(description="The entry; null when none was made.")
    version: QnaVersion | None = strawberry.field(description="Its first version, a draft.")
    user_errors: list[KnowledgeUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(description="The entry with its new draft version, or why not.")
class QnaEntryUpdatePayload:
    entry: QnaEntry | None = strawberry.field(description="The entry; null when nothing changed.")
    version: QnaVersion | None = strawberry.field(description="The new draft version.")
    user_errors: list[KnowledgeUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(description="The submitted version and its approval request, or why not.")
class QnaVersionSubmitPayload:
    version: QnaVersion | None = strawberry.field(
        description="The version, now PENDING_APPROVAL; null when nothing changed."
    )
    approval_request: ApprovalRequest | None = strawberry.field(
        description="The request in the brand's approval queue."
    )
    user_errors: list[KnowledgeUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(description="The retired entry, or why it was not retired.")
class QnaEntryRetirePayload:
    entry: QnaEntry | None = strawberry.field(description="The entry; null when nothing changed.")
    user_errors: list[KnowledgeUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(description="The new draft guideline version, or why none was made.")
class ToneGuidelineUpdatePayload:
    tone_guideline_version: ToneGuidelineVersion | None = strawberry.field(
        description="The new draft; null when nothing changed."
    )
    user_errors: list[KnowledgeUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type(
    description="The submitted guideline version and its approval request, or why not."
)
class ToneGuidelineSubmitPayload:
    tone_guideline_version: ToneGuidelineVersion | None = strawberry.field(
        description="The version, now PENDING_APPROVAL; null when nothing changed."
    )
    approval_request: ApprovalRequest | None = strawberry.field(
        description="The request in the brand's approval queue."
    )
    user_errors: list[KnowledgeUserError] = strawberry.field(
        description="Problems with the input; empty on success."
    )


@strawberry.type
class KnowledgeMutations:
    @strawberry.mutation(
        description="Create a Q&A entry with its first version, a draft. Needs knowledge:edit "
        "on the brand (agents, admins, owner; never client roles or analysts)."
    )
    async def qna_entry_create(
        self, info: Info[ParleyContext, None], input: QnaEntryCreateInput
    ) -> QnaEntryCreatePayload:
        async def use_case(uow: UnitOfWork, grantee: Grantee) -> QnaVersionModel:
            return await create_qna_entry(
                uow,
                grantee=grantee,
                brand_id=input_id(input.brand_id, "Brand", "brandId"),
                external_key=input.external_key,
                language=input.language,
                question_variants=input.question_variants,
                answer=input.answer,
                product=input.product,
                tags=input.tags,
            )

        outcome = await _run(info.context, "brandId", use_case)
        if outcome.value is None:
            return QnaEntryCreatePayload(entry=None, version=None, user_errors=outcome.errors)
        return QnaEntryCreatePayload(
            entry=await _entry_of(info.context, outcome.value.entry_id),
            version=QnaVersion.from_model(outcome.value),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Edit an entry: a new draft version (the approved one stays suggested "
        "until the draft is approved). Needs knowledge:edit on the brand."
    )
    async def qna_entry_update(
        self, info: Info[ParleyContext, None], input: QnaEntryUpdateInput
    ) -> QnaEntryUpdatePayload:
        async def use_case(uow: UnitOfWork, grantee: Grantee) -> QnaVersionModel:
            return await edit_qna_entry(
                uow,
                grantee=grantee,
                entry_id=input_id(input.entry_id, "QnaEntry", "entryId"),
                question_variants=input.question_variants,
                answer=input.answer,
                product=input.product,
                tags=input.tags,
            )

        outcome = await _run(info.context, "entryId", use_case)
        if outcome.value is None:
            return QnaEntryUpdatePayload(entry=None, version=None, user_errors=outcome.errors)
        return QnaEntryUpdatePayload(
            entry=await _entry_of(info.context, outcome.value.entry_id),
            version=QnaVersion.from_model(outcome.value),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Send a draft (or a version sent back for changes) to the brand's client "
        "approvers. Needs knowledge:edit; INVALID_TRANSITION for other states."
    )
    async def qna_version_submit(
        self, info: Info[ParleyContext, None], input: QnaVersionSubmitInput
    ) -> QnaVersionSubmitPayload:
        version_id: uuid.UUID | None = None

        async def use_case(uow: UnitOfWork, grantee: Grantee) -> ApprovalRequestModel:
            nonlocal version_id
            version_id = input_id(input.version_id, "QnaVersion", "versionId")
            return await submit_qna_version(uow, grantee=grantee, version_id=version_id)

        outcome = await _run(info.context, "versionId", use_case)
        if outcome.value is None or version_id is None:
            return QnaVersionSubmitPayload(
                version=None, approval_request=None, user_errors=outcome.errors
            )
        version = await knowledge_loaders(info.context).version.load(version_id)
        return QnaVersionSubmitPayload(
            version=None if version is None else QnaVersion.from_model(version),
            approval_request=ApprovalRequest.from_model(outcome.value),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Retire an entry: never suggested again and removed from the suggestion "
        "index. Idempotent. Needs knowledge:edit on the brand."
    )
    async def qna_entry_retire(
        self, info: Info[ParleyContext, None], input: QnaEntryRetireInput
    ) -> QnaEntryRetirePayload:
        async def use_case(uow: UnitOfWork, grantee: Grantee) -> QnaEntryModel:
            return await retire_qna_entry(
                uow, grantee=grantee, entry_id=input_id(input.entry_id, "QnaEntry", "entryId")
            )

        outcome = await _run(info.context, "entryId", use_case)
        return QnaEntryRetirePayload(
            entry=None if outcome.value is None else QnaEntry.from_model(outcome.value),
            user_errors=outcome.errors,
        )

    @strawberry.mutation(
        description="Propose new tone guidelines for a brand and language: a new draft "
        "version. Needs knowledge:edit on the brand."
    )
    async def tone_guideline_update(
        self, info: Info[ParleyContext, None], input: ToneGuidelineUpdateInput
    ) -> ToneGuidelineUpdatePayload:
        async def use_case(uow: UnitOfWork, grantee: Grantee) -> ToneGuidelineVersionModel:
            return await update_tone_guideline(
                uow,
                grantee=grantee,
                brand_id=input_id(input.brand_id, "Brand", "brandId"),
                language=input.language,
                changes=tone_changes(input),
            )

        outcome = await _run(info.context, "brandId", use_case)
        return ToneGuidelineUpdatePayload(
            tone_guideline_version=(
                None if outcome.value is None else ToneGuidelineVersion.from_model(outcome.value)
            ),
            user_errors=outcome.errors,
        )

    @strawberry.mutation(
        description="Send a draft guideline version to the brand's client approvers. Needs "
        "knowledge:edit; INVALID_TRANSITION for other states."
    )
    async def tone_guideline_submit(
        self, info: Info[ParleyContext, None], input: ToneGuidelineSubmitInput
    ) -> ToneGuidelineSubmitPayload:
        version_id: uuid.UUID | None = None

        async def use_case(uow: UnitOfWork, grantee: Grantee) -> ApprovalRequestModel:
            nonlocal version_id
            version_id = input_id(input.version_id, "ToneGuidelineVersion", "versionId")
            return await submit_tone_guideline(uow, grantee=grantee, version_id=version_id)

        outcome = await _run(info.context, "versionId", use_case)
        if outcome.value is None or version_id is None:
            return ToneGuidelineSubmitPayload(
                tone_guideline_version=None, approval_request=None, user_errors=outcome.errors
            )
        version = await knowledge_loaders(info.context).tone_version.load(version_id)
        return ToneGuidelineSubmitPayload(
            tone_guideline_version=(
                None if version is None else ToneGuidelineVersion.from_model(version)
            ),
            approval_request=ApprovalRequest.from_model(outcome.value),
            user_errors=[],
        )
