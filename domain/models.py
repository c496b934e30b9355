"""Every mapped model, imported once so the metadata is complete.

Migrations and tests import `domain.models.Base.metadata`.
"""

from domain.audit.models import AuditLogEntry
from domain.brands.models import Brand, EscalationRoute
from domain.channels.models import Channel
from domain.db.base import Base
from domain.tenants.models import BrandGrant, Membership, Tenant, User

__all__ = [
    "AuditLogEntry",
    "Base",
    "Brand",
    "BrandGrant",
    "Channel",
    "EscalationRoute",
    "Membership",
    "Tenant",
    "User",
]
