"""The permission policy: role × permission × brand, decided in one place.

Every resolver and service asks `decide()` (or `require()`); nothing else in
Parley re-implements a permission rule. A token's scopes narrow what its
holder's role allows, never widen it.
"""

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.shared.errors import PermissionDeniedError


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    AGENT = "agent"
    ANALYST = "analyst"
    CLIENT_APPROVER = "client_approver"
    CLIENT_VIEWER = "client_viewer"


#: Roles that act for the brand's company and see only the brands granted to them.
CLIENT_ROLES = frozenset({Role.CLIENT_APPROVER, Role.CLIENT_VIEWER})


class Permission(StrEnum):
    TENANT_MANAGE = "tenant:manage"
    MEMBERS_READ = "members:read"
    MEMBERS_MANAGE = "members:manage"
    API_CLIENTS_MANAGE = "api_clients:manage"
    AUDIT_READ = "audit:read"
    BRAND_READ = "brand:read"
    BRAND_MANAGE = "brand:manage"
    CHANNEL_READ = "channel:read"
    CHANNEL_MANAGE = "channel:manage"
    SLA_MANAGE = "sla:manage"
    INBOX_READ = "inbox:read"
    INBOX_WRITE = "inbox:write"
    REPLY_SEND = "reply:send"
    KNOWLEDGE_READ = "knowledge:read"
    KNOWLEDGE_EDIT = "knowledge:edit"
    APPROVAL_DECIDE = "approval:decide"
    ESCALATION_READ = "escalation:read"
    REPORT_READ = "report:read"


_P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(Permission) - {_P.TENANT_MANAGE},
    Role.AGENT: frozenset(
        {
            _P.MEMBERS_READ,
            _P.BRAND_READ,
            _P.CHANNEL_READ,
            _P.INBOX_READ,
            _P.INBOX_WRITE,
            _P.REPLY_SEND,
            _P.KNOWLEDGE_READ,
            _P.KNOWLEDGE_EDIT,
            _P.ESCALATION_READ,
        }
    ),
    Role.ANALYST: frozenset(
        {
            _P.MEMBERS_READ,
            _P.BRAND_READ,
            _P.CHANNEL_READ,
            _P.INBOX_READ,
            _P.KNOWLEDGE_READ,
            _P.ESCALATION_READ,
            _P.REPORT_READ,
            _P.AUDIT_READ,
        }
    ),
    Role.CLIENT_APPROVER: frozenset(
        {_P.BRAND_READ, _P.KNOWLEDGE_READ, _P.APPROVAL_DECIDE, _P.ESCALATION_READ, _P.REPORT_READ}
    ),
    Role.CLIENT_VIEWER: frozenset({_P.BRAND_READ, _P.ESCALATION_READ, _P.REPORT_READ}),
}

#: OAuth2 scopes and the permissions each one lets a token use.
SCOPE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "inbox:read": frozenset(
        {
            _P.MEMBERS_READ,
            _P.BRAND_READ,
            _P.CHANNEL_READ,
            _P.INBOX_READ,
            _P.KNOWLEDGE_READ,
            _P.ESCALATION_READ,
        }
    ),
    "inbox:write": frozenset({_P.INBOX_WRITE, _P.KNOWLEDGE_EDIT}),
    "replies:send": frozenset({_P.REPLY_SEND}),
    "approvals": frozenset({_P.BRAND_READ, _P.KNOWLEDGE_READ, _P.APPROVAL_DECIDE}),
    "reports:read": frozenset({_P.BRAND_READ, _P.ESCALATION_READ, _P.REPORT_READ, _P.AUDIT_READ}),
    "admin": frozenset(
        {
            _P.TENANT_MANAGE,
            _P.MEMBERS_READ,
            _P.MEMBERS_MANAGE,
            _P.API_CLIENTS_MANAGE,
            _P.AUDIT_READ,
            _P.BRAND_READ,
            _P.BRAND_MANAGE,
            _P.CHANNEL_READ,
            _P.CHANNEL_MANAGE,
            _P.SLA_MANAGE,
        }
    ),
}

ALL_SCOPES: tuple[str, ...] = tuple(SCOPE_PERMISSIONS)

#: The permission that makes a scope worth granting to a role.
_SCOPE_SIGNATURE: dict[str, Permission] = {
    "inbox:read": _P.INBOX_READ,
    "inbox:write": _P.INBOX_WRITE,
    "replies:send": _P.REPLY_SEND,
    "approvals": _P.APPROVAL_DECIDE,
    "reports:read": _P.REPORT_READ,
    "admin": _P.MEMBERS_MANAGE,
}


@dataclass(frozen=True, slots=True)
class Grantee:
    """What the policy needs to know about the one asking.

    `brand_ids` lists the brands granted to a client role; staff roles see all
    brands of the tenant and leave it empty. `scopes` are the token's scopes.
    """

    role: Role
    brand_ids: frozenset[uuid.UUID]
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str


def scopes_for_role(role: Role) -> tuple[str, ...]:
    """The scopes a token of this role may carry: those whose key permission it has."""
    granted = ROLE_PERMISSIONS[role]
    return tuple(scope for scope in ALL_SCOPES if _SCOPE_SIGNATURE[scope] in granted)


def effective_permissions(grantee: Grantee) -> frozenset[Permission]:
    """The role's permissions narrowed to what the token's scopes allow."""
    by_scope: set[Permission] = set()
    for scope in grantee.scopes:
        by_scope |= SCOPE_PERMISSIONS.get(scope, frozenset())
    return ROLE_PERMISSIONS[grantee.role] & by_scope


def decide(
    grantee: Grantee, permission: Permission, *, brand_id: uuid.UUID | None = None
) -> Decision:
    """May `grantee` use `permission` (on `brand_id`, when the action is a brand's)?

    Client roles act only on brands granted to them and never tenant-wide.
    """
    if permission not in ROLE_PERMISSIONS[grantee.role]:
        return Decision(False, f"role {grantee.role} lacks {permission}")
    if permission not in effective_permissions(grantee):
        return Decision(False, f"token scopes do not include {permission}")
    if grantee.role in CLIENT_ROLES:
        if brand_id is None:
            return Decision(False, f"{grantee.role} acts only on granted brands")
        if brand_id not in grantee.brand_ids:
            return Decision(False, f"brand not granted to {grantee.role}")
    return Decision(True, "allowed")


def require(grantee: Grantee, permission: Permission, *, brand_id: uuid.UUID | None = None) -> None:
    """Raise `PermissionDeniedError` unless `decide()` allows."""
    decision = decide(grantee, permission, brand_id=brand_id)
    if not decision.allowed:
        raise PermissionDeniedError(decision.reason)


def visible_brand_ids(
    grantee: Grantee, permission: Permission, tenant_brand_ids: Iterable[uuid.UUID]
) -> list[uuid.UUID]:
    """The tenant's brands on which `grantee` may use `permission`."""
    return [
        brand_id
        for brand_id in tenant_brand_ids
        if decide(grantee, permission, brand_id=brand_id).allowed
    ]


def parse_scopes(requested: Collection[str]) -> frozenset[str]:
    """Validate scope names; unknown ones raise `ValueError` naming them."""
    unknown = sorted(set(requested) - set(SCOPE_PERMISSIONS) - {"openid", "profile", "email"})
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(unknown)}")
    return frozenset(requested)
