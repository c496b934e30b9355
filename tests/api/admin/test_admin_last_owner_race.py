"""Two owners demoting each other at the same moment: one of them stays owner."""

import asyncio
import uuid

import pytest
from sqlalchemy import select

from api.services import Services
from domain.authz.policy import Grantee, Role, scopes_for_role
from domain.db.uow import UnitOfWork
from domain.shared.errors import ValidationError
from domain.shared.tenancy import Actor, TenantScope
from domain.tenants.models import Membership
from domain.tenants.service import update_membership
from tests.api.admin.conftest import Agency, build_agency

pytestmark = pytest.mark.postgres

OWNER = Grantee(
    role=Role.OWNER, brand_ids=frozenset(), scopes=frozenset(scopes_for_role(Role.OWNER))
)


async def test_concurrent_demotions_keep_one_owner(services: Services) -> None:
    agency: Agency = await build_agency(services, "race", ("acme",))
    scope = TenantScope(agency.tenant_id)
    first_owner = agency.membership_ids[Role.OWNER]
    second_owner = agency.membership_ids[Role.ADMIN]
    async with UnitOfWork(services.database, actor=Actor.system("tests"), scope=scope) as uow:
        await update_membership(uow, OWNER, membership_id=second_owner, role=Role.OWNER)
        await uow.commit()

    async def demote(membership_id: uuid.UUID) -> str:
        actor = Actor.user(agency.user_ids[Role.OWNER])
        try:
            async with UnitOfWork(services.database, actor=actor, scope=scope) as uow:
                await update_membership(uow, OWNER, membership_id=membership_id, role=Role.ADMIN)
                # Hold the transaction open so the other demotion overlaps with it.
                await asyncio.sleep(0.3)
                await uow.commit()
        except ValidationError:
            return "refused"
        return "demoted"

    outcomes = await asyncio.gather(demote(first_owner), demote(second_owner))
    assert sorted(outcomes) == ["demoted", "refused"]
    async with UnitOfWork(services.database, actor=Actor.system("tests"), scope=scope) as uow:
        roles = (
            await uow.session.execute(
                select(Membership.role).where(Membership.id.in_([first_owner, second_owner]))
            )
        ).scalars()
        assert sorted(role.value for role in roles) == ["admin", "owner"]
