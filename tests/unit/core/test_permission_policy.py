"""The permission policy as a matrix: every role against every permission."""

import uuid

import pytest

from domain.authz.policy import (
    ALL_SCOPES,
    ROLE_PERMISSIONS,
    Grantee,
    Permission,
    Role,
    decide,
    require,
    scopes_for_role,
    visible_brand_ids,
)
from domain.shared.errors import PermissionDeniedError

P = Permission
BRAND = uuid.UUID("00000000-0000-0000-0000-0000000000b1")
OTHER_BRAND = uuid.UUID("00000000-0000-0000-0000-0000000000b2")

# The expected matrix, written out by hand (not derived from the policy):
# o owner, a admin, g agent, n analyst, p client_approver, v client_viewer.
MATRIX: dict[Permission, str] = {
    P.TENANT_MANAGE: "o",
    P.MEMBERS_READ: "oagn",
    P.MEMBERS_MANAGE: "oa",
    P.API_CLIENTS_MANAGE: "oa",
    P.AUDIT_READ: "oan",
    P.BRAND_READ: "oagnpv",
    P.BRAND_MANAGE: "oa",
    P.CHANNEL_READ: "oagn",
    P.CHANNEL_MANAGE: "oa",
    P.SLA_MANAGE: "oa",
    P.INBOX_READ: "oagn",
    P.INBOX_WRITE: "oag",
    P.REPLY_SEND: "oag",
    P.KNOWLEDGE_READ: "oagnp",
    P.KNOWLEDGE_EDIT: "oag",
    P.APPROVAL_DECIDE: "oap",
    P.ESCALATION_READ: "oagnpv",
    P.REPORT_READ: "oanpv",
}
LETTER = {
    Role.OWNER: "o",
    Role.ADMIN: "a",
    Role.AGENT: "g",
    Role.ANALYST: "n",
    Role.CLIENT_APPROVER: "p",
    Role.CLIENT_VIEWER: "v",
}
CLIENTS = {Role.CLIENT_APPROVER, Role.CLIENT_VIEWER}


def grantee(role: Role, *, scopes: tuple[str, ...] = ALL_SCOPES) -> Grantee:
    brands = frozenset({BRAND}) if role in CLIENTS else frozenset()
    return Grantee(role=role, brand_ids=brands, scopes=frozenset(scopes))


def test_matrix_covers_every_permission() -> None:
    assert set(MATRIX) == set(Permission)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_role_permission_on_a_granted_brand(role: Role, permission: Permission) -> None:
    expected = LETTER[role] in MATRIX[permission]
    assert decide(grantee(role), permission, brand_id=BRAND).allowed is expected


@pytest.mark.parametrize("role", sorted(CLIENTS))
@pytest.mark.parametrize("permission", list(Permission))
def test_client_roles_never_act_on_other_brands_or_tenant_wide(
    role: Role, permission: Permission
) -> None:
    assert decide(grantee(role), permission, brand_id=OTHER_BRAND).allowed is False
    assert decide(grantee(role), permission).allowed is False


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.AGENT, Role.ANALYST])
def test_staff_roles_act_on_every_brand(role: Role) -> None:
    assert decide(grantee(role), P.BRAND_READ, brand_id=OTHER_BRAND).allowed is True
    assert decide(grantee(role), P.BRAND_READ).allowed is True


def test_scopes_narrow_a_role_but_never_widen_it() -> None:
    owner_read_only = grantee(Role.OWNER, scopes=("inbox:read",))
    assert decide(owner_read_only, P.INBOX_READ).allowed is True
    assert decide(owner_read_only, P.INBOX_WRITE).allowed is False
    assert decide(owner_read_only, P.TENANT_MANAGE).allowed is False
    agent_with_admin_scope = grantee(Role.AGENT, scopes=("admin",))
    assert decide(agent_with_admin_scope, P.BRAND_MANAGE).allowed is False
    no_scopes = grantee(Role.OWNER, scopes=())
    assert all(not decide(no_scopes, permission).allowed for permission in Permission)


def test_decision_reasons_name_the_rule() -> None:
    assert decide(grantee(Role.AGENT), P.BRAND_MANAGE).reason == "role agent lacks brand:manage"
    viewer = grantee(Role.CLIENT_VIEWER)
    assert (
        decide(viewer, P.REPORT_READ, brand_id=OTHER_BRAND).reason
        == "brand not granted to client_viewer"
    )


def test_require_raises_permission_denied() -> None:
    with pytest.raises(PermissionDeniedError, match="role analyst lacks inbox:write"):
        require(grantee(Role.ANALYST), P.INBOX_WRITE)
    require(grantee(Role.AGENT), P.INBOX_WRITE)


def test_visible_brands_of_a_client_are_the_granted_ones() -> None:
    all_brands = [BRAND, OTHER_BRAND]
    assert visible_brand_ids(grantee(Role.CLIENT_VIEWER), P.BRAND_READ, all_brands) == [BRAND]
    assert visible_brand_ids(grantee(Role.AGENT), P.BRAND_READ, all_brands) == all_brands


def test_scopes_for_role_lists_only_useful_scopes() -> None:
    assert scopes_for_role(Role.CLIENT_VIEWER) == ("reports:read",)
    assert scopes_for_role(Role.CLIENT_APPROVER) == ("approvals", "reports:read")
    assert scopes_for_role(Role.AGENT) == ("inbox:read", "inbox:write", "replies:send")
    assert scopes_for_role(Role.ANALYST) == ("inbox:read", "reports:read")
    assert scopes_for_role(Role.OWNER) == ALL_SCOPES


@pytest.mark.parametrize("role", list(Role))
def test_default_scopes_keep_every_permission_of_the_role(role: Role) -> None:
    scoped = Grantee(
        role=role, brand_ids=frozenset({BRAND}), scopes=frozenset(scopes_for_role(role))
    )
    for permission in ROLE_PERMISSIONS[role]:
        assert decide(scoped, permission, brand_id=BRAND).allowed, (role, permission)


def test_every_role_has_permissions() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
