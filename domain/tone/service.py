"""Use cases of tone guidelines: versions per brand and language, approval, the draft check.

A brand's tone guidelines are versioned like Q&A entries (draft → pending
approval → approved | changes requested | rejected). The tone check enforces
the newest approved version for the draft's language (or the brand's primary
language); a brand with none falls back to the guidelines in its settings (the
brand catalogue's `tone_guidelines`), then to the built-in guidelines of the
demo brand with the same slug, and then to no rules.

Importing this module registers the decision handler of `tone_version` requests.
"""

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from domain.approvals.models import ApprovalRequest
from domain.approvals.rules import (
    ApprovalStatus,
    SubjectKind,
    VersionState,
    state_after_decision,
    state_after_submit,
)
from domain.approvals.service import (
    Approver,
    actor_label,
    approver_grantee,
    decide_as,
    register_decision_handler,
    request_approval,
)
from domain.authz.policy import Grantee, Permission, decide, require
from domain.brands.models import Brand
from domain.brands.repository import BrandRepository
from domain.db.uow import UnitOfWork
from domain.knowledge.text import LANGUAGES
from domain.shared.errors import ConflictError, NotFoundError, ValidationError
from domain.shared.tenancy import Actor
from domain.tone.guidelines import ToneGuidelines, demo_tone_config, tone_guidelines_from_config
from domain.tone.models import ToneGuidelineVersion
from domain.tone.repository import ToneGuidelineRepository
from domain.tone.rules import ToneFinding, check_tone

#: Where a check's guidelines came from.
SOURCE_APPROVED: Final = "approved_version"
SOURCE_BRAND_SETTINGS: Final = "brand_settings"
SOURCE_DEMO: Final = "built_in_demo"
SOURCE_NONE: Final = "none"


@dataclass(frozen=True, slots=True)
class ToneCheck:
    """The findings on a draft and which guidelines produced them.

    `guideline_version` is the approved version's number when one was used
    (a sent reply records it); `source` says where the guidelines came from.
    """

    language: str
    findings: tuple[ToneFinding, ...]
    source: str
    guideline_version: int | None
    guideline_version_id: uuid.UUID | None


async def propose_tone_guideline(
    uow: UnitOfWork,
    *,
    grantee: Grantee | None,
    brand_id: uuid.UUID,
    language: str,
    config: Mapping[str, Any],
) -> ToneGuidelineVersion:
    """A new draft version of the brand's guidelines in `language`.

    Needs `knowledge:edit` on the brand (`grantee=None` is a trusted operator).
    `config` has the brand catalogue's `tone_guidelines` shape.
    """
    brand = await _brand_for(uow, grantee, brand_id, Permission.KNOWLEDGE_EDIT)
    _check_language(language)
    created = await ToneGuidelineRepository(uow).insert_next_or_none(
        brand_id=brand.id, language=language, config=dict(config), created_by=actor_label(uow.actor)
    )
    if created is None:
        raise ConflictError("the guidelines changed meanwhile; try again")
    return created


async def submit_tone_guideline(
    uow: UnitOfWork, *, grantee: Grantee | None, version_id: uuid.UUID
) -> ApprovalRequest:
    """Send a draft version to the brand's approvers; returns the pending request."""
    version = await ToneGuidelineRepository(uow).get(version_id)
    brand = await _brand_for(uow, grantee, version.brand_id, Permission.KNOWLEDGE_EDIT)
    version.state = state_after_submit(version.state)
    await uow.flush()
    return await request_approval(
        uow,
        brand_id=brand.id,
        subject_kind=SubjectKind.TONE_VERSION.value,
        subject_id=version.id,
        summary=f"{brand.name} tone guidelines ({version.language}) v{version.number}",
    )


async def import_tone_guideline(
    uow: UnitOfWork,
    *,
    brand_id: uuid.UUID,
    language: str,
    config: Mapping[str, Any],
    approver: Approver | None,
) -> ToneGuidelineVersion:
    """Load guidelines as a trusted operator (the demo seed); idempotent.

    When the newest version holds the same `config` it is kept (and approved
    if `approver` is given and it is not yet); otherwise a new version is
    added, submitted and approved by `approver` when given.
    """
    versions = ToneGuidelineRepository(uow)
    newest = await versions.newest(brand_id, language)
    if newest is None or dict(newest.config) != dict(config):
        newest = await propose_tone_guideline(
            uow, grantee=None, brand_id=brand_id, language=language, config=config
        )
    if approver is not None and newest.state in (
        VersionState.DRAFT,
        VersionState.CHANGES_REQUESTED,
        VersionState.PENDING_APPROVAL,
    ):
        if newest.state is not VersionState.PENDING_APPROVAL:
            request = await submit_tone_guideline(uow, grantee=None, version_id=newest.id)
        else:
            request = await request_approval(
                uow,
                brand_id=brand_id,
                subject_kind=SubjectKind.TONE_VERSION.value,
                subject_id=newest.id,
                summary=f"tone guidelines ({language}) v{newest.number}",
            )
        await decide_as(
            uow,
            grantee=approver_grantee(approver),
            approval_id=request.id,
            decision=ApprovalStatus.APPROVED.value,
            comment="approved on import",
            decided_by=Actor.user(approver.user_id),
        )
    return newest


async def update_tone_guideline(
    uow: UnitOfWork,
    *,
    grantee: Grantee,
    brand_id: uuid.UUID,
    language: str,
    changes: Mapping[str, Any],
) -> ToneGuidelineVersion:
    """A new draft version: the current guidelines in `language` with `changes` applied.

    The current guidelines are the newest version in that language (whatever
    its state), else the brand's settings, else the built-in demo guidelines;
    each key of `changes` replaces that key of the config (the brand
    catalogue's `tone_guidelines` shape). Needs `knowledge:edit` on the brand.
    """
    brand = await _brand_for(uow, grantee, brand_id, Permission.KNOWLEDGE_EDIT)
    _check_language(language)
    newest = await ToneGuidelineRepository(uow).newest(brand.id, language)
    base: Mapping[str, Any]
    if newest is not None:
        base = newest.config
    else:
        configured = brand.settings.get("tone_guidelines")
        base = configured if isinstance(configured, Mapping) else demo_tone_config(brand.slug) or {}
    return await propose_tone_guideline(
        uow, grantee=grantee, brand_id=brand.id, language=language, config={**base, **changes}
    )


async def list_tone_guideline_versions(
    uow: UnitOfWork, *, grantee: Grantee, brand_id: uuid.UUID, language: str | None = None
) -> list[ToneGuidelineVersion]:
    """The brand's guideline versions (in `language`, or all), newest first per language.

    Needs `knowledge:read` on the brand; a brand the grantee cannot see is `NotFoundError`.
    """
    brand = await _brand_for(uow, grantee, brand_id, Permission.KNOWLEDGE_READ)
    return await ToneGuidelineRepository(uow).for_brand(brand.id, language)


async def tone_versions_readable_by(
    uow: UnitOfWork, *, grantee: Grantee, version_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, ToneGuidelineVersion]:
    """The versions among `version_ids` of brands the grantee may read knowledge of, by id."""
    found = await ToneGuidelineRepository(uow).get_many(list(version_ids))
    return {
        version.id: version
        for version in found
        if decide(grantee, Permission.KNOWLEDGE_READ, brand_id=version.brand_id).allowed
    }


async def _on_tone_decision(uow: UnitOfWork, request: ApprovalRequest) -> None:
    version = await ToneGuidelineRepository(uow).get(request.subject_id)
    version.state = state_after_decision(version.state, request.status)
    if version.state is VersionState.APPROVED:
        version.approved_at = request.decided_at


register_decision_handler(SubjectKind.TONE_VERSION.value, _on_tone_decision)


async def guidelines_for(
    uow: UnitOfWork, *, brand: Brand, language: str
) -> tuple[ToneGuidelines, ToneGuidelineVersion | None, str]:
    """The guidelines the check enforces, the approved version used (if any), and their source.

    The newest approved version in `language`, else in the brand's primary
    language (a brand's voice carries over to the few entries it keeps in
    English), else the brand's settings, else the built-in guidelines of the demo
    brand with the same slug, else no rules.
    """
    versions = ToneGuidelineRepository(uow)
    approved = await versions.newest_approved(brand.id, language)
    if approved is None and language != brand.primary_language:
        approved = await versions.newest_approved(brand.id, brand.primary_language)
    if approved is not None:
        return tone_guidelines_from_config(approved.config), approved, SOURCE_APPROVED
    configured = brand.settings.get("tone_guidelines")
    if isinstance(configured, Mapping) and configured:
        return tone_guidelines_from_config(configured), None, SOURCE_BRAND_SETTINGS
    built_in = demo_tone_config(brand.slug)
    if built_in is not None:
        return tone_guidelines_from_config(built_in), None, SOURCE_DEMO
    return ToneGuidelines(), None, SOURCE_NONE


async def check_draft_tone(
    uow: UnitOfWork,
    *,
    grantee: Grantee | None,
    brand_id: uuid.UUID,
    text: str,
    language: str | None = None,
    channel_kind: str | None = None,
    context_category: str | None = None,
) -> ToneCheck:
    """The tone findings on a draft reply of the brand (see `domain.tone.rules.check_tone`).

    `language` defaults to the brand's primary language. Needs
    `knowledge:read` on the brand (`grantee=None` is a trusted operator).
    """
    brand = await _brand_for(uow, grantee, brand_id, Permission.KNOWLEDGE_READ)
    used_language = language or brand.primary_language
    guidelines, version, source = await guidelines_for(uow, brand=brand, language=used_language)
    findings = check_tone(
        text,
        guidelines=guidelines,
        language=used_language,
        channel_kind=channel_kind,
        context_category=context_category,
    )
    return ToneCheck(
        language=used_language,
        findings=findings,
        source=source,
        guideline_version=None if version is None else version.number,
        guideline_version_id=None if version is None else version.id,
    )


async def _brand_for(
    uow: UnitOfWork, grantee: Grantee | None, brand_id: uuid.UUID, permission: Permission
) -> Brand:
    brand = await BrandRepository(uow).get_or_none(brand_id)
    if brand is None or (
        grantee is not None
        and not decide(grantee, Permission.BRAND_READ, brand_id=brand.id).allowed
    ):
        raise NotFoundError("brand not found")
    if grantee is not None:
        require(grantee, permission, brand_id=brand.id)
    return brand


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValidationError(f"language must be one of {', '.join(LANGUAGES)}", field="language")
