"""A local platform API server that records requests, and conversations to answer."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.authz.policy import ALL_SCOPES, Grantee, Role
from domain.channels.models import Channel, ChannelKind
from domain.channels.service import create_channel
from domain.conversations.models import Conversation, ConversationKind, ConversationStatus
from domain.customers.models import Customer
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention, MentionDirection
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR

AGENT = Grantee(role=Role.AGENT, brand_ids=frozenset(), scopes=frozenset(ALL_SCOPES))


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class PlatformServer:
    """Answers each path with its scripted responses in order, then with `default`."""

    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    scripts: dict[str, list[tuple[int, Any, dict[str, str]]]] = field(default_factory=dict)
    defaults: dict[str, tuple[int, Any]] = field(default_factory=dict)

    def script(self, path: str, *responses: tuple[int, Any, dict[str, str]]) -> None:
        self.scripts.setdefault(path, []).extend(responses)

    def on(self, path: str, status: int, body: Any) -> None:
        self.defaults[path] = (status, body)

    async def handle(self, request: Request) -> Response:
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.url.path,
                headers={key.lower(): value for key, value in request.headers.items()},
                body=await request.body(),
            )
        )
        pending = self.scripts.get(request.url.path)
        if pending:
            status, body, headers = pending.pop(0)
            return JSONResponse(body, status_code=status, headers=headers)
        status, body = self.defaults.get(request.url.path, (404, {"error": "unknown path"}))
        return JSONResponse(body, status_code=status)

    def settings(self, base: Settings, **overrides: Any) -> Settings:
        """`base` with every platform API pointed at this server."""
        return base.model_copy(
            update={
                "meta_graph_api_url": f"{self.url}/v21.0",
                "x_api_url": self.url,
                "telegram_api_url": self.url,
                "vk_api_url": f"{self.url}/method",
                **overrides,
            }
        )


@pytest.fixture
async def platform_server() -> AsyncIterator[PlatformServer]:
    server_state = PlatformServer()
    app = Starlette(routes=[Route("/{path:path}", server_state.handle, methods=["POST"])])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    server_state.url = f"http://127.0.0.1:{port}"
    yield server_state
    server.should_exit = True
    await task


@dataclass(frozen=True)
class Thread:
    tenant_id: uuid.UUID
    brand_id: uuid.UUID
    channel: Channel
    conversation_id: uuid.UUID
    customer_id: uuid.UUID
    mention_id: uuid.UUID


async def make_channel_of(
    database: Database,
    tenant_id: uuid.UUID,
    brand_id: uuid.UUID,
    kind: ChannelKind,
    *,
    account_id: str,
    secrets: dict[str, str],
) -> Channel:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        channel = await create_channel(
            uow,
            None,
            brand_id=brand_id,
            kind=kind,
            name=f"{kind} {account_id}",
            external_account_id=account_id,
            dm_enabled=True,
            secrets=secrets,
        )
        await uow.commit()
    return channel


async def make_thread(
    database: Database,
    channel: Channel,
    *,
    external_id: str,
    kind: str = "comment",
    root_external_id: str | None = None,
    author_platform_id: str = "8412093375521064",
    text: str = "Gdzie jest moja wypłata?",
    language: str = "en",
    labels: dict[str, Any] | None = None,
    is_vip: bool = False,
    extra: dict[str, Any] | None = None,
) -> Thread:
    """A customer, their conversation and their message on `channel`."""
    now = utcnow()
    is_direct = kind == "dm"
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(channel.tenant_id)) as uow:
        customer = Customer(id=uuid.uuid4(), display_name="customer", is_vip=is_vip)
        uow.session.add(customer)
        await uow.flush()
        conversation = Conversation(
            id=uuid.uuid4(),
            brand_id=channel.brand_id,
            channel_id=channel.id,
            customer_id=customer.id,
            kind=ConversationKind.DIRECT if is_direct else ConversationKind.PUBLIC_THREAD,
            thread_key=root_external_id or external_id,
            status=ConversationStatus.NEW,
            opened_at=now,
            last_message_at=now,
            message_count=1,
        )
        uow.session.add(conversation)
        await uow.flush()
        mention = Mention(
            id=uuid.uuid4(),
            brand_id=channel.brand_id,
            channel_id=channel.id,
            conversation_id=conversation.id,
            customer_id=customer.id,
            external_id=external_id,
            platform=str(channel.kind),
            kind=kind,
            direction=MentionDirection.INBOUND,
            root_external_id=root_external_id,
            author_platform_id=author_platform_id,
            text=text,
            posted_at=now,
            received_at=now,
            language=language,
            labels=labels or {"category": "complaint", "priority": "hot"},
            extra=extra or {},
        )
        uow.session.add(mention)
        await uow.commit()
    return Thread(
        tenant_id=channel.tenant_id,
        brand_id=channel.brand_id,
        channel=channel,
        conversation_id=conversation.id,
        customer_id=customer.id,
        mention_id=mention.id,
    )
