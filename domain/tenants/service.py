"""Use cases of tenants, users and memberships."""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from domain.accounts.passwords import hash_password
from domain.authz.policy import CLIENT_ROLES, Grantee, Permission, Role, decide, require
from domain.brands.repository import BrandRepository
from domain.db.uow import UnitOfWork
from domain.shared.errors import ConflictError, NotFoundError, ValidationError
from domain.tenants import repository
from domain.tenants.models import BrandGrant, Membership, Tenant, User
from domain.tenants.repository import BrandGrantRepository, MembershipRepository
from domain.tenants.rules import (
    MembershipStatus,
    check_brand_grants,
    check_owner_removal,
    check_role_assignment,
    membership_status,
)

#: Longest display name a user may be given.
_DISPLAY_NAME_LENGTH = 200


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
    user = await repository.insert_user_if_new(
        uow, email=email, display_name=display_name or email.split("@")[0]
    )
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


# --- administration of members ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A membership as admins see it: the user, the status and the granted brands.

    `brand_ids` is empty for staff roles (they act on every brand).
    """

    membership: Membership
    user: User
    status: MembershipStatus
    brand_ids: tuple[uuid.UUID, ...]


async def get_current_tenant(uow: UnitOfWork) -> Tenant:
    """The scope's tenant; `NotFoundError` if it is gone."""
    scope = uow.require_scope()
    tenant = await repository.get_tenant_or_none(uow, scope.tenant_id)
    if tenant is None:
        raise NotFoundError("no such tenant")
    return tenant


async def count_members(uow: UnitOfWork, grantee: Grantee) -> int:
    """How many memberships (any status) the tenant has; needs `members:read`."""
    require(grantee, Permission.MEMBERS_READ)
    return await MembershipRepository(uow).count()


async def list_members(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    role: Role | None = None,
    text: str | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int,
) -> list[MemberRecord]:
    """A page of the tenant's memberships, oldest first by `(created_at, id)`.

    `text` matches part of the e-mail or display name (case-insensitive);
    `after` is the sort key of the last row of the previous page. Needs
    `members:read` (`PermissionDeniedError`). Two queries whatever the page size.
    """
    require(grantee, Permission.MEMBERS_READ)
    rows = await MembershipRepository(uow).page_with_users(
        role=role, text=text, after=after, limit=limit
    )
    return await _records(uow, rows)


async def get_members(
    uow: UnitOfWork, grantee: Grantee, membership_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MemberRecord]:
    """The visible memberships among these ids, by id.

    Without `members:read` nothing is visible; other tenants' ids are simply absent.
    """
    if not decide(grantee, Permission.MEMBERS_READ).allowed:
        return {}
    rows = await MembershipRepository(uow).get_many_with_users(membership_ids)
    return {record.membership.id: record for record in await _records(uow, rows)}


async def get_members_of_users(
    uow: UnitOfWork, grantee: Grantee, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MemberRecord]:
    """The visible memberships of these users in the tenant, by user id.

    A user who is not a member of the tenant is not visible to it.
    """
    if not decide(grantee, Permission.MEMBERS_READ).allowed:
        return {}
    memberships = await MembershipRepository(uow).get_many_for_users(user_ids)
    found = await get_members(uow, grantee, [membership.id for membership in memberships])
    return {record.user.id: record for record in found.values()}


async def create_membership(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    email: str,
    role: Role,
    brand_ids: Collection[uuid.UUID] = (),
    display_name: str = "",
) -> MemberRecord:
    """Invite a person (the user is created if new) into the tenant with a role.

    Needs `members:manage`; only owners make owners. Client roles need brand
    grants, staff roles take none (`ValidationError`); unknown brands are
    `NotFoundError`; an existing membership of that user is `ConflictError`
    (change it with `update_membership`). A new user has no password and shows
    as INVITED until they get one. Flushes; the caller commits.
    """
    require(grantee, Permission.MEMBERS_MANAGE)
    check_role_assignment(actor_role=grantee.role, current_role=None, new_role=role)
    wanted = frozenset(brand_ids)
    check_brand_grants(role, len(wanted))
    await _require_brands(uow, wanted)
    email = repository.normalize_email(email)
    if "@" not in email or len(email) > 320:
        raise ValidationError("not an e-mail address", field="email")
    display_name = display_name.strip()
    if len(display_name) > _DISPLAY_NAME_LENGTH:
        raise ValidationError("display name: at most 200 characters", field="displayName")
    user = await repository.insert_user_if_new(
        uow, email=email, display_name=display_name or email.split("@")[0]
    )
    membership = MembershipRepository(uow).add(Membership(user_id=user.id, role=role))
    try:
        await uow.flush()
    except IntegrityError as error:
        raise ConflictError("this person is already a member of the agency") from error
    grants = BrandGrantRepository(uow)
    for brand_id in sorted(wanted):
        grants.add(BrandGrant(membership_id=membership.id, brand_id=brand_id))
    await uow.flush()
    return _record(membership, user, sorted(wanted))


async def update_membership(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    membership_id: uuid.UUID,
    role: Role | None = None,
    brand_ids: Collection[uuid.UUID] | None = None,
    reactivate: bool = False,
) -> MemberRecord:
    """Change a member's role and/or brand grants, or switch a deactivated member back on.

    Needs `members:manage`. Admins cannot touch an owner's membership nor make
    owners (`PermissionDeniedError`); the last active owner cannot be demoted
    (`ValidationError`). Changing to a staff role drops the brand grants; a
    client role must end with at least one. Flushes; the caller commits.
    """
    require(grantee, Permission.MEMBERS_MANAGE)
    memberships = MembershipRepository(uow)
    membership = await memberships.get(membership_id)
    new_role = role or membership.role
    check_role_assignment(actor_role=grantee.role, current_role=membership.role, new_role=new_role)
    if new_role != membership.role:
        check_owner_removal(
            current_role=membership.role,
            new_role=new_role,
            active_owner_count=await memberships.lock_active_owners(),
        )
    grants = BrandGrantRepository(uow)
    current = await grants.brand_ids_for(membership.id)
    wanted = frozenset(brand_ids) if brand_ids is not None else current
    if new_role not in CLIENT_ROLES and brand_ids is None:
        wanted = frozenset()
    check_brand_grants(new_role, len(wanted))
    await _require_brands(uow, wanted - current)
    if new_role != membership.role:
        membership.role = new_role
    if reactivate and not membership.is_active:
        membership.is_active = True
    for brand_id in sorted(wanted - current):
        grants.add(BrandGrant(membership_id=membership.id, brand_id=brand_id))
    for grant in await grants.get_many_for(membership.id, current - wanted):
        await grants.delete(grant)
    try:
        await uow.flush()
    except IntegrityError as error:
        # Another admin granted the same brand at the same moment: the unique key decided.
        raise ConflictError("the membership changed meanwhile; try again") from error
    return await _reload(uow, membership.id)


async def deactivate_membership(
    uow: UnitOfWork, grantee: Grantee, *, membership_id: uuid.UUID
) -> MemberRecord:
    """Switch a member off: their tokens stop working at the next request.

    The membership and its grants are kept (history, audit). Needs
    `members:manage`; admins cannot deactivate owners; the last active owner
    stays. Deactivating an inactive membership changes nothing. Flushes.
    """
    require(grantee, Permission.MEMBERS_MANAGE)
    memberships = MembershipRepository(uow)
    membership = await memberships.get(membership_id)
    check_role_assignment(
        actor_role=grantee.role, current_role=membership.role, new_role=membership.role
    )
    if membership.is_active:
        check_owner_removal(
            current_role=membership.role,
            new_role=None,
            active_owner_count=await memberships.lock_active_owners(),
        )
        membership.is_active = False
        await uow.flush()
    return await _reload(uow, membership.id)


async def _require_brands(uow: UnitOfWork, brand_ids: Collection[uuid.UUID]) -> None:
    if not brand_ids:
        return
    found = await BrandRepository(uow).get_many(list(brand_ids))
    if len(found) != len(set(brand_ids)):
        raise NotFoundError("brand not found")


async def _reload(uow: UnitOfWork, membership_id: uuid.UUID) -> MemberRecord:
    rows = await MembershipRepository(uow).get_many_with_users([membership_id])
    return (await _records(uow, rows))[0]


async def _records(uow: UnitOfWork, rows: Sequence[tuple[Membership, User]]) -> list[MemberRecord]:
    granted = await BrandGrantRepository(uow).brand_ids_by_membership(
        [membership.id for membership, _user in rows]
    )
    return [_record(membership, user, granted[membership.id]) for membership, user in rows]


def _record(membership: Membership, user: User, brand_ids: Sequence[uuid.UUID]) -> MemberRecord:
    status = membership_status(
        membership_active=membership.is_active,
        user_active=user.is_active,
        has_password=user.password_hash is not None,
        has_signed_in=user.last_login_at is not None,
    )
    return MemberRecord(membership=membership, user=user, status=status, brand_ids=tuple(brand_ids))
