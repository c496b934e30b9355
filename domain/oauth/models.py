"""OAuth2 clients, their brand grants, authorization codes, refresh tokens and revocations.

Every secret is stored hashed: client secrets with argon2, codes and refresh
tokens with SHA-256 (`rules.hash_opaque_token`); the clear values are shown
once and never kept.
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.authz.policy import Role
from domain.db.base import Base, TenantOwned
from domain.db.types import string_enum


class ApiClient(TenantOwned, Base):
    """An application that obtains tokens for one tenant.

    `client_id` is public and names the tenant (`rules.client_id_for`); a
    public client (SPA, mobile app) has no secret and uses only the code grant
    with PKCE. `role` bounds what the client's own client-credentials tokens
    may do; client roles act only on the brands in `ApiClientBrand`.
    """

    __tablename__ = "api_clients"
    __table_args__ = (UniqueConstraint("tenant_id", "client_id"),)

    client_id: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str | None] = mapped_column(String(200), info={"secret": True})
    name: Mapped[str] = mapped_column(String(200))
    grant_types: Mapped[list[str]] = mapped_column(default=list)
    redirect_uris: Mapped[list[str]] = mapped_column(default=list)
    scopes: Mapped[list[str]] = mapped_column(default=list)
    role: Mapped[Role] = mapped_column(string_enum(Role), default=Role.AGENT)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def is_public(self) -> bool:
        return self.secret_hash is None


class ApiClientBrand(TenantOwned, Base):
    """A brand a client-role API client may act on."""

    __tablename__ = "api_client_brands"
    __table_args__ = (UniqueConstraint("tenant_id", "api_client_id", "brand_id"),)

    api_client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )
    brand_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), index=True
    )


class AuthorizationCode(TenantOwned, Base):
    """A short-lived, single-use code bound to client, user, redirect URI and PKCE challenge.

    A used code is kept (with `used_at`) until it expires, so a second use is
    recognised and the tokens issued from it are revoked. Its id is the family
    id of the refresh tokens it led to.
    """

    __tablename__ = "oauth_authorization_codes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code_hash"),
        Index(None, "tenant_id", "expires_at"),
    )

    code_hash: Mapped[str] = mapped_column(String(64), info={"secret": True})
    api_client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scopes: Mapped[list[str]] = mapped_column(default=list)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RefreshToken(TenantOwned, Base):
    """One refresh token of a rotation family.

    Each use rotates it (`rotated_at`) and issues the family's next token.
    Presenting a rotated token again means it leaked: the whole family is
    revoked, with the access tokens issued alongside (`access_token_id`).
    """

    __tablename__ = "oauth_refresh_tokens"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        Index(None, "tenant_id", "family_id"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), info={"secret": True})
    family_id: Mapped[uuid.UUID]
    api_client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[list[str]] = mapped_column(default=list)
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    access_token_id: Mapped[str] = mapped_column(String(64))
    access_token_expires_at: Mapped[datetime]


class RevokedAccessToken(TenantOwned, Base):
    """A revoked access token's `jti`, kept until the token would have expired.

    The bearer backend looks a token up here on every request: one read of the
    `(tenant_id, token_id)` unique index.
    """

    __tablename__ = "oauth_revoked_access_tokens"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_id"),
        Index(None, "tenant_id", "expires_at"),
    )

    token_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
