"""Two tenants with brands, client approvers and staff, for the knowledge and approval tests."""

import uuid
from dataclasses import dataclass
from pathlib import Path

from domain.approvals.service import Approver, approver_grantee, client_approvers
from domain.authz.policy import Grantee, Role, scopes_for_role
from domain.brands.models import Brand
from domain.brands.repository import BrandRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.knowledge.rules import QnaRecord, parse_qna_jsonl
from domain.shared.tenancy import Actor, TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_member, make_tenant

QNA_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "qna.jsonl"


@dataclass(frozen=True)
class World:
    tenant_id: uuid.UUID
    wierzba: Brand
    biryuza: Brand
    other_tenant_id: uuid.UUID
    other_wierzba: Brand
    approver_a: Approver  # client approver of wierzba
    approver_b: Approver  # client approver of biryuza
    other_approver: Approver  # client approver of wierzba in the other tenant

    def uow(self, database: Database, actor: Actor = TEST_ACTOR) -> UnitOfWork:
        return UnitOfWork(database, actor=actor, scope=TenantScope(self.tenant_id))


def staff(role: Role) -> Grantee:
    return Grantee(role=role, brand_ids=frozenset(), scopes=frozenset(scopes_for_role(role)))


def approver(person: Approver) -> Grantee:
    return approver_grantee(person)


def shared_records() -> tuple[QnaRecord, ...]:
    return parse_qna_jsonl(QNA_FILE.read_text("utf-8"))


async def _approvers(database: Database, tenant_id: uuid.UUID) -> dict[str, Approver]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        return {person.email: person for person in await client_approvers(uow)}


async def make_world(database: Database) -> World:
    tenant_id = await make_tenant(database, "northwind")
    wierzba = await make_brand(database, tenant_id, "wierzba")
    biryuza = await make_brand(database, tenant_id, "biryuza")
    await make_member(
        database, tenant_id, "anna@wierzba.example", Role.CLIENT_APPROVER, ("wierzba",)
    )
    await make_member(
        database, tenant_id, "boris@biryuza.example", Role.CLIENT_APPROVER, ("biryuza",)
    )
    await make_member(database, tenant_id, "agent@northwind.example", Role.AGENT)
    await make_member(
        database, tenant_id, "viewer@wierzba.example", Role.CLIENT_VIEWER, ("wierzba",)
    )
    other_tenant_id = await make_tenant(database, "southwind")
    other_wierzba = await make_brand(database, other_tenant_id, "wierzba")
    await make_member(
        database, other_tenant_id, "olga@wierzba.example", Role.CLIENT_APPROVER, ("wierzba",)
    )
    for scope_tenant, brand_ids, language in (
        (tenant_id, (wierzba.id,), "pl"),
        (tenant_id, (biryuza.id,), "ru"),
        (other_tenant_id, (other_wierzba.id,), "pl"),
    ):
        async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(scope_tenant)) as uow:
            for brand in await BrandRepository(uow).get_many(brand_ids):
                brand.primary_language = language
            await uow.commit()
    here = await _approvers(database, tenant_id)
    there = await _approvers(database, other_tenant_id)
    return World(
        tenant_id=tenant_id,
        wierzba=wierzba,
        biryuza=biryuza,
        other_tenant_id=other_tenant_id,
        other_wierzba=other_wierzba,
        approver_a=here["anna@wierzba.example"],
        approver_b=here["boris@biryuza.example"],
        other_approver=there["olga@wierzba.example"],
    )
