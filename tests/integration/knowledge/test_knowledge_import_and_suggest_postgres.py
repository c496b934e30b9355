"""Q&A import, versions and suggestions on PostgreSQL and OpenSearch: only approved content."""

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from domain.approvals.errors import NotAnApproverError
from domain.approvals.models import ApprovalDecision, ApprovalRequest
from domain.approvals.rules import ApprovalStatus, VersionState
from domain.approvals.service import decide_approval
from domain.audit.models import AuditLogEntry
from domain.authz.policy import Role
from domain.db.session import Database
from domain.knowledge import service as knowledge
from domain.knowledge.errors import NoApprovedVersionError
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.knowledge.rules import qna_search_document
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor
from tests.integration.knowledge.conftest import QnaBackend
from tests.integration.knowledge.knowledge_world import (
    World,
    approver,
    make_world,
    shared_records,
    staff,
)

pytestmark = [pytest.mark.postgres, pytest.mark.opensearch]

WIERZBA_ENTRIES = 20


async def _counts(database: Database, world: World) -> dict[str, int]:
    async with world.uow(database) as uow:
        counts = {}
        for name, model in (
            ("entries", QnaEntry),
            ("versions", QnaVersion),
            ("requests", ApprovalRequest),
            ("decisions", ApprovalDecision),
            ("audit", AuditLogEntry),
        ):
            result = await uow.session.execute(select(func.count()).select_from(model))
            counts[name] = result.scalar_one()
        return counts


async def _import(database: Database, world: World, *, approved: bool) -> knowledge.QnaImportReport:
    async with world.uow(database) as uow:
        report = await knowledge.import_qna(
            uow,
            brand_id=world.wierzba.id,
            records=shared_records(),
            approver=world.approver_a if approved else None,
        )
        await uow.commit()
    return report


async def _deliver(database: Database, world: World, backend: QnaBackend) -> int:
    claimed = 0
    while True:
        async with world.uow(database) as uow:
            run = await knowledge.deliver_qna_index(uow, search=backend.search, now=utcnow())
        assert not run.retry_later
        claimed += run.claimed
        if run.claimed == 0:
            await backend.refresh()
            return claimed


async def _suggest(
    database: Database, world: World, backend: QnaBackend, text: str
) -> list[tuple[str, int]]:
    async with world.uow(database) as uow:
        found = await knowledge.suggest_qna(
            uow,
            search=backend.search,
            grantee=staff(Role.AGENT),
            brand_id=world.wierzba.id,
            text=text,
            language="pl",
        )
    return [(item.entry.external_key, item.version.number) for item in found]


async def test_importing_the_same_file_twice_changes_nothing(pg_database: Database) -> None:
    world = await make_world(pg_database)

    first = await _import(pg_database, world, approved=False)
    after_first = await _counts(pg_database, world)
    second = await _import(pg_database, world, approved=False)

    assert (first.entries, first.created, first.new_versions, first.approved) == (20, 20, 0, 0)
    assert first.other_brands == 97 - WIERZBA_ENTRIES
    assert (second.created, second.new_versions, second.approved, second.unchanged) == (0, 0, 0, 20)
    assert await _counts(pg_database, world) == after_first
    assert after_first["entries"] == after_first["versions"] == WIERZBA_ENTRIES
    assert after_first["requests"] == 0

    # With an approver, the unchanged drafts are signed off once; a third run adds nothing.
    signed = await _import(pg_database, world, approved=True)
    assert (signed.created, signed.new_versions, signed.approved) == (0, 0, 20)
    after_signing = await _counts(pg_database, world)
    again = await _import(pg_database, world, approved=True)
    assert (again.approved, again.unchanged) == (0, 20)
    assert await _counts(pg_database, world) == after_signing
    assert after_signing["versions"] == WIERZBA_ENTRIES
    assert after_signing["decisions"] == after_signing["requests"] == WIERZBA_ENTRIES

    async with world.uow(pg_database) as uow:
        entries = (await uow.session.execute(select(QnaEntry))).scalars().all()
        assert {(e.status, e.approved_version, e.latest_version) for e in entries} == {
            (VersionState.APPROVED, 1, 1)
        }
        decisions = (await uow.session.execute(select(ApprovalDecision))).scalars().all()
        assert {(d.decision, d.decided_by, d.decided_by_role, d.comment) for d in decisions} == {
            (
                ApprovalStatus.APPROVED,
                f"user:{world.approver_a.user_id}",
                "client_approver",
                "approved on import",
            )
        }


async def test_a_changed_record_becomes_a_new_version(pg_database: Database) -> None:
    world = await make_world(pg_database)
    await _import(pg_database, world, approved=True)
    changed = list(shared_records())
    first = next(i for i, record in enumerate(changed) if record.id == "qna-wierzba-001")
    original = changed[first]
    changed[first] = replace(original, answer=original.answer + " Dziękujemy.")
    async with world.uow(pg_database) as uow:
        report = await knowledge.import_qna(
            uow, brand_id=world.wierzba.id, records=changed, approver=None
        )
        await uow.commit()
    assert (report.new_versions, report.unchanged, report.approved) == (1, 19, 0)

    async with world.uow(pg_database) as uow:
        [entry] = (
            (
                await uow.session.execute(
                    select(QnaEntry).where(QnaEntry.external_key == "qna-wierzba-001")
                )
            )
            .scalars()
            .all()
        )
        versions = await knowledge.qna_entry_versions(
            uow, grantee=staff(Role.AGENT), entry_id=entry.id
        )
        diff = await knowledge.qna_version_diff(
            uow,
            grantee=approver(world.approver_a),
            version_a_id=versions[0].id,
            version_b_id=versions[1].id,
        )
    assert [(v.number, v.state) for v in versions] == [
        (1, VersionState.APPROVED),
        (2, VersionState.DRAFT),
    ]
    assert (entry.status, entry.approved_version, entry.latest_version) == (
        VersionState.DRAFT,
        1,
        2,
    )
    assert diff.splitlines()[:2] == ["--- qna-wierzba-001 v1", "+++ qna-wierzba-001 v2"]
    assert f"+A: {original.answer} Dziękujemy." in diff.splitlines()


async def test_approved_by_someone_who_is_not_an_approver_of_the_brand_is_refused(
    pg_database: Database,
) -> None:
    world = await make_world(pg_database)
    for email in (
        "boris@biryuza.example",  # approver of another brand
        "agent@northwind.example",  # staff
        "viewer@wierzba.example",  # client viewer of the brand
        "olga@wierzba.example",  # approver of the same slug in another tenant
        "nobody@example.com",
    ):
        async with world.uow(pg_database) as uow:
            with pytest.raises(NotAnApproverError, match="is not a client approver of this brand"):
                await knowledge.resolve_brand_approver(uow, brand_id=world.wierzba.id, email=email)
    async with world.uow(pg_database) as uow:
        with pytest.raises(NotAnApproverError):
            await knowledge.import_qna(
                uow, brand_id=world.wierzba.id, records=shared_records(), approver=world.approver_b
            )
    counts = await _counts(pg_database, world)
    assert (counts["entries"], counts["versions"], counts["decisions"]) == (0, 0, 0)


async def test_unapproved_versions_are_never_suggested(
    pg_database: Database, opensearch_qna: QnaBackend
) -> None:
    world = await make_world(pg_database)
    await _import(pg_database, world, approved=False)
    assert await _deliver(pg_database, world, opensearch_qna) == 0  # drafts leave no index rows
    question = "Jak zgłosić szkodę z OC sprawcy?"
    assert await _suggest(pg_database, world, opensearch_qna, question) == []

    # Even a draft that reached the index (a lagging or wrong writer) is not suggested.
    async with world.uow(pg_database) as uow:
        [entry] = (
            (
                await uow.session.execute(
                    select(QnaEntry).where(QnaEntry.external_key == "qna-wierzba-001")
                )
            )
            .scalars()
            .all()
        )
        [draft] = await knowledge.qna_entry_versions(
            uow, grantee=staff(Role.AGENT), entry_id=entry.id
        )
    await opensearch_qna.search.index_documents(
        "qna", [qna_search_document(knowledge._search_entry(entry, draft))]
    )
    await opensearch_qna.refresh()
    assert await _suggest(pg_database, world, opensearch_qna, question) == []

    with pytest.raises(NoApprovedVersionError, match="no approved version"):
        async with world.uow(pg_database) as uow:
            await knowledge.approved_version_for_insert(
                uow, grantee=staff(Role.AGENT), entry_id=entry.id
            )

    # Submitted, then approved by the brand's client approver: now it is suggested.
    async with world.uow(pg_database) as uow:
        request = await knowledge.submit_qna_version(
            uow, grantee=staff(Role.AGENT), version_id=draft.id
        )
        await uow.commit()
    assert await _suggest(pg_database, world, opensearch_qna, question) == []
    async with world.uow(pg_database, Actor.user(world.approver_a.user_id)) as uow:
        await decide_approval(
            uow,
            grantee=approver(world.approver_a),
            approval_id=request.id,
            decision="approved",
            comment=None,
        )
        await uow.commit()
    assert await _deliver(pg_database, world, opensearch_qna) == 1
    assert (await _suggest(pg_database, world, opensearch_qna, question))[0] == (
        "qna-wierzba-001",
        1,
    )

    async with world.uow(pg_database) as uow:
        insertable = await knowledge.approved_version_for_insert(
            uow, grantee=staff(Role.AGENT), entry_id=entry.id
        )
    assert (insertable.id, insertable.state) == (draft.id, VersionState.APPROVED)

    # A new draft does not replace the approved version in suggestions.
    async with world.uow(pg_database) as uow:
        await knowledge.edit_qna_entry(
            uow,
            grantee=staff(Role.AGENT),
            entry_id=entry.id,
            question_variants=["Jak zgłosić szkodę z OC sprawcy?"],
            answer="Nowa, niezatwierdzona odpowiedź.",
        )
        await uow.commit()
    assert (await _suggest(pg_database, world, opensearch_qna, question))[0] == (
        "qna-wierzba-001",
        1,
    )

    # Retired: gone from suggestions and from the index.
    async with world.uow(pg_database) as uow:
        await knowledge.retire_qna_entry(uow, grantee=staff(Role.AGENT), entry_id=entry.id)
        await uow.commit()
    assert await _deliver(pg_database, world, opensearch_qna) == 1
    assert await _suggest(pg_database, world, opensearch_qna, question) == []
    assert await opensearch_qna.search.count_documents("qna", tenant_id=world.tenant_id) == 0
    with pytest.raises(NoApprovedVersionError):
        async with world.uow(pg_database) as uow:
            await knowledge.approved_version_for_insert(
                uow, grantee=staff(Role.AGENT), entry_id=entry.id
            )


async def test_approved_import_is_suggested_with_the_matched_variant(
    pg_database: Database, opensearch_qna: QnaBackend
) -> None:
    world = await make_world(pg_database)
    await _import(pg_database, world, approved=True)
    assert await _deliver(pg_database, world, opensearch_qna) == WIERZBA_ENTRIES

    async with world.uow(pg_database) as uow:
        found = await knowledge.suggest_qna(
            uow,
            search=opensearch_qna.search,
            grantee=approver(world.approver_a),
            brand_id=world.wierzba.id,
            text="Jak zgłosić szkodę, gdy sprawca ma OC w Wierzbie?",
        )
    top = found[0]
    assert (top.entry.external_key, top.version.number, top.match.language) == (
        "qna-wierzba-001",
        1,
        "pl",
    )
    assert top.match.matched_variant == "Jak zgłosić szkodę, jeśli sprawca ma OC w Wierzbie?"
    assert top.match.fits_well is True
    assert len(found) <= 5


async def test_concurrent_imports_of_one_file_create_each_entry_once(
    pg_database: Database,
) -> None:
    world = await make_world(pg_database)

    reports = await asyncio.gather(
        _import(pg_database, world, approved=True), _import(pg_database, world, approved=True)
    )

    counts = await _counts(pg_database, world)
    assert (counts["entries"], counts["versions"]) == (WIERZBA_ENTRIES, WIERZBA_ENTRIES)
    assert counts["decisions"] == counts["requests"] == WIERZBA_ENTRIES
    assert sorted(report.created for report in reports) == [0, 20]
    assert sum(report.approved for report in reports) == WIERZBA_ENTRIES
