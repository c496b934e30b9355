"""A brand open Monday to Friday 09:00–17:00 in Warsaw, one channel, one customer,
and helpers to open conversations and run the SLA hooks in their own units of work."""

import uuid
from dataclasses import dataclass
from datetime import datetime

import pytest

from domain.authz.policy import Grantee, Role, scopes_for_role
from domain.brands.service import create_brand
from domain.conversations.models import Conversation, ConversationKind, ConversationStatus
from domain.customers.models import Customer
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.processing import TriageService
from domain.shared.tenancy import TenantScope
from domain.sla.policies import PolicyFields, create_policy
from domain.triage.ingestion import PipelineTriage, shared_triager
from tests.factories import TEST_ACTOR, make_channel, make_tenant

WORKDAY = [{"open": "09:00", "close": "17:00"}]
OFFICE_HOURS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WORKDAY)

ADMIN = Grantee(
    role=Role.ADMIN, brand_ids=frozenset(), scopes=frozenset(scopes_for_role(Role.ADMIN))
)


@dataclass(frozen=True)
class SlaWorld:
    tenant_id: uuid.UUID
    brand_id: uuid.UUID
    channel_id: uuid.UUID
    customer_id: uuid.UUID
    policy_id: uuid.UUID

    @property
    def scope(self) -> TenantScope:
        return TenantScope(self.tenant_id)


async def build_world(
    database: Database,
    slug: str,
    *,
    first_response_minutes: int = 60,
    next_response_minutes: int = 120,
    resolution_minutes: int = 480,
    raise_priority: bool = False,
    notify_lead: bool = False,
) -> SlaWorld:
    tenant_id = await make_tenant(database, slug)
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        brand = await create_brand(
            uow,
            None,
            slug=f"{slug}-brand",
            name=f"{slug} brand",
            fields={
                "timezone": "Europe/Warsaw",
                "business_hours": OFFICE_HOURS,
                "holiday_country": "PL",
            },
        )
        customer = Customer(display_name="c")
        customer.tenant_id = tenant_id
        uow.session.add(customer)
        policy = await create_policy(
            uow,
            ADMIN,
            brand_id=brand.id,
            fields=PolicyFields(
                name="Standard",
                first_response_minutes=first_response_minutes,
                next_response_minutes=next_response_minutes,
                resolution_minutes=resolution_minutes,
                warning_minutes=15,
                raise_priority_on_breach=raise_priority,
                notify_team_lead_on_breach=notify_lead,
            ),
        )
        await uow.commit()
    channel = await make_channel(database, tenant_id, brand.id, external_account_id=f"{slug}-page")
    return SlaWorld(tenant_id, brand.id, channel.id, customer.id, policy.id)


async def open_conversation(
    database: Database,
    world: SlaWorld,
    *,
    at: datetime,
    status: ConversationStatus = ConversationStatus.NEW,
    priority: str | None = None,
) -> uuid.UUID:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        conversation = Conversation(
            brand_id=world.brand_id,
            channel_id=world.channel_id,
            customer_id=world.customer_id,
            kind=ConversationKind.DIRECT,
            thread_key=str(uuid.uuid4()),
            status=status,
            priority=priority,
            opened_at=at,
            last_message_at=at,
        )
        uow.session.add(conversation)
        await uow.commit()
    return conversation.id


@pytest.fixture
async def world(pg_database: Database) -> SlaWorld:
    return await build_world(pg_database, "warta")


@pytest.fixture(scope="session")
def pipeline_triage() -> TriageService:
    """The real triage pipeline, loaded once (its model takes seconds to load)."""
    return PipelineTriage(shared_triager())
