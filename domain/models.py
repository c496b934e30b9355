"""Every mapped model, imported once so the metadata is complete.

Migrations and tests import `domain.models.Base.metadata`.
"""

from domain.audit.models import AuditLogEntry
from domain.brands.models import Brand, EscalationRoute
from domain.channels.models import Channel
from domain.conversations.models import Conversation, ConversationEvent
from domain.customers.models import Customer, CustomerIdentity
from domain.db.base import Base
from domain.db.outbox import OutboxMessage
from domain.ingestion.models import InboundEvent, PlatformApp, WebhookEndpoint
from domain.mentions.models import Mention
from domain.oauth.models import (
    ApiClient,
    ApiClientBrand,
    AuthorizationCode,
    RefreshToken,
    RevokedAccessToken,
)
from domain.tenants.models import BrandGrant, Membership, Tenant, User

__all__ = [
    "ApiClient",
    "ApiClientBrand",
    "AuditLogEntry",
    "AuthorizationCode",
    "Base",
    "Brand",
    "BrandGrant",
    "Channel",
    "Conversation",
    "ConversationEvent",
    "Customer",
    "CustomerIdentity",
    "EscalationRoute",
    "InboundEvent",
    "Membership",
    "Mention",
    "OutboxMessage",
    "PlatformApp",
    "RefreshToken",
    "RevokedAccessToken",
    "Tenant",
    "User",
    "WebhookEndpoint",
]
