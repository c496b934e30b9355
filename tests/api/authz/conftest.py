"""One seeded world per module for the authorisation matrix, on the real services.

Tenant A ("agency") has the brands acme (granted to the client roles) and globex,
a channel each, customers, conversations with mentions, one member per role, an
API client, and the objects the mutations act on (team, SLA policy, brand event,
Q&A entry with a pending approval, reply draft, incident). Tenant B
("rival-agency") has its own brand, conversation and an admin.

The database is emptied once per module (not per test): read-only cases share
the world, mutation cases create fresh targets through `World` helpers. Jobs go
to a queue named for the module so its length shows whether a call enqueued one.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.graphql.ids import from_global_id, to_global_id
from api.services import Services, build_services
from domain.authz.policy import Role, scopes_for_role
from domain.channels.models import Channel
from domain.conversations.models import Conversation, ConversationKind, ConversationStatus
from domain.customers.models import Customer, CustomerIdentity
from domain.db.base import Base
from domain.db.session import Database, create_engine
from domain.db.uow import UnitOfWork
from domain.mentions.documents import MENTIONS_INDEX, mention_document
from domain.mentions.models import Mention, MentionDirection, TriageStatus
from domain.settings import Settings
from domain.shared.errors import NotFoundError
from domain.shared.tenancy import TenantScope
from domain.tenants import service as tenants_service
from domain.triage.models import Incident, IncidentStatus
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_tenant
from workers.queue import ArqJobQueue

BASE_TIME = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CLIENT_BRAND = "acme"
#: Placeholder for ids filled in while the world is built.
UNSET = uuid.UUID(int=0)


def gid(type_name: str, object_id: uuid.UUID) -> str:
    return str(to_global_id(type_name, object_id))


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code", "") for error in body.get("errors") or []]


@dataclass
class World:
    """Ids of everything seeded, tokens per caller, and builders of fresh targets."""

    services: Services
    http: httpx.AsyncClient
    owner_engine: AsyncEngine
    redis: ArqRedis
    queue_name: str
    tenant_id: uuid.UUID
    brand_ids: dict[str, uuid.UUID]
    channel_ids: dict[str, uuid.UUID]
    users: dict[Role, uuid.UUID]
    memberships: dict[Role, uuid.UUID]
    other_tenant_id: uuid.UUID
    other_admin: uuid.UUID
    other_brand_id: uuid.UUID
    other_conversation_id: uuid.UUID
    customer_id: uuid.UUID = UNSET
    conversation_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    mention_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    tenant_a_ids: set[uuid.UUID] = field(default_factory=set)
    counter: list[int] = field(default_factory=lambda: [0])

    # --- callers -------------------------------------------------------------
    def token(self, role: Role, scopes: frozenset[str] | None = None) -> str:
        """A token of `role`'s member with every scope the role may hold, or `scopes`."""
        return self.services.tokens.issue(
            subject=str(self.users[role]),
            tenant_id=self.tenant_id,
            scopes=frozenset(scopes_for_role(role)) if scopes is None else scopes,
            ttl_seconds=600,
        )

    def other_token(self) -> str:
        return self.services.tokens.issue(
            subject=str(self.other_admin),
            tenant_id=self.other_tenant_id,
            scopes=frozenset(scopes_for_role(Role.ADMIN)),
            ttl_seconds=600,
        )

    async def ask(
        self, token: str | None, query: str, variables: dict[str, Any] | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def owner_call(
        self, query: str, variables: dict[str, Any], role: Role = Role.OWNER
    ) -> dict[str, Any]:
        """Run a mutation as tenant A's owner (or `role`); its payload, asserting success."""
        body = (await self.ask(self.token(role), query, variables)).json()
        assert not body.get("errors"), body
        (payload,) = body["data"].values()
        assert payload.get("userErrors", []) == [], payload
        self.remember(payload)
        assert isinstance(payload, dict)
        return payload

    def remember(self, value: Any) -> None:
        """Record every id in `value` as tenant A's (for the "no data of A" checks)."""
        for object_id in ids_in(value):
            self.tenant_a_ids.add(object_id)

    # --- observations --------------------------------------------------------
    async def fingerprint(self) -> dict[str, str]:
        """A digest of tenant A's rows in every tenant-owned table, and its audit count."""
        parts = []
        for table in Base.metadata.sorted_tables:
            if "tenant_id" not in table.columns:
                continue
            # Table names come from our own metadata, never from input.
            parts.append(
                f"SELECT '{table.name}' AS name, count(*)::text || ':' || coalesce(md5("  # noqa: S608
                f"string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') AS digest "
                f'FROM "{table.name}" t WHERE t.tenant_id = :tenant'
            )
        async with self.owner_engine.begin() as connection:
            # Row-level security applies to the owner too: read as tenant A.
            await connection.execute(
                text("SELECT set_config('app.tenant_id', :tenant, true)"),
                {"tenant": str(self.tenant_id)},
            )
            rows = await connection.execute(
                text(" UNION ALL ".join(parts)), {"tenant": self.tenant_id}
            )
            return {str(row.name): str(row.digest) for row in rows}

    async def queued_jobs(self) -> int:
        return int(await self.redis.zcard(self.queue_name))

    # --- fresh targets -------------------------------------------------------
    def _next(self) -> int:
        self.counter[0] += 1
        return self.counter[0]

    def unit_of_work(self, tenant_id: uuid.UUID | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.services.database, actor=TEST_ACTOR, scope=TenantScope(tenant_id or self.tenant_id)
        )

    async def customer(self, name: str, tenant_id: uuid.UUID | None = None) -> uuid.UUID:
        customer_id = uuid.uuid4()
        async with self.unit_of_work(tenant_id) as uow:
            uow.session.add(
                Customer(
                    id=customer_id,
                    created_at=BASE_TIME,
                    display_name=name,
                    is_vip=False,
                    crm_id=None,
                    notes="",
                )
            )
            await uow.flush()
            uow.session.add(
                CustomerIdentity(
                    id=uuid.uuid4(),
                    created_at=BASE_TIME,
                    customer_id=customer_id,
                    platform="facebook",
                    platform_user_id=f"pu-{customer_id.hex[:12]}",
                    handle=f"h{customer_id.hex[:8]}",
                    display_name=name,
                )
            )
            await uow.commit()
        if tenant_id is None:
            self.tenant_a_ids.add(customer_id)
        return customer_id

    async def conversation(
        self,
        *,
        brand_id: uuid.UUID,
        channel_id: uuid.UUID,
        customer_id: uuid.UUID,
        tenant_id: uuid.UUID | None = None,
        text_body: str = "my parcel is late again",
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """A triaged conversation with one inbound mention: (conversation id, mention id)."""
        number = self._next()
        opened = BASE_TIME + timedelta(minutes=number)
        conversation_id, mention_id = uuid.uuid4(), uuid.uuid4()
        async with self.unit_of_work(tenant_id) as uow:
            uow.session.add(
                Conversation(
                    id=conversation_id,
                    created_at=opened,
                    brand_id=brand_id,
                    channel_id=channel_id,
                    customer_id=customer_id,
                    kind=ConversationKind.PUBLIC_THREAD,
                    thread_key=f"authz-thread-{number}",
                    status=ConversationStatus.NEW,
                    priority="hot",
                    opened_at=opened,
                    last_message_at=opened,
                    last_customer_message_at=opened,
                    resolved_at=None,
                    message_count=1,
                    sla_due_at=opened + timedelta(hours=1),
                    snoozed_until=None,
                    assignee_id=None,
                )
            )
            await uow.flush()
            uow.session.add(
                Mention(
                    id=mention_id,
                    created_at=opened,
                    brand_id=brand_id,
                    channel_id=channel_id,
                    conversation_id=conversation_id,
                    customer_id=customer_id,
                    external_id=f"authz-m-{number}",
                    platform="facebook",
                    kind="comment",
                    direction=MentionDirection.INBOUND,
                    author_platform_id="author-1",
                    author_handle="author",
                    author_name="An Author",
                    text=text_body,
                    permalink=f"https://facebook.example/authz-m-{number}",
                    posted_at=opened,
                    received_at=opened,
                    triage_status=TriageStatus.DONE,
                    language="en",
                    labels={"priority": "hot", "category": "delivery"},
                    reasons=["because"],
                )
            )
            await uow.commit()
        if tenant_id is None:
            self.tenant_a_ids.update({conversation_id, mention_id})
        return conversation_id, mention_id

    async def acme_conversation(self) -> tuple[uuid.UUID, uuid.UUID]:
        return await self.conversation(
            brand_id=self.brand_ids[CLIENT_BRAND],
            channel_id=self.channel_ids[CLIENT_BRAND],
            customer_id=self.customer_id,
        )

    async def member(self, role: Role = Role.AGENT) -> tuple[uuid.UUID, uuid.UUID]:
        """A fresh member of tenant A: (user id, membership id)."""
        email = f"{role.value}-{self._next()}@agency.example"
        async with self.unit_of_work() as uow:
            membership = await tenants_service.add_member(uow, email=email, role=role)
            await uow.commit()
        self.tenant_a_ids.update({membership.user_id, membership.id})
        return membership.user_id, membership.id

    async def member_gid(self) -> str:
        _user_id, membership_id = await self.member()
        return gid("Membership", membership_id)

    async def qna_entry_id(self) -> str:
        entry_id, _version_id = await self.qna_entry()
        return entry_id

    async def incident(self) -> uuid.UUID:
        number = self._next()
        async with self.unit_of_work() as uow:
            incident = Incident(
                brand_id=self.brand_ids[CLIENT_BRAND],
                key=f"acme-outage-{number}",
                kind="outage",
                title="login outage",
                terms=["login"],
                status=IncidentStatus.OPEN,
                started_at=BASE_TIME,
                last_seen_at=BASE_TIME + timedelta(minutes=10),
                mention_count=6,
                planned_event=None,
                resolved_at=None,
            )
            incident.tenant_id = self.tenant_id
            uow.session.add(incident)
            await uow.commit()
            incident_id: uuid.UUID = incident.id
        self.tenant_a_ids.add(incident_id)
        return incident_id

    async def team(self) -> str:
        payload = await self.owner_call(
            TEAM_CREATE,
            {
                "input": {
                    "brandId": gid("Brand", self.brand_ids[CLIENT_BRAND]),
                    "team": {
                        "name": f"Care {self._next()}",
                        "memberIds": [gid("User", self.users[Role.AGENT])],
                        "leadUserId": None,
                        "strategy": "ROUND_ROBIN",
                        "unassignAfterMinutes": None,
                    },
                }
            },
        )
        return str(payload["team"]["id"])

    async def sla_policy(self) -> str:
        payload = await self.owner_call(
            SLA_POLICY_CREATE,
            {
                "input": {
                    "brandId": gid("Brand", self.brand_ids[CLIENT_BRAND]),
                    "policy": sla_policy_fields(f"Policy {self._next()}"),
                }
            },
        )
        return str(payload["policy"]["id"])

    async def brand_event(self) -> str:
        payload = await self.owner_call(
            BRAND_EVENT_CREATE,
            {
                "input": {
                    "brandId": gid("Brand", self.brand_ids[CLIENT_BRAND]),
                    "event": brand_event_fields(f"Launch {self._next()}"),
                }
            },
        )
        return str(payload["event"]["id"])

    async def qna_entry(self) -> tuple[str, str]:
        """A fresh Q&A entry on acme: (entry id, draft version id)."""
        payload = await self.owner_call(
            QNA_ENTRY_CREATE, {"input": qna_entry_fields(self.brand_ids, self._next())}
        )
        return str(payload["entry"]["id"]), str(payload["version"]["id"])

    async def approval(self) -> str:
        """A pending approval request on acme (a submitted Q&A version)."""
        _entry_id, version_id = await self.qna_entry()
        payload = await self.owner_call(QNA_VERSION_SUBMIT, {"input": {"versionId": version_id}})
        return str(payload["approvalRequest"]["id"])

    async def reply_draft(self, conversation_id: uuid.UUID | None = None) -> str:
        if conversation_id is None:
            conversation_id, _mention = await self.acme_conversation()
        payload = await self.owner_call(
            REPLY_DRAFT_CREATE,
            {
                "input": {
                    "conversationId": gid("Conversation", conversation_id),
                    "text": "Thank you, we are looking into your parcel.",
                    "qnaVersionIds": [],
                }
            },
        )
        return str(payload["reply"]["id"])

    async def api_client(self) -> str:
        payload = await self.owner_call(
            API_CLIENT_CREATE,
            {
                "input": {
                    "name": f"Desk {self._next()}",
                    "grantTypes": ["CLIENT_CREDENTIALS"],
                    "redirectUris": [],
                    "scopes": ["inbox:read"],
                    "role": "AGENT",
                    "brandIds": [],
                    "public": False,
                }
            },
        )
        return str(payload["apiClient"]["id"])

    async def tone_version(self) -> str:
        payload = await self.owner_call(
            TONE_GUIDELINE_UPDATE,
            {
                "input": {
                    "brandId": gid("Brand", self.brand_ids[CLIENT_BRAND]),
                    "language": "en",
                    "maxReplyChars": 400 + self._next(),
                }
            },
        )
        return str(payload["toneGuidelineVersion"]["id"])


def ids_in(value: Any) -> set[uuid.UUID]:
    """Every object id (global or raw) found under an `id`/`...Id` key of a JSON value."""
    found: set[uuid.UUID] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and (key == "id" or key.endswith("Id")):
                found |= _decode(item)
            else:
                found |= ids_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= ids_in(item)
    return found


def _decode(raw: str) -> set[uuid.UUID]:
    try:
        return {from_global_id(raw)[1]}
    except NotFoundError:
        # Not a global id: maybe a raw uuid, maybe another string (a client id).
        try:
            return {uuid.UUID(raw)}
        except ValueError:
            return set()


def sla_policy_fields(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "priority": "hot",
        "serviceTier": "standard",
        "aroundTheClock": True,
        "businessHours": None,
        "firstResponseMinutes": 60,
        "nextResponseMinutes": 120,
        "resolutionMinutes": 1440,
        "warningMinutes": 15,
        "notifyTeamLeadOnBreach": False,
        "raisePriorityOnBreach": False,
    }


def brand_event_fields(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "kind": "PRODUCT_LAUNCH",
        "planned": True,
        "startsAt": "2026-12-01T09:00:00+00:00",
        "endsAt": "2026-12-02T09:00:00+00:00",
        "briefing": "New courier partner; expect questions about tracking.",
        "expectedImpact": "RAISES",
        "slaFactor": 1.5,
        "affectedChannelIds": [],
        "affectedProducts": ["tracking"],
        "qnaEntryIds": [],
    }


def qna_entry_fields(brand_ids: dict[str, uuid.UUID], number: int) -> dict[str, Any]:
    return {
        "brandId": gid("Brand", brand_ids[CLIENT_BRAND]),
        "externalKey": f"parcel-late-{number}",
        "language": "en",
        "questionVariants": ["Where is my parcel?"],
        "answer": "Track it in the app under Orders; most parcels arrive within three days.",
        "product": "delivery",
        "tags": ["parcels"],
    }


TEAM_CREATE = "mutation ($input: TeamCreateInput!) { teamCreate(input: $input) { team { id } userErrors { code field message } } }"  # noqa: E501
SLA_POLICY_CREATE = "mutation ($input: SlaPolicyCreateInput!) { slaPolicyCreate(input: $input) { policy { id } userErrors { code field message } } }"  # noqa: E501
BRAND_EVENT_CREATE = "mutation ($input: BrandEventCreateInput!) { brandEventCreate(input: $input) { event { id } userErrors { code field message } } }"  # noqa: E501
QNA_ENTRY_CREATE = "mutation ($input: QnaEntryCreateInput!) { qnaEntryCreate(input: $input) { entry { id } version { id } userErrors { code field message } } }"  # noqa: E501
QNA_VERSION_SUBMIT = "mutation ($input: QnaVersionSubmitInput!) { qnaVersionSubmit(input: $input) { approvalRequest { id } userErrors { code field message } } }"  # noqa: E501
REPLY_DRAFT_CREATE = "mutation ($input: ReplyDraftCreateInput!) { replyDraftCreate(input: $input) { reply { id } userErrors { code field message } } }"  # noqa: E501
API_CLIENT_CREATE = "mutation ($input: ApiClientCreateInput!) { apiClientCreate(input: $input) { apiClient { id } userErrors { code field message } } }"  # noqa: E501
TONE_GUIDELINE_UPDATE = "mutation ($input: ToneGuidelineUpdateInput!) { toneGuidelineUpdate(input: $input) { toneGuidelineVersion { id } userErrors { code field message } } }"  # noqa: E501


async def _member(
    database: Database, tenant_id: uuid.UUID, email: str, role: Role, brands: tuple[str, ...]
) -> tuple[uuid.UUID, uuid.UUID]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        membership = await tenants_service.add_member(
            uow, email=email, role=role, brand_slugs=brands
        )
        await uow.commit()
    return membership.user_id, membership.id


async def build_world(
    services: Services,
    http: httpx.AsyncClient,
    owner_engine: AsyncEngine,
    redis: ArqRedis,
    queue_name: str,
) -> World:
    database = services.database
    tenant_id = await make_tenant(database, "agency")
    brands = {slug: await make_brand(database, tenant_id, slug) for slug in ("acme", "globex")}
    channels = {
        slug: await make_channel(database, tenant_id, brand.id, external_account_id=f"{slug}-1")
        for slug, brand in brands.items()
    }
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        # acme's page takes private messages, so a thread can move to private.
        acme_channel = await uow.session.get(Channel, channels[CLIENT_BRAND].id)
        assert acme_channel is not None
        acme_channel.dm_enabled = True
        await uow.commit()
    users: dict[Role, uuid.UUID] = {}
    memberships: dict[Role, uuid.UUID] = {}
    for role in Role:
        grants = (CLIENT_BRAND,) if role in (Role.CLIENT_APPROVER, Role.CLIENT_VIEWER) else ()
        users[role], memberships[role] = await _member(
            database, tenant_id, f"{role.value}@agency.example", role, grants
        )
    other_tenant_id = await make_tenant(database, "rival-agency")
    other_brand = await make_brand(database, other_tenant_id, "zeta")
    other_channel = await make_channel(
        database, other_tenant_id, other_brand.id, external_account_id="zeta-1"
    )
    other_admin, _ = await _member(database, other_tenant_id, "admin@rival.example", Role.ADMIN, ())
    world = World(
        services=services,
        http=http,
        owner_engine=owner_engine,
        redis=redis,
        queue_name=queue_name,
        tenant_id=tenant_id,
        brand_ids={slug: brand.id for slug, brand in brands.items()},
        channel_ids={slug: channel.id for slug, channel in channels.items()},
        users=users,
        memberships=memberships,
        other_tenant_id=other_tenant_id,
        other_admin=other_admin,
        other_brand_id=other_brand.id,
        other_conversation_id=UNSET,
    )
    world.tenant_a_ids |= {tenant_id, *world.brand_ids.values(), *world.channel_ids.values()}
    world.tenant_a_ids |= {*users.values(), *memberships.values()}
    world.customer_id = await world.customer("Ada Customer")
    for slug in ("acme", "globex"):
        conversation_id, mention_id = await world.conversation(
            brand_id=world.brand_ids[slug],
            channel_id=world.channel_ids[slug],
            customer_id=world.customer_id,
        )
        world.conversation_ids[slug] = conversation_id
        world.mention_ids[slug] = mention_id
    other_customer = await world.customer("Zed Rival", tenant_id=other_tenant_id)
    world.other_conversation_id, _ = await world.conversation(
        brand_id=other_brand.id,
        channel_id=other_channel.id,
        customer_id=other_customer,
        tenant_id=other_tenant_id,
    )
    world.extra["team"] = await world.team()
    world.extra["slaPolicy"] = await world.sla_policy()
    world.extra["brandEvent"] = await world.brand_event()
    world.extra["qnaEntry"], world.extra["qnaVersion"] = await world.qna_entry()
    world.extra["approval"] = await world.approval()
    world.extra["reply"] = await world.reply_draft(world.conversation_ids[CLIENT_BRAND])
    world.extra["apiClient"] = await world.api_client()
    world.extra["toneVersion"] = await world.tone_version()
    world.extra["incident"] = gid("Incident", await world.incident())
    await world.owner_call(
        "mutation ($input: AgentAvailabilitySetInput!) { agentAvailabilitySet(input: $input) "
        "{ userErrors { code field message } } }",
        {"input": {"status": "ONLINE", "capacity": 5}},
        role=Role.AGENT,
    )
    await world.owner_call(
        "mutation ($input: ConversationPresenceTouchInput!) { conversationPresenceTouch("
        "input: $input) { userErrors { code field message } } }",
        {
            "input": {
                "conversationId": gid("Conversation", world.conversation_ids[CLIENT_BRAND]),
                "activity": "VIEWING",
            }
        },
        role=Role.AGENT,
    )
    await index_mentions(world)
    return world


async def index_mentions(world: World) -> None:
    """What the indexing job does: the mentions of both tenants into the search index."""
    for tenant_id in (world.tenant_id, world.other_tenant_id):
        async with world.unit_of_work(tenant_id) as uow:
            rows = (
                await uow.session.execute(
                    select(Mention, Channel.kind).join(Channel, Channel.id == Mention.channel_id)
                )
            ).all()
        documents = [mention_document(mention, channel_kind=str(kind)) for mention, kind in rows]
        await world.services.search.index_documents(MENTIONS_INDEX, documents)
    await world.services.search.refresh(MENTIONS_INDEX)


@pytest.fixture(scope="module")
def authz_queue_name() -> str:
    return f"parley-test-authz-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
async def authz_owner_engine(migrated_postgres: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_postgres)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def authz_services(
    authz_owner_engine: AsyncEngine,
    services_settings: Settings,
    redis_url: str,
    authz_queue_name: str,
) -> AsyncIterator[Services]:
    """The API's services on a database emptied once for the module; a queue of its own."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with authz_owner_engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    built = build_services(services_settings, queue=None)
    await built.search.ensure_ready()
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    built.queue = ArqJobQueue(pool, queue_name=authz_queue_name)
    yield built
    job_ids = [member.decode() for member in await pool.zrange(authz_queue_name, 0, -1)]
    await pool.delete(authz_queue_name, *(job_key_prefix + job_id for job_id in job_ids))
    await built.aclose()


@pytest.fixture(scope="module")
async def world(
    authz_services: Services,
    services_settings: Settings,
    authz_owner_engine: AsyncEngine,
    authz_queue_name: str,
    redis_url: str,
) -> AsyncIterator[World]:
    app = create_app(services_settings, services=authz_services)
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        yield await build_world(authz_services, http, authz_owner_engine, redis, authz_queue_name)
    await redis.aclose()
