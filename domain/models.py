"""Every mapped model, imported once so the metadata is complete.

Migrations and tests import `domain.models.Base.metadata`.
"""

from domain.approvals.models import ApprovalDecision, ApprovalDigestItem, ApprovalRequest
from domain.assignment.models import AgentAvailability, Team, TeamMember
from domain.audit.models import AuditLogEntry
from domain.brand_events.models import BrandEvent
from domain.brands.models import Brand, EscalationRoute
from domain.channels.models import Channel
from domain.conversations.models import Conversation, ConversationEvent, ConversationNote
from domain.customers.models import Customer, CustomerIdentity
from domain.db.base import Base
from domain.db.outbox import OutboxMessage
from domain.identity_providers.models import IdentityProvider, IdentityProviderRoute
from domain.ingestion.models import InboundEvent, PlatformApp, WebhookEndpoint
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.mentions.models import Mention
from domain.oauth.models import (
    ApiClient,
    ApiClientBrand,
    AuthorizationCode,
    RefreshToken,
    RevokedAccessToken,
)
from domain.replies.models import ConversationTwin, Reply
from domain.sla.models import SlaClock, SlaPolicy
from domain.tenants.models import BrandGrant, Membership, Tenant, User
from domain.tone.models import ToneGuidelineVersion
from domain.triage.models import Incident, TriageFeedback

__all__ = [
    "AgentAvailability",
    "ApiClient",
    "ApiClientBrand",
    "ApprovalDecision",
    "ApprovalDigestItem",
    "ApprovalRequest",
    "AuditLogEntry",
    "AuthorizationCode",
    "Base",
    "Brand",
    "BrandEvent",
    "BrandGrant",
    "Channel",
    "Conversation",
    "ConversationEvent",
    "ConversationNote",
    "ConversationTwin",
    "Customer",
    "CustomerIdentity",
    "EscalationRoute",
    "IdentityProvider",
    "IdentityProviderRoute",
    "InboundEvent",
    "Incident",
    "Membership",
    "Mention",
    "OutboxMessage",
    "PlatformApp",
    "QnaEntry",
    "QnaVersion",
    "RefreshToken",
    "Reply",
    "RevokedAccessToken",
    "SlaClock",
    "SlaPolicy",
    "Team",
    "TeamMember",
    "Tenant",
    "ToneGuidelineVersion",
    "TriageFeedback",
    "User",
    "WebhookEndpoint",
]
