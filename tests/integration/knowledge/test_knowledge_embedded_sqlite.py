"""The knowledge base on the embedded default: SQLite and its FTS5 search, no services."""

from domain.approvals.rules import VersionState
from domain.approvals.service import approval_queue, decide_approval
from domain.authz.policy import Role
from domain.db.session import Database
from domain.knowledge import service as knowledge
from domain.knowledge.repository import QnaEntryRepository
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor
from search.sqlite_fts import SqliteFtsIndex
from tests.integration.knowledge.knowledge_world import approver, make_world, shared_records, staff


async def test_import_approve_index_and_suggest_on_sqlite(sqlite_database: Database) -> None:
    search = SqliteFtsIndex(sqlite_database.engine)
    await search.ensure_ready()
    world = await make_world(sqlite_database)
    for _ in range(2):
        async with world.uow(sqlite_database) as uow:
            report = await knowledge.import_qna(
                uow, brand_id=world.wierzba.id, records=shared_records(), approver=None
            )
            await uow.commit()
    assert (report.created, report.unchanged) == (0, 20)

    async with world.uow(sqlite_database) as uow:
        entry = (await QnaEntryRepository(uow).by_keys(world.wierzba.id, ["qna-wierzba-002"]))[
            "qna-wierzba-002"
        ]
        [draft] = await knowledge.qna_entry_versions(
            uow, grantee=staff(Role.AGENT), entry_id=entry.id
        )
        request = await knowledge.submit_qna_version(
            uow, grantee=staff(Role.AGENT), version_id=draft.id
        )
        await uow.commit()
    async with world.uow(sqlite_database) as uow:
        assert [r.id for r in await approval_queue(uow, grantee=approver(world.approver_a))] == [
            request.id
        ]
    async with world.uow(sqlite_database, Actor.user(world.approver_a.user_id)) as uow:
        await decide_approval(
            uow,
            grantee=approver(world.approver_a),
            approval_id=request.id,
            decision="approved",
            comment=None,
        )
        await uow.commit()
    async with world.uow(sqlite_database) as uow:
        run = await knowledge.deliver_qna_index(uow, search=search, now=utcnow())
    assert (run.claimed, run.indexed) == (1, 1)

    async with world.uow(sqlite_database) as uow:
        found = await knowledge.suggest_qna(
            uow,
            search=search,
            grantee=staff(Role.AGENT),
            brand_id=world.wierzba.id,
            text="Kiedy dostanę pieniądze za szkodę z autocasco?",
        )
        versions = await knowledge.qna_entry_versions(
            uow, grantee=staff(Role.AGENT), entry_id=entry.id
        )
    assert [(item.entry.external_key, item.version.number) for item in found] == [
        ("qna-wierzba-002", 1)
    ]
    assert [version.state for version in versions] == [VersionState.APPROVED]
