"""The admin use cases on the embedded default (SQLite): keysets, conflicts, window query."""

from datetime import timedelta

import pytest

from domain.authz.policy import Grantee, Role, scopes_for_role
from domain.brands.service import create_brand, list_visible_brands_page
from domain.channels.models import ChannelKind
from domain.channels.setup import connect_channel
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEvent, InboundEventStatus
from domain.ingestion.service import list_failed_inbound_events_of_channels
from domain.shared.clock import utcnow
from domain.shared.errors import ConflictError, ValidationError
from domain.shared.tenancy import TenantScope
from domain.tenants.service import (
    create_membership,
    deactivate_membership,
    list_members,
)
from tests.factories import TEST_ACTOR, make_brand, make_member, make_tenant

OWNER = Grantee(
    role=Role.OWNER, brand_ids=frozenset(), scopes=frozenset(scopes_for_role(Role.OWNER))
)


async def test_admin_use_cases_run_on_sqlite(sqlite_database: Database) -> None:
    database = sqlite_database
    tenant_id = await make_tenant(database, "embedded")
    acme = await make_brand(database, tenant_id, "acme")
    await make_member(database, tenant_id, "owner@embedded.example", Role.OWNER)
    scope = TenantScope(tenant_id)

    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        await create_brand(uow, OWNER, slug="bolt", name="Bolt", fields={"timezone": "Europe/Rome"})
        await uow.commit()
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        with pytest.raises(ConflictError):
            await create_brand(uow, OWNER, slug="bolt", name="Bolt again", fields={})
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        first = (await list_visible_brands_page(uow, OWNER, limit=1)).brands
        rest = await list_visible_brands_page(
            uow, OWNER, after=(first[0].name, first[0].id), limit=5
        )
    assert [brand.slug for brand in first + rest.brands] == ["acme", "bolt"]
    assert rest.total_count == 2

    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        record = await create_membership(
            uow, OWNER, email="Agent@Embedded.example", role=Role.AGENT
        )
        await uow.commit()
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        with pytest.raises(ConflictError):
            await create_membership(uow, OWNER, email="agent@embedded.example", role=Role.ADMIN)
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        owners = await list_members(uow, OWNER, role=Role.OWNER, limit=5)
        with pytest.raises(ValidationError):
            await deactivate_membership(uow, OWNER, membership_id=owners[0].membership.id)
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        found = await list_members(uow, OWNER, text="agent@", limit=5)
        page = await list_members(
            uow,
            OWNER,
            after=(owners[0].membership.created_at, owners[0].membership.id),
            limit=5,
        )
    assert [member.membership.id for member in found] == [record.membership.id]
    assert [member.membership.id for member in page] == [record.membership.id]

    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        registered = await connect_channel(
            uow,
            OWNER,
            brand_id=acme.id,
            kind=ChannelKind.GENERIC_WEBHOOK,
            external_account_id="hook",
        )
        now = utcnow()
        for index in range(3):
            uow.session.add(
                InboundEvent(
                    source="generic",
                    dedupe_key=f"body:{index}",
                    channel_id=registered.channel.id,
                    body=b"{}",
                    headers={},
                    received_at=now - timedelta(minutes=index),
                    status=InboundEventStatus.FAILED,
                    error="no parser",
                )
            )
        await uow.commit()
    assert registered.generated_secret is not None
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope) as uow:
        newest = await list_failed_inbound_events_of_channels(
            uow, channel_ids=[registered.channel.id], limit=2
        )
        events = newest[registered.channel.id]
        older = await list_failed_inbound_events_of_channels(
            uow,
            channel_ids=[registered.channel.id],
            before=(events[-1].received_at, events[-1].id),
            limit=2,
        )
    assert [event.dedupe_key for event in events] == ["body:0", "body:1"]
    assert [event.dedupe_key for event in older[registered.channel.id]] == ["body:2"]
