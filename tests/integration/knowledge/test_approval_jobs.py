"""The approval crons as the worker runs them: Q&A index delivery and the digest, per tenant."""

import uuid

import pytest

from domain.approvals.service import request_approval
from domain.db.session import Database
from domain.knowledge import service as knowledge
from domain.settings import Settings
from tests.integration.knowledge.conftest import Mailbox, QnaBackend
from tests.integration.knowledge.knowledge_world import make_world, shared_records
from workers.jobs.approvals import deliver_qna_indexing, run_approval_digests

pytestmark = [pytest.mark.postgres, pytest.mark.opensearch]


async def test_the_crons_index_approvals_and_mail_approvers(
    pg_database: Database,
    opensearch_qna: QnaBackend,
    services_settings: Settings,
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    world = await make_world(pg_database)
    async with world.uow(pg_database) as uow:
        await knowledge.import_qna(
            uow, brand_id=world.wierzba.id, records=shared_records(), approver=world.approver_a
        )
        await request_approval(
            uow,
            brand_id=world.biryuza.id,
            subject_kind="reply",
            subject_id=uuid.uuid4(),
            summary="Reply to a card question",
        )
        await uow.commit()

    off = services_settings.model_copy(update={"smtp_host": None})
    on = services_settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_sender": "p@agency.example"}
    )
    context = {"database": pg_database, "search": opensearch_qna.search}

    assert await deliver_qna_indexing({**context, "settings": off}) == 20
    assert await deliver_qna_indexing({**context, "settings": off}) == 0
    await opensearch_qna.refresh()
    assert await opensearch_qna.search.count_documents("qna", tenant_id=world.tenant_id) == 20

    assert await run_approval_digests({**context, "settings": off}) == {
        "sent": 0,
        "items": 0,
        "failed": 0,
    }
    assert mailbox.messages == []
    assert await run_approval_digests({**context, "settings": on}) == {
        "sent": 1,
        "items": 1,
        "failed": 0,
    }
    assert [recipients for recipients, _ in mailbox.messages] == [["boris@biryuza.example"]]
    assert await run_approval_digests({**context, "settings": on}) == {
        "sent": 0,
        "items": 0,
        "failed": 0,
    }
