"""Approval queues and decisions on PostgreSQL: each approver sees and decides only their brands."""

import uuid

import pytest
from sqlalchemy import select

from domain.approvals import service as approvals_service
from domain.approvals.errors import AlreadyDecidedError, NoDecisionHandlerError
from domain.approvals.models import ApprovalDecision, ApprovalRequest
from domain.approvals.rules import ApprovalStatus, VersionState
from domain.approvals.service import (
    approval_decisions,
    approval_queue,
    decide_approval,
    get_approval,
    request_approval,
)
from domain.audit.models import AuditLogEntry
from domain.authz.policy import Role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.knowledge import service as knowledge
from domain.knowledge.models import QnaVersion
from domain.shared.errors import NotFoundError, PermissionDeniedError
from domain.shared.tenancy import Actor, TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.knowledge.knowledge_world import World, approver, make_world, staff

pytestmark = pytest.mark.postgres


async def _draft(database: Database, world: World, brand_id: uuid.UUID, key: str) -> QnaVersion:
    async with world.uow(database) as uow:
        version = await knowledge.create_qna_entry(
            uow,
            grantee=staff(Role.AGENT),
            brand_id=brand_id,
            external_key=key,
            language="pl",
            question_variants=[f"Pytanie {key}?"],
            answer=f"Odpowiedź {key}.",
        )
        await uow.commit()
    return version


async def _submit(database: Database, world: World, version: QnaVersion) -> ApprovalRequest:
    async with world.uow(database) as uow:
        request = await knowledge.submit_qna_version(
            uow, grantee=staff(Role.AGENT), version_id=version.id
        )
        await uow.commit()
    return request


async def test_an_approver_sees_and_decides_only_their_brands(pg_database: Database) -> None:
    world = await make_world(pg_database)
    on_wierzba = await _submit(
        pg_database, world, await _draft(pg_database, world, world.wierzba.id, "w-1")
    )
    on_biryuza = await _submit(
        pg_database, world, await _draft(pg_database, world, world.biryuza.id, "b-1")
    )
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(world.other_tenant_id)
    ) as uow:
        elsewhere = await request_approval(
            uow,
            brand_id=world.other_wierzba.id,
            subject_kind="reply",
            subject_id=uuid.uuid4(),
            summary="Reply in the other tenant",
        )
        await uow.commit()

    async with world.uow(pg_database) as uow:
        queue_a = await approval_queue(uow, grantee=approver(world.approver_a))
        queue_b = await approval_queue(uow, grantee=approver(world.approver_b))
        queue_admin = await approval_queue(uow, grantee=staff(Role.ADMIN))
        queue_agent = await approval_queue(uow, grantee=staff(Role.AGENT))
        narrowed = await approval_queue(
            uow, grantee=approver(world.approver_a), brand_ids=[world.biryuza.id]
        )
    assert [request.id for request in queue_a] == [on_wierzba.id]
    assert [request.id for request in queue_b] == [on_biryuza.id]
    assert [request.id for request in queue_admin] == [on_wierzba.id, on_biryuza.id]
    assert queue_agent == []
    assert narrowed == []

    actor_a = Actor.user(world.approver_a.user_id)
    for foreign in (on_biryuza.id, elsewhere.id):
        async with world.uow(pg_database, actor_a) as uow:
            with pytest.raises(NotFoundError, match="approval request not found"):
                await get_approval(uow, grantee=approver(world.approver_a), approval_id=foreign)
            with pytest.raises(NotFoundError, match="approval request not found"):
                await decide_approval(
                    uow,
                    grantee=approver(world.approver_a),
                    approval_id=foreign,
                    decision="approved",
                    comment=None,
                )
    # An agent sees the brand but never approves its Q&A.
    async with world.uow(pg_database) as uow:
        with pytest.raises(PermissionDeniedError, match="lacks approval:decide"):
            await decide_approval(
                uow,
                grantee=staff(Role.AGENT),
                approval_id=on_wierzba.id,
                decision="approved",
                comment=None,
            )

    async with world.uow(pg_database) as uow:
        still = await uow.session.execute(select(ApprovalRequest.status))
        assert set(still.scalars()) == {ApprovalStatus.PENDING}
        assert (await uow.session.execute(select(ApprovalDecision))).scalars().all() == []


async def test_decisions_are_recorded_in_the_audit_trail(pg_database: Database) -> None:
    world = await make_world(pg_database)
    version = await _draft(pg_database, world, world.wierzba.id, "w-2")
    request = await _submit(pg_database, world, version)
    actor_a = Actor.user(world.approver_a.user_id)

    async with world.uow(pg_database, actor_a) as uow:
        decided = await decide_approval(
            uow,
            grantee=approver(world.approver_a),
            approval_id=request.id,
            decision="changes_requested",
            comment="Proszę dodać termin.",
        )
        await uow.commit()
    assert (decided.status, decided.decided_by, decided.comment) == (
        ApprovalStatus.CHANGES_REQUESTED,
        f"user:{world.approver_a.user_id}",
        "Proszę dodać termin.",
    )
    async with world.uow(pg_database, actor_a) as uow:
        with pytest.raises(AlreadyDecidedError, match="already changes_requested"):
            await decide_approval(
                uow,
                grantee=approver(world.approver_a),
                approval_id=request.id,
                decision="approved",
                comment=None,
            )

    # Resubmitted after changes, a new request; approved this time.
    again = await _submit(pg_database, world, version)
    assert again.id != request.id
    async with world.uow(pg_database, actor_a) as uow:
        await decide_approval(
            uow,
            grantee=approver(world.approver_a),
            approval_id=again.id,
            decision="approved",
            comment=None,
        )
        await uow.commit()

    async with world.uow(pg_database) as uow:
        trail = await approval_decisions(uow, grantee=approver(world.approver_a))
        hidden = await approval_decisions(uow, grantee=approver(world.approver_b))
        versions = await knowledge.qna_entry_versions(
            uow, grantee=staff(Role.AGENT), entry_id=version.entry_id
        )
        audited = await uow.session.execute(
            select(AuditLogEntry.action, AuditLogEntry.actor_id, AuditLogEntry.after).where(
                AuditLogEntry.entity_type == "ApprovalRequest"
            )
        )
    assert [
        (d.approval_id, d.subject_id, d.subject_label, d.decision, d.decided_by, d.comment)
        for d in trail
    ] == [
        (
            again.id,
            version.id,
            "w-2 v1: Pytanie w-2?",
            ApprovalStatus.APPROVED,
            f"user:{world.approver_a.user_id}",
            None,
        ),
        (
            request.id,
            version.id,
            "w-2 v1: Pytanie w-2?",
            ApprovalStatus.CHANGES_REQUESTED,
            f"user:{world.approver_a.user_id}",
            "Proszę dodać termin.",
        ),
    ]
    assert all(d.decided_by_role == "client_approver" for d in trail)
    assert trail[0].decided_at > trail[1].decided_at
    assert hidden == []
    assert [(v.number, v.state) for v in versions] == [(1, VersionState.APPROVED)]
    # The generic audit log has each status change too, with the deciding user as actor.
    updates = [row for row in audited.all() if row.action == "update"]
    assert {(row.actor_id, row.after["status"]) for row in updates} == {
        (str(world.approver_a.user_id), "changes_requested"),
        (str(world.approver_a.user_id), "approved"),
    }


async def test_requesting_twice_returns_the_pending_request(pg_database: Database) -> None:
    world = await make_world(pg_database)
    subject = uuid.uuid4()
    async with world.uow(pg_database) as uow:
        first = await request_approval(
            uow, brand_id=world.wierzba.id, subject_kind="reply", subject_id=subject, summary="A"
        )
        second = await request_approval(
            uow, brand_id=world.wierzba.id, subject_kind="reply", subject_id=subject, summary="B"
        )
        await uow.commit()
    assert first.id == second.id
    assert second.summary == "A"


async def test_a_kind_without_a_handler_cannot_be_decided(pg_database: Database) -> None:
    world = await make_world(pg_database)
    async with world.uow(pg_database) as uow:
        request = await request_approval(
            uow,
            brand_id=world.wierzba.id,
            subject_kind="reply",
            subject_id=uuid.uuid4(),
            summary="A reply",
        )
        await uow.commit()
    handlers = approvals_service._HANDLERS
    saved = handlers.pop(request.subject_kind, None)
    try:
        async with world.uow(pg_database) as uow:
            with pytest.raises(NoDecisionHandlerError, match="nothing handles decisions on reply"):
                await decide_approval(
                    uow,
                    grantee=staff(Role.OWNER),
                    approval_id=request.id,
                    decision="approved",
                    comment=None,
                )
    finally:
        if saved is not None:
            handlers[request.subject_kind] = saved
