"""A reply that needs sign-off goes through the client's decision; a sent reply stops the
first-response clock; the job registered with arq delivers; the embedded SQLite default works."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker
from sqlalchemy import select

from domain.approvals.models import ApprovalRequest
from domain.approvals.service import decide_approval
from domain.authz.policy import ALL_SCOPES, Grantee, Role
from domain.channels.models import ChannelKind
from domain.conversations.models import Conversation
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.replies import service
from domain.replies.models import ReplyStatus
from domain.replies.repository import TwinRepository
from domain.settings import Settings
from domain.shared.tenancy import Actor, TenantScope
from domain.sla.models import ClockKind
from domain.sla.service import (
    clocks_of_conversation,
    ensure_default_policy,
    start_clocks_for_customer_message,
)
from tests.factories import TEST_ACTOR, make_brand, make_member, make_tenant
from tests.integration.replies.conftest import (
    AGENT,
    PlatformServer,
    Thread,
    make_channel_of,
    make_thread,
)
from workers.jobs.replies import send_reply, sweep_reply_deliveries
from workers.main import WorkerSettings, in_process_queue, shutdown, startup
from workers.queue import ArqJobQueue

PAGE = "104729384756120"
COMMENT = "1843_5521"


async def facebook_thread(database: Database, **thread: Any) -> Thread:
    tenant = await make_tenant(database, f"agency-{uuid.uuid4().hex[:6]}")
    brand = await make_brand(database, tenant, "willow")
    channel = await make_channel_of(
        database,
        tenant,
        brand.id,
        ChannelKind.FACEBOOK_PAGE,
        account_id=PAGE,
        secrets={"page_access_token": "page-token-1"},
    )
    return await make_thread(
        database, channel, external_id=COMMENT, root_external_id="1843", **thread
    )


@pytest.mark.postgres
async def test_the_client_approves_then_the_agent_sends(pg_database: Database) -> None:
    thread = await facebook_thread(
        pg_database, labels={"category": "complaint", "escalate_to": "legal_compliance"}
    )
    scope = TenantScope(thread.tenant_id)
    approver_id = await make_member(
        pg_database, thread.tenant_id, "approver@client.example", Role.CLIENT_APPROVER, ("willow",)
    )
    approver = Grantee(
        role=Role.CLIENT_APPROVER,
        brand_ids=frozenset({thread.brand_id}),
        scopes=frozenset(ALL_SCOPES),
    )
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        waiting = await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        assert (waiting.status, waiting.approval_reasons) == (
            ReplyStatus.PENDING_APPROVAL,
            ["department:legal_compliance"],
        )
        await uow.commit()

    async with UnitOfWork(pg_database, actor=Actor.user(approver_id), scope=scope) as uow:
        request = (
            await uow.session.execute(
                select(ApprovalRequest).where(ApprovalRequest.subject_id == draft.id)
            )
        ).scalar_one()
        assert (request.subject_kind, request.brand_id) == ("reply", thread.brand_id)
        await decide_approval(
            uow, grantee=approver, approval_id=request.id, decision="approved", comment=None
        )
        await uow.commit()

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        approved = await service.get_reply(uow, grantee=AGENT, reply_id=draft.id)
        assert approved.status is ReplyStatus.APPROVED
        queued = await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        assert queued.status is ReplyStatus.QUEUED


@pytest.mark.postgres
async def test_changes_requested_make_it_a_draft_again(pg_database: Database) -> None:
    thread = await facebook_thread(pg_database, is_vip=True)
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(thread.tenant_id)
    ) as uow:
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        await service.submit_reply(uow, grantee=AGENT, reply_id=draft.id)
        back = await service.decide_reply_approval(
            uow, reply_id=draft.id, decision="changes_requested"
        )
        assert back.status is ReplyStatus.DRAFT
        edited = await service.update_draft(
            uow, grantee=AGENT, reply_id=draft.id, text="Hello again, we checked it."
        )
        assert edited.text == "Hello again, we checked it."


@pytest.mark.postgres
async def test_the_first_sent_reply_stops_the_first_response_clock(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 200, {"id": "1843_9200"})
    thread = await facebook_thread(pg_database)
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        policy = await ensure_default_policy(uow, brand_id=thread.brand_id)
        # Test brands have no business hours: a clock needs open time to run in.
        policy.around_the_clock = True
        await uow.flush()
        conversation = await uow.session.get(Conversation, thread.conversation_id)
        assert conversation is not None
        await start_clocks_for_customer_message(
            uow, conversation_id=thread.conversation_id, at=conversation.opened_at
        )
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        await uow.commit()

    context = {
        "database": pg_database,
        "settings": platform_server.settings(services_settings),
        "job_try": 1,
    }
    result = await send_reply(context, tenant_id=str(thread.tenant_id), reply_id=str(draft.id))
    assert result == {"status": "sent", "attempts": 1}

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        sent = await service.get_reply(uow, grantee=AGENT, reply_id=draft.id)
        clocks = await clocks_of_conversation(uow, AGENT, conversation_id=thread.conversation_id)
    first = [clock for clock in clocks if clock.kind is ClockKind.FIRST_RESPONSE]
    assert [clock.stopped_at for clock in first] == [sent.sent_at]


@pytest.fixture
async def arq_redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    yield redis
    await redis.aclose()


@pytest.mark.postgres
@pytest.mark.redis
async def test_send_reply_runs_in_the_arq_worker_and_a_duplicate_job_id_is_dropped(
    pg_database: Database,
    services_settings: Settings,
    redis_url: str,
    arq_redis: ArqRedis,
    platform_server: PlatformServer,
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 200, {"id": "1843_9300"})
    thread = await facebook_thread(pg_database)
    queue_name = f"parley-test-replies-{uuid.uuid4().hex[:8]}"
    queue = ArqJobQueue(arq_redis, queue_name=queue_name)
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(thread.tenant_id)
    ) as uow:
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=queue)
        await uow.commit()
    # An agent pressing send twice enqueues the same job id: dropped by arq.
    await service.enqueue_delivery(queue, thread.tenant_id, draft.id)

    worker = Worker(
        functions=WorkerSettings.functions,
        on_startup=startup,
        on_shutdown=shutdown,
        redis_settings=RedisSettings.from_dsn(redis_url),
        queue_name=queue_name,
        ctx={"settings": platform_server.settings(services_settings)},
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    await worker.main()
    await worker.close()

    assert [request.path for request in platform_server.requests] == [f"/v21.0/{COMMENT}/comments"]
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(thread.tenant_id)
    ) as uow:
        sent = await service.get_reply(uow, grantee=AGENT, reply_id=draft.id)
    assert (sent.status, sent.platform_message_id) == (ReplyStatus.SENT, "1843_9300")


async def test_the_embedded_sqlite_default_moves_to_private_and_delivers(
    sqlite_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 200, {"id": "1843_9400"})
    platform_server.on(f"/v21.0/{PAGE}/messages", 200, {"recipient_id": "1", "message_id": "m_4"})
    thread = await facebook_thread(sqlite_database)
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        moved = await service.move_to_private(
            uow,
            grantee=AGENT,
            conversation_id=thread.conversation_id,
            public_text="We wrote to you in private: we need your policy number to check it.",
            private_text="Please send us your policy number.",
        )
        # Moving again keeps the one twin (ON CONFLICT on the link).
        again = await service.move_to_private(
            uow,
            grantee=AGENT,
            conversation_id=thread.conversation_id,
            public_text="We wrote to you in private: we need your policy number to check it.",
            private_text="Please send us your policy number.",
        )
        for reply in (moved.public_reply, moved.private_reply):
            await service.send_reply(uow, grantee=AGENT, reply_id=reply.id, queue=None)
        await uow.commit()
    assert again.private_conversation_id == moved.private_conversation_id

    settings = platform_server.settings(services_settings)
    for reply in (moved.public_reply, moved.private_reply):
        result = await send_reply(
            {"database": sqlite_database, "settings": settings, "job_try": 1},
            tenant_id=str(thread.tenant_id),
            reply_id=str(reply.id),
        )
        assert result == {"status": "sent", "attempts": 1}
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=scope) as uow:
        assert await TwinRepository(uow).twin_of(moved.private_conversation_id) == (
            thread.conversation_id
        )


@pytest.mark.postgres
async def test_the_sweep_enqueues_deliveries_whose_job_was_lost(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 200, {"id": "1843_9700"})
    thread = await facebook_thread(pg_database)
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(thread.tenant_id)
    ) as uow:
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        # Queued, but its job never reached the queue.
        await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        await uow.commit()
    context: dict[str, Any] = {
        "database": pg_database,
        "settings": platform_server.settings(services_settings),
    }
    queue = in_process_queue(context)

    assert await sweep_reply_deliveries(context, lost_after=timedelta(minutes=5)) == 0
    assert await sweep_reply_deliveries(context, lost_after=timedelta(0)) == 1
    await queue.close()

    assert len(platform_server.requests) == 1
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(thread.tenant_id)
    ) as uow:
        sent = await service.get_reply(uow, grantee=AGENT, reply_id=draft.id)
    assert sent.status is ReplyStatus.SENT
