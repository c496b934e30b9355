"""Pure rules of membership administration: who may give or take which role."""

from enum import StrEnum

from domain.authz.policy import CLIENT_ROLES, Role
from domain.shared.errors import PermissionDeniedError, ValidationError


class MembershipStatus(StrEnum):
    """Where a membership stands.

    INVITED: the person has never signed in and has no password yet;
    ACTIVE: the member can sign in and act; DEACTIVATED: switched off by an admin
    (kept for the audit trail and history, never deleted).
    """

    INVITED = "invited"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


def membership_status(
    *, membership_active: bool, user_active: bool, has_password: bool, has_signed_in: bool
) -> MembershipStatus:
    """The status shown for a membership from its flags and its user's."""
    if not membership_active or not user_active:
        return MembershipStatus.DEACTIVATED
    if not has_password and not has_signed_in:
        return MembershipStatus.INVITED
    return MembershipStatus.ACTIVE


def check_brand_grants(role: Role, brand_count: int) -> None:
    """Client roles need at least one brand; staff roles act on all and take none."""
    if role in CLIENT_ROLES and brand_count == 0:
        raise ValidationError(f"{role} needs at least one brand", field="brandIds")
    if role not in CLIENT_ROLES and brand_count:
        raise ValidationError(
            f"{role} acts on every brand; brands are for client roles", field="brandIds"
        )


def check_role_assignment(*, actor_role: Role, current_role: Role | None, new_role: Role) -> None:
    """May a member of `actor_role` turn `current_role` (None: a new member) into `new_role`?

    Only owners give the owner role or change an owner's membership: an admin
    can neither promote anyone to owner nor demote an owner.
    """
    if actor_role is Role.OWNER:
        return
    if new_role is Role.OWNER:
        raise PermissionDeniedError("only an owner can make someone an owner")
    if current_role is Role.OWNER:
        raise PermissionDeniedError("only an owner can change an owner's membership")


def check_owner_removal(
    *, current_role: Role, new_role: Role | None, active_owner_count: int
) -> None:
    """The tenant keeps at least one active owner.

    `new_role=None` means the membership is being deactivated.
    """
    if current_role is not Role.OWNER or new_role is Role.OWNER:
        return
    if active_owner_count <= 1:
        raise ValidationError("the last owner cannot be removed or demoted", field="role")
