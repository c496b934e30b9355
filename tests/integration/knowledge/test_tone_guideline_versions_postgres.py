"""Versioned tone guidelines on PostgreSQL: the check enforces the approved version only."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.approvals.models import ApprovalDecision
from domain.approvals.service import decide_approval
from domain.authz.policy import Role
from domain.brands.repository import BrandRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.demo.seed import seed_demo
from domain.knowledge.models import QnaEntry
from domain.shared.errors import NotFoundError, PermissionDeniedError
from domain.shared.tenancy import Actor, TenantScope
from domain.tone import service as tone
from domain.tone.models import ToneGuidelineVersion
from domain.tone.rules import ToneFindingCode
from tests.factories import TEST_ACTOR
from tests.integration.knowledge.knowledge_world import approver, make_world, staff

pytestmark = pytest.mark.postgres

QNA_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "qna.jsonl"
INFORMAL_PL = {"address_form": "informal", "banned_phrases": ["Zapraszamy na priv"]}
INFORMAL_DRAFT = "Napisz do nas, sprawdzimy Twoją szkodę w ciągu 2 dni."


def _codes(check: tone.ToneCheck) -> list[str]:
    return [finding.code.value for finding in check.findings]


async def test_the_check_uses_the_newest_approved_version(pg_database: Database) -> None:
    world = await make_world(pg_database)
    async with world.uow(pg_database) as uow:
        before = await tone.check_draft_tone(
            uow, grantee=staff(Role.AGENT), brand_id=world.wierzba.id, text=INFORMAL_DRAFT
        )
        draft = await tone.propose_tone_guideline(
            uow,
            grantee=staff(Role.AGENT),
            brand_id=world.wierzba.id,
            language="pl",
            config=INFORMAL_PL,
        )
        await uow.commit()
    # No approved version yet: the built-in guidelines of the demo brand "wierzba" (formal).
    assert (before.source, before.guideline_version) == ("built_in_demo", None)
    assert _codes(before) == ["wrong_address_form", "wrong_address_form"]

    # A draft is not enforced.
    async with world.uow(pg_database) as uow:
        unapproved = await tone.check_draft_tone(
            uow, grantee=staff(Role.AGENT), brand_id=world.wierzba.id, text=INFORMAL_DRAFT
        )
        request = await tone.submit_tone_guideline(
            uow, grantee=staff(Role.AGENT), version_id=draft.id
        )
        await uow.commit()
    assert unapproved == before

    # Another brand's approver cannot approve it; the brand's own can.
    async with world.uow(pg_database, Actor.user(world.approver_b.user_id)) as uow:
        with pytest.raises(NotFoundError):
            await decide_approval(
                uow,
                grantee=approver(world.approver_b),
                approval_id=request.id,
                decision="approved",
                comment=None,
            )
    async with world.uow(pg_database, Actor.user(world.approver_a.user_id)) as uow:
        await decide_approval(
            uow,
            grantee=approver(world.approver_a),
            approval_id=request.id,
            decision="approved",
            comment="OK",
        )
        await uow.commit()

    async with world.uow(pg_database) as uow:
        enforced = await tone.check_draft_tone(
            uow,
            grantee=approver(world.approver_a),
            brand_id=world.wierzba.id,
            text=INFORMAL_DRAFT,
            channel_kind="x",
        )
        banned = await tone.check_draft_tone(
            uow,
            grantee=staff(Role.AGENT),
            brand_id=world.wierzba.id,
            text="Zapraszamy na priv, sprawdzimy Twoją szkodę w ciągu 2 dni.",
        )
        stored = await uow.session.get(ToneGuidelineVersion, draft.id)
    assert (enforced.source, enforced.guideline_version, enforced.language) == (
        "approved_version",
        1,
        "pl",
    )
    assert enforced.guideline_version_id == draft.id
    assert enforced.findings == ()
    assert _codes(banned) == ["banned_phrase"]
    assert stored is not None
    assert stored.approved_at is not None

    # A client approver of another brand cannot run the check there.
    async with world.uow(pg_database) as uow:
        with pytest.raises(NotFoundError):
            await tone.check_draft_tone(
                uow, grantee=approver(world.approver_b), brand_id=world.wierzba.id, text="x"
            )


async def test_an_agent_cannot_approve_guidelines(pg_database: Database) -> None:
    world = await make_world(pg_database)
    async with world.uow(pg_database) as uow:
        draft = await tone.propose_tone_guideline(
            uow,
            grantee=staff(Role.AGENT),
            brand_id=world.wierzba.id,
            language="pl",
            config=INFORMAL_PL,
        )
        request = await tone.submit_tone_guideline(
            uow, grantee=staff(Role.AGENT), version_id=draft.id
        )
        await uow.commit()
    async with world.uow(pg_database) as uow:
        with pytest.raises(PermissionDeniedError):
            await decide_approval(
                uow,
                grantee=staff(Role.AGENT),
                approval_id=request.id,
                decision="approved",
                comment=None,
            )


async def test_the_demo_seed_signs_off_qna_and_tone_and_every_answer_passes_its_brand(
    pg_database: Database,
) -> None:
    seeded = await seed_demo(pg_database)
    again = await seed_demo(pg_database)
    assert again.brand_ids == seeded.brand_ids

    scope = TenantScope(seeded.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        entries = (await uow.session.execute(select(QnaEntry))).scalars().all()
        guideline_versions = (
            (await uow.session.execute(select(ToneGuidelineVersion))).scalars().all()
        )
        decisions = (
            await uow.session.execute(select(func.count()).select_from(ApprovalDecision))
        ).scalar_one()
        brands = {brand.slug: brand for brand in await BrandRepository(uow).list_all()}
        records = [json.loads(line) for line in QNA_FILE.read_text("utf-8").splitlines()]
        too_long: set[str] = set()
        other: list[tuple[str, str]] = []
        sources: set[tuple[str, int | None]] = set()
        for record in records:
            checked = await tone.check_draft_tone(
                uow,
                grantee=None,
                brand_id=brands[record["brand"]].id,
                text=record["answer"],
                language=record["language"],
                context_category="question",
            )
            sources.add((checked.source, checked.guideline_version))
            for finding in checked.findings:
                if finding.code is ToneFindingCode.TOO_LONG:
                    too_long.add(record["id"])
                else:
                    other.append((record["id"], finding.message))

    assert len(entries) == 97
    assert {(entry.approved_version, entry.latest_version) for entry in entries} == {(1, 1)}
    assert sorted((v.language, v.number, v.state.value) for v in guideline_versions) == [
        ("en", 1, "approved"),
        ("fa", 1, "approved"),
        ("it", 1, "approved"),
        ("pl", 1, "approved"),
        ("ru", 1, "approved"),
    ]
    assert decisions == 97 + 5
    assert sources == {("approved_version", 1)}
    assert other == []
    assert too_long == {
        "qna-forchetta-004",
        *(f"qna-kestrel-{number:03d}" for number in (2, 4, 5, 6, 7, 8, 9, 10, 12, 15, 17, 19, 20)),
    }
