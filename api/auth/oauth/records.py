"""What authlib's hooks see: our clients, users, codes and tokens behind its mixins."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin

from api.auth.oauth.oidc_claims import CodeIdentityClaims
from api.auth.tokens import AccessToken
from domain.authz.policy import Role
from domain.oauth import service as oauth_service
from domain.oauth.models import ApiClient, AuthorizationCode, RefreshToken
from domain.oauth.rules import GrantType, format_scopes, grantable_scopes

#: Client authentication at the token endpoint (RFC 7591 names).
CONFIDENTIAL_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
PUBLIC_AUTH_METHOD = "none"


@dataclass(frozen=True, eq=False)
class OAuthClient(ClientMixin):  # type: ignore[misc]
    """An API client as authlib asks about it.

    Redirect URIs match exactly; there is no default one, so every
    authorization request names its redirect URI. A request for a scope the
    client was not registered with is refused (`invalid_scope`), not narrowed.
    """

    record: ApiClient

    @property
    def client_id(self) -> str:
        return self.record.client_id

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.record.tenant_id

    @property
    def role(self) -> Role:
        return self.record.role

    @property
    def allowed_scopes(self) -> frozenset[str]:
        return frozenset(self.record.scopes)

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        requested = scope_to_list(scope) or []
        if not requested:
            return format_scopes(self.allowed_scopes)
        if not set(requested) <= self.allowed_scopes:
            return None
        return format_scopes(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.record.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        # argon2: authlib calls this in its worker thread, off the event loop.
        return oauth_service.verify_client_secret(self.record, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.record.is_public:
            return method == PUBLIC_AUTH_METHOD
        return method in CONFIDENTIAL_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self.check_grant_type(GrantType.AUTHORIZATION_CODE)

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.record.grant_types


@dataclass(frozen=True, slots=True)
class ResourceOwner:
    """The signed-in member who approved, with the role that bounds their scopes.

    `email` and `name` are the OpenID claims about them; `authenticated_at`
    (Unix seconds) is when they signed in, known while they approve.
    """

    user_id: uuid.UUID
    role: Role
    email: str = ""
    name: str = ""
    authenticated_at: int | None = None

    def get_user_id(self) -> str:
        return str(self.user_id)

    def bound_scopes(self, scopes: str | list[str] | None) -> frozenset[str]:
        return frozenset(scope_to_list(scopes) or ()) & grantable_scopes(self.role)


@dataclass(frozen=True, eq=False)
class CodeRecord(AuthorizationCodeMixin):  # type: ignore[misc]
    """A redeemed authorization code; PKCE reads `code_challenge(_method)` from it.

    `identity` holds the OpenID Connect `nonce` and `auth_time` carried in the
    presented code itself (`oidc_claims.CodeIdentityClaims`).
    """

    record: AuthorizationCode
    identity: CodeIdentityClaims = field(default_factory=CodeIdentityClaims)

    @property
    def code_challenge(self) -> str:
        return self.record.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.record.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return format_scopes(self.record.scopes)

    def get_nonce(self) -> str | None:
        return self.identity.nonce

    def get_auth_time(self) -> int | None:
        return self.identity.auth_time


@dataclass(frozen=True, eq=False)
class RefreshTokenRecord(TokenMixin):  # type: ignore[misc]
    """A stored refresh token, for the refresh grant, revocation and introspection."""

    record: RefreshToken
    now: datetime

    def check_client(self, client: OAuthClient) -> bool:
        return self.record.api_client_id == client.record.id

    def get_scope(self) -> str:
        return format_scopes(self.record.scopes)

    def get_expires_in(self) -> int:
        return max(0, int((self.record.expires_at - self.now).total_seconds()))

    def is_expired(self) -> bool:
        return self.record.expires_at <= self.now

    def is_revoked(self) -> bool:
        return self.record.revoked_at is not None or self.record.rotated_at is not None

    def introspection(self, *, client_id: str) -> dict[str, object]:
        return {
            "active": True,
            "token_type": "refresh_token",
            "client_id": client_id,
            "sub": str(self.record.user_id),
            "tid": str(self.record.tenant_id),
            "scope": self.get_scope(),
            "iat": int(self.record.created_at.timestamp()),
            "exp": int(self.record.expires_at.timestamp()),
        }


@dataclass(frozen=True, eq=False)
class AccessTokenRecord(TokenMixin):  # type: ignore[misc]
    """A valid (signed, unexpired) access token and whether it was revoked."""

    token: AccessToken
    revoked: bool
    issuer: str
    audience: str
    now: int

    def check_client(self, client: OAuthClient) -> bool:
        return self.token.client_id is not None and self.token.client_id == client.client_id

    def get_scope(self) -> str:
        return format_scopes(self.token.scopes)

    def get_expires_in(self) -> int:
        return max(0, self.token.expires_at - self.now)

    def is_expired(self) -> bool:
        return self.token.expires_at <= self.now

    def is_revoked(self) -> bool:
        return self.revoked

    def introspection(self, *, client_id: str) -> dict[str, object]:
        payload: dict[str, object] = {
            "active": True,
            "token_type": "Bearer",
            "client_id": client_id,
            "sub": self.token.subject,
            "tid": str(self.token.tenant_id),
            "scope": self.get_scope(),
            "iss": self.issuer,
            "aud": self.audience,
            "exp": self.token.expires_at,
            "jti": self.token.token_id,
        }
        if self.token.issued_at is not None:
            payload["iat"] = self.token.issued_at
        return payload
