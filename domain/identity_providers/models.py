"""External OpenID Connect issuers a tenant trusts, and the routes from an issuer to its tenant."""

import uuid
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class MemberClaim(StrEnum):
    """The token claim that names the Parley member the token speaks for."""

    EMAIL = "email"
    #: The Parley user id, for issuers that federate from Parley or store its ids.
    SUB = "sub"


class IdentityProvider(TenantOwned, Base):
    """An external issuer whose access tokens this tenant accepts.

    A token is accepted only when its `iss` equals `issuer` exactly, its `aud`
    includes `audience`, it is signed with one of `algorithms` by a key of the
    issuer's published JWKS, and `member_claim` names an active member of this
    tenant. A disabled provider accepts nothing; it keeps its route so that the
    issuer and audience stay reserved for this tenant.
    """

    __tablename__ = "identity_providers"
    __table_args__ = (UniqueConstraint("tenant_id", "issuer"),)

    issuer: Mapped[str] = mapped_column(String(500))
    audience: Mapped[str] = mapped_column(String(500))
    algorithms: Mapped[list[str]] = mapped_column(default=list)
    member_claim: Mapped[MemberClaim] = mapped_column(string_enum(MemberClaim))
    is_enabled: Mapped[bool] = mapped_column(default=True)


class IdentityProviderRoute(Base):
    """Which tenant's provider a token of `(issuer, audience)` belongs to.

    Not tenant-owned on purpose: a bearer token arrives before anything tells us
    its tenant, so validation resolves its issuer here first (URLs and ids only,
    no secrets), then reads the provider inside that tenant's scope. Unique on
    `(issuer, audience)`: a token maps to exactly one tenant.
    """

    __tablename__ = "identity_provider_routes"
    __table_args__ = (UniqueConstraint("issuer", "audience"),)

    issuer: Mapped[str] = mapped_column(String(500))
    audience: Mapped[str] = mapped_column(String(500))
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_providers.id", ondelete="CASCADE"), index=True
    )
