"""Ingestion never reads or writes across tenants (application scope and row-level security)."""

import uuid

import pytest
from sqlalchemy import text

from domain.customers.service import merge_customers
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEventStatus
from domain.shared.errors import NotFoundError
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import (
    conversations_of,
    customers_of,
    deliver,
    identities_of,
    inbound_event,
    make_solvia,
    mentions_of,
    outbox_of,
    run_job,
    store_event,
)
from tests.unit.channels.webhook_fixture_manifests import body, fixtures
from workers.runtime import JobOutcome

pytestmark = pytest.mark.postgres

COUNTS = {
    "mentions": text("SELECT count(*) FROM mentions"),
    "customers": text("SELECT count(*) FROM customers"),
    "customer_identities": text("SELECT count(*) FROM customer_identities"),
    "conversations": text("SELECT count(*) FROM conversations"),
    "conversation_events": text("SELECT count(*) FROM conversation_events"),
    "outbox": text("SELECT count(*) FROM outbox"),
}


async def raw_counts(database: Database, scope: TenantScope) -> dict[str, int]:
    """Row counts by plain SQL with no tenant filter: only row-level security applies."""
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        return {
            table: int((await uow.session.execute(statement)).scalar_one())
            for table, statement in COUNTS.items()
        }


async def test_tenant_b_never_sees_tenant_a(pg_database: Database) -> None:
    tenant_a = await make_solvia(pg_database, "solvia-a")
    tenant_b = await make_solvia(pg_database, "solvia-b")
    await deliver(pg_database, tenant_a, "facebook", *[f.file[:3] for f in fixtures("facebook")])

    assert len(await mentions_of(pg_database, tenant_a.tenant_id)) == 11
    for read in (mentions_of, customers_of, identities_of, conversations_of):
        assert await read(pg_database, tenant_b.tenant_id) == []
    assert await outbox_of(pg_database, tenant_b.tenant_id, "index_mention") == []
    assert set((await raw_counts(pg_database, TenantScope(tenant_b.tenant_id))).values()) == {0}
    assert (await raw_counts(pg_database, TenantScope(tenant_a.tenant_id)))["mentions"] == 11

    # B's job cannot process A's event: not found, terminal, and A's event is untouched.
    pending = await store_event(
        pg_database, tenant_a.tenant_id, source="meta", payload=body("x", "01_")
    )
    assert await run_job(pg_database, tenant_b.tenant_id, pending) == JobOutcome(
        status="failed", detail="NotFoundError"
    )
    assert (await inbound_event(pg_database, tenant_a.tenant_id, pending)).status is (
        InboundEventStatus.PENDING
    )

    # B cannot merge A's customers.
    kasia = next(m for m in await mentions_of(pg_database, tenant_a.tenant_id) if m.customer_id)
    assert kasia.customer_id is not None
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant_b.tenant_id)
    ) as uow:
        with pytest.raises(NotFoundError):
            await merge_customers(uow, survivor_id=kasia.customer_id, merged_id=uuid.UUID(int=1))


async def test_the_same_content_in_two_tenants_is_two_separate_histories(
    pg_database: Database,
) -> None:
    tenant_a = await make_solvia(pg_database, "solvia-a")
    tenant_b = await make_solvia(pg_database, "solvia-b")
    await deliver(pg_database, tenant_a, "facebook", "02_")
    await deliver(pg_database, tenant_b, "facebook", "02_", "04_")

    (in_a,) = await mentions_of(pg_database, tenant_a.tenant_id)
    (in_b,) = await mentions_of(pg_database, tenant_b.tenant_id)
    assert in_a.external_id == in_b.external_id
    assert (in_a.version, in_b.version) == (1, 2)
    assert in_a.customer_id != in_b.customer_id
    assert in_a.channel_id == tenant_a.channel("fb_polska")
    assert in_b.channel_id == tenant_b.channel("fb_polska")
    (customer_a,) = await customers_of(pg_database, tenant_a.tenant_id)
    (customer_b,) = await customers_of(pg_database, tenant_b.tenant_id)
    assert (customer_a.tenant_id, customer_b.tenant_id) == (tenant_a.tenant_id, tenant_b.tenant_id)
