"""Tenant scope and actors: who acts, and inside which tenant."""

import uuid
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class TenantScope:
    """The one tenant a unit of work reads and writes.

    Repositories are built only from a scope; a query on a tenant-owned table
    without one raises `MissingTenantScopeError`.
    """

    tenant_id: uuid.UUID


class ActorKind(StrEnum):
    USER = "user"
    API_CLIENT = "api_client"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is doing something, recorded in the audit log."""

    kind: ActorKind
    id: str

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(kind=ActorKind.SYSTEM, id=name)

    @classmethod
    def user(cls, user_id: uuid.UUID) -> "Actor":
        return cls(kind=ActorKind.USER, id=str(user_id))
