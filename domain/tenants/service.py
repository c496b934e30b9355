"""Use cases of tenants, users and memberships."""

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from domain.accounts.passwords import hash_password
from domain.authz.policy import CLIENT_ROLES, Grantee, Role
from domain.brands.repository import BrandRepository
from domain.db.uow import UnitOfWork
from domain.shared.errors import ConflictError, NotFoundError, ValidationError
from domain.tenants import repository
from domain.tenants.models import BrandGrant, Membership, Tenant, User
from domain.tenants.repository import BrandGrantRepository, MembershipRepository


async def create_tenant(
    uow: UnitOfWork, *, slug: str, name: str, timezone: str = "UTC", default_locale: str = "en"
) -> Tenant:
    """Create an agency; `ConflictError` when the slug is taken."""
    slug = slug.strip().lower()
    if not slug or not slug.replace("-", "").isalnum():
        raise ValidationError("slug: lowercase letters, digits and dashes", field="slug")
    if await repository.get_tenant_by_slug_or_none(uow, slug) is not None:
        raise ConflictError(f"tenant {slug!r} exists")
    tenant = Tenant(slug=slug, name=name, timezone=timezone, default_locale=default_locale)
    uow.session.add(tenant)
    await uow.flush()
    return tenant


async def get_tenant_by_slug(uow: UnitOfWork, slug: str) -> Tenant:
    """The tenant with this slug; `NotFoundError` otherwise."""
    tenant = await repository.get_tenant_by_slug_or_none(uow, slug)
    if tenant is None:
        raise NotFoundError(f"no tenant {slug!r}")
    return tenant


async def get_user_by_email(uow: UnitOfWork, email: str) -> User:
    """The user with this e-mail; `NotFoundError` otherwise."""
    user = await repository.get_user_by_email_or_none(uow, email)
    if user is None:
        raise NotFoundError(f"no user {repository.normalize_email(email)!r}")
    return user


async def get_or_create_user(
    uow: UnitOfWork, *, email: str, display_name: str = "", password: str | None = None
) -> User:
    """The user with this e-mail, created if new; a given password replaces the old."""
    email = repository.normalize_email(email)
    if "@" not in email:
        raise ValidationError("not an e-mail address", field="email")
    user = await repository.get_user_by_email_or_none(uow, email)
    if user is None:
        user = User(email=email, display_name=display_name or email.split("@")[0])
        uow.session.add(user)
    if password is not None:
        user.password_hash = hash_password(password)
    await uow.flush()
    return user


async def add_member(
    uow: UnitOfWork,
    *,
    email: str,
    role: Role,
    brand_slugs: Collection[str] = (),
    password: str | None = None,
    display_name: str = "",
) -> Membership:
    """Give a user (created if new) a role in the scope's tenant.

    Client roles need at least one brand; their grants are replaced by exactly
    `brand_slugs`. Re-running with the same values changes nothing.
    """
    if role in CLIENT_ROLES and not brand_slugs:
        raise ValidationError(f"{role} needs at least one --brand", field="brands")
    if role not in CLIENT_ROLES and brand_slugs:
        raise ValidationError(
            f"{role} sees every brand; brands are for client roles", field="brands"
        )
    user = await get_or_create_user(uow, email=email, display_name=display_name, password=password)
    memberships = MembershipRepository(uow)
    membership = await memberships.get_for_user_or_none(user.id)
    if membership is None:
        membership = memberships.add(Membership(user_id=user.id, role=role))
    elif membership.role != role:
        membership.role = role
    await uow.flush()
    await _replace_grants(uow, membership, brand_slugs)
    return membership


async def _replace_grants(uow: UnitOfWork, membership: Membership, slugs: Collection[str]) -> None:
    brands = BrandRepository(uow)
    wanted: set[uuid.UUID] = set()
    for slug in slugs:
        wanted.add((await brands.get_by_slug(slug)).id)
    grants = BrandGrantRepository(uow)
    current = await grants.brand_ids_for(membership.id)
    for brand_id in wanted - current:
        grants.add(BrandGrant(membership_id=membership.id, brand_id=brand_id))
    for grant in await grants.get_many_for(membership.id, current - wanted):
        await grants.delete(grant)
    await uow.flush()


@dataclass(frozen=True, slots=True)
class Member:
    """A signed-in member: the user, the tenant and what the policy needs."""

    user: User
    tenant: Tenant
    membership: Membership
    grantee: Grantee


async def load_member(uow: UnitOfWork, *, user_id: uuid.UUID, scopes: frozenset[str]) -> Member:
    """The active member `user_id` of the scope's tenant; `NotFoundError` otherwise."""
    scope = uow.require_scope()
    membership = await MembershipRepository(uow).get_for_user_or_none(user_id)
    user = await uow.session.get(User, user_id)
    tenant = await repository.get_tenant_or_none(uow, scope.tenant_id)
    if membership is None or not membership.is_active or user is None or not user.is_active:
        raise NotFoundError("no active membership")
    if tenant is None:
        raise NotFoundError("no such tenant")
    brand_ids = (
        await BrandGrantRepository(uow).brand_ids_for(membership.id)
        if membership.role in CLIENT_ROLES
        else frozenset()
    )
    grantee = Grantee(role=membership.role, brand_ids=brand_ids, scopes=scopes)
    return Member(user=user, tenant=tenant, membership=membership, grantee=grantee)
