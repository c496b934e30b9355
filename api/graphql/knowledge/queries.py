"""Queries of the knowledge area: Q&A entries, tone guidelines, suggestions, the tone check."""

import uuid
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.brands.arguments import After, First, typed_after
from api.graphql.context import ParleyContext
from api.graphql.errors import NotFoundGraphQLError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.inbox.errors import query_errors
from api.graphql.inbox.queries import ids_of
from api.graphql.knowledge.inputs import QnaEntryFilter, ToneCheckInput
from api.graphql.knowledge.types import (
    QnaEntry,
    QnaSuggestions,
    ToneGuidelineVersion,
    qna_suggestions,
)
from api.graphql.relay import Connection, connection_from_rows, page_request, resolve_nodes
from api.graphql.replies.types import ToneFinding
from domain.knowledge.models import QnaEntry as QnaEntryModel
from domain.knowledge.repository import QnaEntryFilter as EntryFilter
from domain.knowledge.service import list_qna_entries, suggest_for_conversation
from domain.shared.errors import ValidationError
from domain.tone.service import check_draft_tone, list_tone_guideline_versions

#: The longest draft the tone check reads (a reply is far shorter on every platform).
MAX_CHECKED_TEXT = 10_000


def _cursor(entry: QnaEntryModel) -> tuple[str, uuid.UUID]:
    return (entry.external_key, entry.id)


@strawberry.type(description="The tone check's verdict on a draft.")
class ToneCheckResult:
    findings: list[ToneFinding] = strawberry.field(description="By position, then kind.")
    language: str = strawberry.field(description="The language the draft was checked in.")
    guideline_source: str = strawberry.field(
        description="Where the guidelines came from: approved_version, brand_settings, "
        "built_in_demo or none."
    )
    guideline_version: ToneGuidelineVersion | None = strawberry.field(
        description="The approved version enforced; null when none was used."
    )


@strawberry.type
class KnowledgeQueries:
    @strawberry.field(
        description="Q&A entries of the brands whose knowledge base the caller reads, by key. "
        "Client approvers see their brands only; client viewers none."
    )
    async def qna_entries(
        self,
        info: Info[ParleyContext, None],
        filter: Annotated[
            QnaEntryFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[QnaEntry]:
        context = info.context
        grantee = await context.grantee()
        given = filter or QnaEntryFilter()
        with query_errors():
            page = page_request(first=first, after=after, last=None, before=None, cursor_length=2)
            async with context.unit_of_work() as uow:
                rows = await list_qna_entries(
                    uow,
                    grantee=grantee,
                    brand_ids=None if given.brand_id is None else ids_of([given.brand_id], "Brand"),
                    wanted=EntryFilter(
                        language=given.language,
                        status=given.status,
                        text=given.text,
                        stale=given.stale,
                    ),
                    limit=page.limit + 1,
                    after=typed_after(page, str, uuid.UUID),
                )
        return connection_from_rows(rows, page, cursor_of=_cursor, node_of=QnaEntry.from_model)

    @strawberry.field(
        description="One Q&A entry; NOT_FOUND when it does not exist or the caller may not "
        "read its brand's knowledge base."
    )
    async def qna_entry(
        self,
        info: Info[ParleyContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="Global id.")],
    ) -> QnaEntry:
        await info.context.grantee()
        with query_errors():
            from_global_id(id, expected_type="QnaEntry")
        [found] = await resolve_nodes(info.context, [id])
        if not isinstance(found, QnaEntry):
            raise NotFoundGraphQLError("no such Q&A entry")
        return found

    @strawberry.field(
        description="The brand's tone guideline versions (in one language, or all), newest "
        "first per language; needs knowledge:read on the brand."
    )
    async def tone_guidelines(
        self,
        info: Info[ParleyContext, None],
        brand_id: Annotated[strawberry.ID, strawberry.argument(description="The brand.")],
        language: Annotated[
            str | None, strawberry.argument(description="ISO 639-1 code; null: every language.")
        ] = None,
    ) -> list[ToneGuidelineVersion]:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            _, brand = from_global_id(brand_id, expected_type="Brand")
            async with context.unit_of_work() as uow:
                versions = await list_tone_guideline_versions(
                    uow, grantee=grantee, brand_id=brand, language=language
                )
        return [ToneGuidelineVersion.from_model(version) for version in versions]

    @strawberry.field(
        description="Approved Q&A entries for the conversation's newest customer message, in "
        "its language (then the brand's primary language), best first. Unapproved versions "
        "are never suggested. Needs inbox:read and knowledge:read on the brand."
    )
    async def qna_suggest(
        self,
        info: Info[ParleyContext, None],
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The conversation.")
        ],
        first: Annotated[
            int, strawberry.argument(description="How many suggestions, 1 to 20.")
        ] = 3,
    ) -> QnaSuggestions:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            _, conversation = from_global_id(conversation_id, expected_type="Conversation")
            async with context.unit_of_work() as uow:
                found = await suggest_for_conversation(
                    uow,
                    search=context.services.search,
                    grantee=grantee,
                    conversation_id=conversation,
                    limit=first,
                )
        return qna_suggestions(found.language, found.suggestions)

    @strawberry.field(
        description="Check a draft against the brand's tone guidelines (the newest approved "
        "version in its language); needs knowledge:read on the brand."
    )
    async def tone_check(
        self,
        info: Info[ParleyContext, None],
        input: Annotated[ToneCheckInput, strawberry.argument(description="The draft.")],
    ) -> ToneCheckResult:
        context = info.context
        grantee = await context.grantee()
        with query_errors():
            if len(input.text) > MAX_CHECKED_TEXT:
                raise ValidationError(f"text is longer than {MAX_CHECKED_TEXT} characters")
            _, brand = from_global_id(input.brand_id, expected_type="Brand")
            async with context.unit_of_work() as uow:
                checked = await check_draft_tone(
                    uow,
                    grantee=grantee,
                    brand_id=brand,
                    text=input.text,
                    language=input.language,
                    channel_kind=input.channel_kind,
                    context_category=input.context_category,
                )
        version = None
        if checked.guideline_version_id is not None:
            [version] = await resolve_nodes(
                context, [str(to_global_id("ToneGuidelineVersion", checked.guideline_version_id))]
            )
        return ToneCheckResult(
            findings=[
                ToneFinding(
                    kind=finding.code,
                    message=finding.message,
                    start=finding.start,
                    end=finding.end,
                    severity=finding.severity,
                )
                for finding in checked.findings
            ],
            language=checked.language,
            guideline_source=checked.source,
            guideline_version=version if isinstance(version, ToneGuidelineVersion) else None,
        )
