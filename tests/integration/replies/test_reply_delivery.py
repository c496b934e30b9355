"""Replies from draft to the platform on real PostgreSQL and a local platform API server."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from arq.worker import Retry
from sqlalchemy import select

from domain.approvals.rules import VersionState
from domain.authz.policy import ALL_SCOPES, Grantee, Role
from domain.brand_events.models import BrandEventKind
from domain.brand_events.service import BrandEventFields, create_brand_event
from domain.brands.repository import BrandRepository
from domain.channels.models import ChannelKind
from domain.conversations.models import Conversation, ConversationEvent, ConversationKind
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.replies import service
from domain.replies.errors import ChannelNotSupportedError, ReplyStateError, ToneFindingsError
from domain.replies.models import Reply, ReplyKind, ReplyStatus
from domain.replies.repository import TwinRepository
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.errors import NotFoundError, PermissionDeniedError, ValidationError
from domain.shared.tenancy import Actor, TenantScope
from domain.tenants import service as tenants_service
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_member, make_tenant
from tests.integration.replies.conftest import (
    AGENT,
    PlatformServer,
    Thread,
    make_channel_of,
    make_thread,
)
from workers.jobs.replies import send_reply
from workers.main import in_process_queue

pytestmark = pytest.mark.postgres

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


async def add_qna_version(uow: UnitOfWork, thread: Thread, state: VersionState) -> uuid.UUID:
    """A Q&A entry of the thread's brand with one version in `state`."""
    entry = QnaEntry(
        tenant_id=thread.tenant_id,
        brand_id=thread.brand_id,
        external_key=f"q-{uuid.uuid4().hex[:8]}",
        language="pl",
        status=state,
        latest_version=1,
        approved_version=1 if state is VersionState.APPROVED else None,
    )
    uow.session.add(entry)
    await uow.session.flush()
    version = QnaVersion(
        tenant_id=thread.tenant_id,
        entry_id=entry.id,
        number=1,
        question_variants=["Where is my parcel?"],
        answer="We are checking this for you now.",
        state=state,
        created_by="tests",
    )
    uow.session.add(version)
    await uow.session.flush()
    return version.id


async def drafted_and_queued(database: Database, thread: Thread, text: str) -> Reply:
    user_id = await make_member(
        database, thread.tenant_id, f"agent-{uuid.uuid4().hex[:6]}@a.example", Role.AGENT
    )
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(database, actor=Actor.user(user_id), scope=scope) as uow:
        version_id = await add_qna_version(uow, thread, VersionState.APPROVED)
        draft = await service.create_draft(
            uow,
            grantee=AGENT,
            conversation_id=thread.conversation_id,
            text=text,
            qna_version_ids=[version_id],
        )
        reply = await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        await uow.commit()
    assert reply.author_user_id == user_id
    return reply


def job_context(database: Database, settings: Settings, job_try: int = 1) -> dict[str, Any]:
    return {"database": database, "settings": settings, "job_try": job_try, "job_id": "test"}


async def run_job(database: Database, settings: Settings, reply: Reply, job_try: int = 1) -> Any:
    return await send_reply(
        job_context(database, settings, job_try),
        tenant_id=str(reply.tenant_id),
        reply_id=str(reply.id),
    )


async def stored(database: Database, reply: Reply) -> Reply:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(reply.tenant_id)) as uow:
        return await service.get_reply(uow, grantee=AGENT, reply_id=reply.id)


async def test_a_reply_goes_out_once_with_the_documented_request(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 200, {"id": "1843_9001"})
    settings = platform_server.settings(services_settings)
    thread = await facebook_thread(pg_database)
    reply = await drafted_and_queued(pg_database, thread, "We are checking this for you now.")
    assert reply.status is ReplyStatus.QUEUED

    first = await run_job(pg_database, settings, reply)
    # A redelivered job finds the reply sent and sends nothing.
    second = await run_job(pg_database, settings, reply)

    assert first == {"status": "sent", "attempts": 1}
    assert second == {"status": "skipped"}
    (request,) = platform_server.requests
    assert (request.method, request.path) == ("POST", f"/v21.0/{COMMENT}/comments")
    assert request.headers["authorization"] == "Bearer page-token-1"
    assert request.json() == {"message": "We are checking this for you now."}
    sent = await stored(pg_database, reply)
    assert (sent.status, sent.platform_message_id, sent.delivery_attempts, sent.last_error) == (
        ReplyStatus.SENT,
        "1843_9001",
        1,
        None,
    )
    assert len(sent.qna_version_ids) == 1
    assert sent.qna_version_ids == reply.qna_version_ids
    assert sent.sent_at is not None
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(thread.tenant_id)
    ) as uow:
        outbox = (
            (
                await uow.session.execute(
                    select(OutboxMessage).where(OutboxMessage.topic == service.DELIVERY_TOPIC)
                )
            )
            .scalars()
            .all()
        )
    assert [(row.payload, row.done_at is not None) for row in outbox] == [
        ({"reply_id": str(reply.id)}, True)
    ]


async def test_429_then_200_is_delivered_exactly_once(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    path = f"/v21.0/{COMMENT}/comments"
    platform_server.script(
        path,
        (429, {"error": {"message": "Too many calls", "code": 613}}, {"Retry-After": "0"}),
        (200, {"id": "1843_9002"}, {}),
    )
    settings = platform_server.settings(services_settings)
    reply = await drafted_and_queued(
        pg_database, await facebook_thread(pg_database), "We are checking this for you now."
    )

    assert await run_job(pg_database, settings, reply) == {"status": "sent", "attempts": 2}
    assert await run_job(pg_database, settings, reply) == {"status": "skipped"}

    assert [request.path for request in platform_server.requests] == [path, path]
    sent = await stored(pg_database, reply)
    assert (sent.status, sent.platform_message_id, sent.delivery_attempts) == (
        ReplyStatus.SENT,
        "1843_9002",
        2,
    )


async def test_a_permanent_400_fails_with_the_platform_message(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    message = "(#100) Unsupported post request. Object with ID '1843_5521' does not exist"
    platform_server.on(
        f"/v21.0/{COMMENT}/comments",
        400,
        {"error": {"message": message, "type": "GraphMethodException", "code": 100}},
    )
    settings = platform_server.settings(services_settings)
    reply = await drafted_and_queued(
        pg_database, await facebook_thread(pg_database), "We are checking this for you now."
    )

    assert await run_job(pg_database, settings, reply) == {"status": "failed", "attempts": 1}
    assert await run_job(pg_database, settings, reply) == {"status": "skipped"}

    assert len(platform_server.requests) == 1
    failed = await stored(pg_database, reply)
    assert (failed.status, failed.last_error, failed.platform_message_id) == (
        ReplyStatus.FAILED,
        message,
        None,
    )


async def test_5xx_leaves_the_reply_queued_for_the_job_retry_then_it_is_sent(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    path = f"/v21.0/{COMMENT}/comments"
    platform_server.script(
        path,
        (503, {"error": {"message": "Service temporarily unavailable", "code": 2}}, {}),
        (200, {"id": "1843_9003"}, {}),
    )
    settings = platform_server.settings(services_settings, platform_max_http_attempts=1)
    reply = await drafted_and_queued(
        pg_database, await facebook_thread(pg_database), "We are checking this for you now."
    )

    with pytest.raises(Retry):
        await run_job(pg_database, settings, reply, job_try=1)
    waiting = await stored(pg_database, reply)
    assert (waiting.status, waiting.last_error) == (
        ReplyStatus.QUEUED,
        "Service temporarily unavailable",
    )
    assert await run_job(pg_database, settings, reply, job_try=2) == {
        "status": "sent",
        "attempts": 2,
    }


async def test_the_last_try_of_a_passing_failure_is_recorded_as_failed(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 502, {})
    settings = platform_server.settings(services_settings, platform_max_http_attempts=1)
    reply = await drafted_and_queued(
        pg_database, await facebook_thread(pg_database), "We are checking this for you now."
    )
    assert await run_job(pg_database, settings, reply, job_try=5) == {
        "status": "failed",
        "attempts": 1,
    }
    assert (await stored(pg_database, reply)).last_error == "HTTP 502"


@pytest.mark.parametrize(
    ("kind", "account", "secrets", "thread", "path", "answer", "expected_id"),
    [
        (
            ChannelKind.X,
            "1453096712384562177",
            {"user_access_token": "x-user-token"},
            {"external_id": "1866001", "kind": "post"},
            "/2/tweets",
            {"data": {"id": "1866002", "text": "…"}},
            "1866002",
        ),
        (
            ChannelKind.TELEGRAM,
            "7312458890",
            {"bot_token": "7312458890:AAtest"},
            {"external_id": "-1002198765432:3305", "kind": "reply"},
            "/bot7312458890:AAtest/sendMessage",
            {"ok": True, "result": {"message_id": 3310}},
            "-1002198765432:3310",
        ),
        (
            ChannelKind.VK,
            "227771234",
            {"access_token": "vk-community-token"},
            {
                "external_id": "-227771234_1850",
                "kind": "comment",
                "root_external_id": "-227771234_1843",
            },
            "/method/wall.createComment",
            {"response": {"comment_id": 1851, "parents_stack": []}},
            "-227771234_1851",
        ),
    ],
)
async def test_public_replies_on_every_platform(
    pg_database: Database,
    services_settings: Settings,
    platform_server: PlatformServer,
    kind: ChannelKind,
    account: str,
    secrets: dict[str, str],
    thread: dict[str, Any],
    path: str,
    answer: dict[str, Any],
    expected_id: str,
) -> None:
    platform_server.on(path, 200, answer)
    tenant = await make_tenant(pg_database, "agency-p")
    brand = await make_brand(pg_database, tenant, "solvia")
    channel = await make_channel_of(
        pg_database, tenant, brand.id, kind, account_id=account, secrets=secrets
    )
    conversation = await make_thread(pg_database, channel, **thread)
    reply = await drafted_and_queued(pg_database, conversation, "Thanks, we are on it.")

    assert await run_job(pg_database, platform_server.settings(services_settings), reply) == {
        "status": "sent",
        "attempts": 1,
    }

    (request,) = platform_server.requests
    assert request.path == path
    if kind is ChannelKind.X:
        assert request.headers["authorization"] == "Bearer x-user-token"
        assert request.json() == {
            "text": "Thanks, we are on it.",
            "reply": {"in_reply_to_tweet_id": "1866001"},
        }
    elif kind is ChannelKind.TELEGRAM:
        assert request.json() == {
            "chat_id": "-1002198765432",
            "text": "Thanks, we are on it.",
            "reply_parameters": {"message_id": 3305},
        }
    else:
        assert request.form() == {
            "owner_id": "-227771234",
            "post_id": "1843",
            "message": "Thanks, we are on it.",
            "from_group": "227771234",
            "guid": reply.idempotency_key,
            "reply_to_comment": "1850",
            "access_token": "vk-community-token",
            "v": "5.199",
        }
    assert (await stored(pg_database, reply)).platform_message_id == expected_id


async def test_client_approvers_never_send_agents_do(pg_database: Database) -> None:
    thread = await facebook_thread(pg_database)
    approver = Grantee(
        role=Role.CLIENT_APPROVER,
        brand_ids=frozenset({thread.brand_id}),
        scopes=frozenset(ALL_SCOPES),
    )
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        with pytest.raises(PermissionDeniedError):
            await service.create_draft(
                uow, grantee=approver, conversation_id=thread.conversation_id, text="Hello there."
            )
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        with pytest.raises(PermissionDeniedError):
            await service.send_reply(uow, grantee=approver, reply_id=draft.id, queue=None)
        sent = await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        assert sent.status is ReplyStatus.QUEUED


async def test_another_tenants_conversation_and_reply_are_not_found(pg_database: Database) -> None:
    thread = await facebook_thread(pg_database)
    other_tenant = await make_tenant(pg_database, "agency-other")
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(thread.tenant_id)
    ) as uow:
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        await uow.commit()
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(other_tenant)) as uow:
        with pytest.raises(NotFoundError):
            await service.create_draft(
                uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hi."
            )
        with pytest.raises(NotFoundError):
            await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        with pytest.raises(NotFoundError):
            await service.move_to_private(
                uow,
                grantee=AGENT,
                conversation_id=thread.conversation_id,
                public_text="We wrote to you.",
                private_text="Details here.",
            )


async def test_a_vip_customer_needs_approval_before_anything_is_queued(
    pg_database: Database,
) -> None:
    thread = await facebook_thread(
        pg_database, is_vip=True, labels={"category": "complaint", "escalate_to": "pr"}
    )
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(thread.tenant_id)
    ) as uow:
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        reply = await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        assert (reply.status, reply.approval_required, reply.approval_reasons) == (
            ReplyStatus.PENDING_APPROVAL,
            True,
            ["department:pr", "vip_customer"],
        )
        approved = await service.decide_reply_approval(uow, reply_id=reply.id, decision="approved")
        assert approved.status is ReplyStatus.APPROVED
        queued = await service.send_reply(uow, grantee=AGENT, reply_id=reply.id, queue=None)
        assert queued.status is ReplyStatus.QUEUED


async def test_crisis_mode_from_the_brand_settings_needs_approval(pg_database: Database) -> None:
    thread = await facebook_thread(pg_database)
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        brand = await BrandRepository(uow).get(thread.brand_id)
        brand.settings = {**brand.settings, "crisis_mode": True}
        await uow.commit()
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        reply = await service.submit_reply(uow, grantee=AGENT, reply_id=draft.id)
        assert (reply.status, reply.approval_reasons) == (
            ReplyStatus.PENDING_APPROVAL,
            ["crisis_mode"],
        )


async def test_tone_findings_stop_the_submission(pg_database: Database) -> None:
    thread = await facebook_thread(pg_database, language="pl")
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        brand = await BrandRepository(uow).get(thread.brand_id)
        brand.settings = {
            **brand.settings,
            "tone_guidelines": {"address_form": "formal", "banned_phrases": ["Sorry za kłopot"]},
        }
        await uow.commit()
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        draft = await service.create_draft(
            uow,
            grantee=AGENT,
            conversation_id=thread.conversation_id,
            text="Sorry za kłopot, napisz do nas.",
        )
        codes = [finding["code"] for finding in draft.tone_findings]
        assert "banned_phrase" in codes
        with pytest.raises(ToneFindingsError) as raised:
            await service.submit_reply(uow, grantee=AGENT, reply_id=draft.id)
        assert raised.value.code == "tone_findings"
        fixed = await service.update_draft(
            uow,
            grantee=AGENT,
            reply_id=draft.id,
            text="Przepraszamy za kłopot. Sprawdzimy Pana zgłoszenie do jutra.",
        )
        assert [f for f in fixed.tone_findings if f["severity"] == "error"] == []
        submitted = await service.submit_reply(uow, grantee=AGENT, reply_id=draft.id)
        assert submitted.status is ReplyStatus.APPROVED


async def test_move_to_private_links_twin_conversations_and_sends_both(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 200, {"id": "1843_9100"})
    platform_server.on(f"/v21.0/{PAGE}/messages", 200, {"recipient_id": "1", "message_id": "m_9"})
    thread = await facebook_thread(pg_database)
    context: dict[str, Any] = {
        "database": pg_database,
        "settings": platform_server.settings(services_settings),
    }
    queue = in_process_queue(context)
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        moved = await service.move_to_private(
            uow,
            grantee=AGENT,
            conversation_id=thread.conversation_id,
            public_text=(
                "We have sent you a private message: we need your policy number"
                " to check the payout today."
            ),
            private_text="Please send us your policy number so we can check the payout.",
            queue=queue,
        )
        await uow.commit()
    await queue.close()

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        twins = TwinRepository(uow)
        assert await twins.twin_of(thread.conversation_id) == moved.private_conversation_id
        assert await twins.twin_of(moved.private_conversation_id) == thread.conversation_id
        private = await uow.session.get(Conversation, moved.private_conversation_id)
        assert private is not None
        assert (private.kind, private.thread_key, private.customer_id) == (
            ConversationKind.DIRECT,
            f"{PAGE}:8412093375521064",
            thread.customer_id,
        )
        events = (
            await uow.session.execute(
                select(ConversationEvent.conversation_id, ConversationEvent.data).where(
                    ConversationEvent.kind == "moved_to_private"
                )
            )
        ).all()
        replies = await service.list_conversation_replies(
            uow, grantee=AGENT, conversation_id=thread.conversation_id
        )
        private_replies = await service.list_conversation_replies(
            uow, grantee=AGENT, conversation_id=moved.private_conversation_id
        )
    assert sorted(
        (row.conversation_id, row.data["twin_conversation_id"]) for row in events
    ) == sorted(
        [
            (thread.conversation_id, str(moved.private_conversation_id)),
            (moved.private_conversation_id, str(thread.conversation_id)),
        ]
    )
    assert [(r.kind, r.status, r.platform_message_id) for r in replies] == [
        (ReplyKind.PUBLIC_REPLY, ReplyStatus.SENT, "1843_9100")
    ]
    assert [(r.kind, r.status, r.twin_conversation_id) for r in private_replies] == [
        (ReplyKind.PRIVATE_MESSAGE, ReplyStatus.SENT, thread.conversation_id)
    ]
    by_path = {request.path: request.json() for request in platform_server.requests}
    assert by_path[f"/v21.0/{PAGE}/messages"] == {
        "recipient": {"comment_id": COMMENT},
        "messaging_type": "RESPONSE",
        "message": {"text": "Please send us your policy number so we can check the payout."},
    }


async def test_a_like_for_praise_on_telegram_and_none_on_vk(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    platform_server.on(
        "/bot7312458890:AAtest/setMessageReaction", 200, {"ok": True, "result": True}
    )
    tenant = await make_tenant(pg_database, "agency-r")
    brand = await make_brand(pg_database, tenant, "solvia")
    telegram = await make_channel_of(
        pg_database,
        tenant,
        brand.id,
        ChannelKind.TELEGRAM,
        account_id="7312458890",
        secrets={"bot_token": "7312458890:AAtest"},
    )
    vk = await make_channel_of(
        pg_database,
        tenant,
        brand.id,
        ChannelKind.VK,
        account_id="227771234",
        secrets={"access_token": "vk"},
    )
    praise = {"category": "praise", "priority": "cold"}
    thread = await make_thread(
        pg_database, telegram, external_id="5512:17", kind="dm", labels=praise
    )
    vk_thread = await make_thread(pg_database, vk, external_id="-227771234_1860", labels=praise)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant)) as uow:
        reaction = await service.react(uow, grantee=AGENT, mention_id=thread.mention_id)
        with pytest.raises(ChannelNotSupportedError):
            await service.react(uow, grantee=AGENT, mention_id=vk_thread.mention_id)
        await uow.commit()

    result = await run_job(pg_database, platform_server.settings(services_settings), reaction)

    assert result == {"status": "sent", "attempts": 1}
    (request,) = platform_server.requests
    assert request.json() == {
        "chat_id": "5512",
        "message_id": 17,
        "reaction": [{"type": "emoji", "emoji": "👍"}],
    }


async def test_a_cancelled_reply_is_never_sent_and_a_sent_one_never_edited(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 200, {"id": "1843_9500"})
    settings = platform_server.settings(services_settings)
    thread = await facebook_thread(pg_database)
    cancelled = await drafted_and_queued(pg_database, thread, "First answer.")
    sent = await drafted_and_queued(pg_database, thread, "Second answer.")
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        await service.cancel_reply(uow, grantee=AGENT, reply_id=cancelled.id)
        await uow.commit()

    assert await run_job(pg_database, settings, cancelled) == {"status": "skipped"}
    assert await run_job(pg_database, settings, sent) == {"status": "sent", "attempts": 1}

    assert [request.json() for request in platform_server.requests] == [
        {"message": "Second answer."}
    ]
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        with pytest.raises(ReplyStateError):
            await service.update_draft(uow, grantee=AGENT, reply_id=sent.id, text="Changed.")
        with pytest.raises(ReplyStateError):
            await service.cancel_reply(uow, grantee=AGENT, reply_id=sent.id)


async def test_the_brand_signature_is_appended_when_sending(
    pg_database: Database, services_settings: Settings, platform_server: PlatformServer
) -> None:
    platform_server.on(f"/v21.0/{COMMENT}/comments", 200, {"id": "1843_9600"})
    thread = await facebook_thread(pg_database)
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        brand = await BrandRepository(uow).get(thread.brand_id)
        brand.settings = {
            **brand.settings,
            "tone_guidelines": {
                "signature": {
                    "format": "– {imię}, Zespół Wierzba",
                    "rule": "podpis dokleja system przy wysyłce",
                }
            },
        }
        member = await tenants_service.add_member(
            uow, email="marta@agency.example", role=Role.AGENT, display_name="Marta Nowak"
        )
        await uow.commit()
    async with UnitOfWork(pg_database, actor=Actor.user(member.user_id), scope=scope) as uow:
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Dzień dobry."
        )
        await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        await uow.commit()

    await run_job(pg_database, platform_server.settings(services_settings), draft)

    (request,) = platform_server.requests
    assert request.json() == {"message": "Dzień dobry.\n– Marta, Zespół Wierzba"}


async def test_channels_without_an_api_or_without_dms_refuse(pg_database: Database) -> None:
    tenant = await make_tenant(pg_database, "agency-c")
    brand = await make_brand(pg_database, tenant, "solvia")
    imported = await make_channel_of(
        pg_database, tenant, brand.id, ChannelKind.IMPORT, account_id="export", secrets={}
    )
    no_dms = await make_channel(pg_database, tenant, brand.id, external_account_id=PAGE)
    import_thread = await make_thread(pg_database, imported, external_id="row-1")
    page_thread = await make_thread(pg_database, no_dms, external_id=COMMENT)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant)) as uow:
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=import_thread.conversation_id, text="Thanks."
        )
        with pytest.raises(ChannelNotSupportedError):
            await service.send_reply(uow, grantee=AGENT, reply_id=draft.id, queue=None)
        with pytest.raises(ChannelNotSupportedError):
            await service.move_to_private(
                uow,
                grantee=AGENT,
                conversation_id=page_thread.conversation_id,
                public_text="We wrote to you in private: we need your order number to check it.",
                private_text="Please send us your order number.",
            )


async def test_an_active_data_breach_event_puts_the_brand_in_crisis_mode(
    pg_database: Database,
) -> None:
    thread = await facebook_thread(pg_database)
    scope = TenantScope(thread.tenant_id)
    now = utcnow()
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        await create_brand_event(
            uow,
            Grantee(role=Role.ADMIN, brand_ids=frozenset(), scopes=frozenset(ALL_SCOPES)),
            brand_id=thread.brand_id,
            fields=BrandEventFields(
                kind=BrandEventKind.DATA_BREACH_NOTICE,
                title="Security incident at a partner",
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=7),
            ),
        )
        draft = await service.create_draft(
            uow, grantee=AGENT, conversation_id=thread.conversation_id, text="Hello there."
        )
        reply = await service.submit_reply(uow, grantee=AGENT, reply_id=draft.id, now=now)
        assert (reply.status, reply.approval_reasons) == (
            ReplyStatus.PENDING_APPROVAL,
            ["crisis_mode"],
        )


@pytest.mark.parametrize("state", [VersionState.DRAFT, VersionState.REJECTED])
async def test_only_approved_qna_versions_can_be_recorded_on_a_reply(
    pg_database: Database, state: VersionState
) -> None:
    thread = await facebook_thread(pg_database)
    scope = TenantScope(thread.tenant_id)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        unapproved = await add_qna_version(uow, thread, state)
        with pytest.raises(ValidationError) as refused:
            await service.create_draft(
                uow,
                grantee=AGENT,
                conversation_id=thread.conversation_id,
                text="We are checking this for you now.",
                qna_version_ids=[unapproved],
            )
    assert refused.value.field == "qnaVersionIds"
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        assert (await uow.session.execute(select(Reply.id))).first() is None
