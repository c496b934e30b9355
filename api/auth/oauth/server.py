"""The authorization server: authlib's `AuthorizationServer` over one request's exchange.

A server is built per request (cheap: a few registrations) so that its hooks
reach that request's `OAuthExchange`; it is driven in a worker thread.
Access tokens are our RS256 JWTs; refresh tokens are opaque random strings.
"""

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6749.util import scope_to_list

from api.auth.oauth.adapter import OAuthResponse
from api.auth.oauth.exchange import OAuthExchange
from api.auth.oauth.grants import (
    ParleyAuthorizationCodeGrant,
    ParleyClientCredentialsGrant,
    ParleyIntrospectionEndpoint,
    ParleyRefreshTokenGrant,
    ParleyRevocationEndpoint,
    S256CodeChallenge,
)
from api.auth.oauth.oidc import ParleyOpenIDCode
from api.auth.oauth.records import (
    AccessTokenRecord,
    OAuthClient,
    RefreshTokenRecord,
    ResourceOwner,
)
from api.auth.tokens import InvalidTokenError, TokenService
from domain.authz.policy import ALL_SCOPES
from domain.oauth import service as oauth_service
from domain.oauth.rules import (
    IDENTITY_SCOPES,
    REFRESH_TOKEN_PREFIX,
    format_scopes,
    grantable_scopes,
)
from domain.shared.clock import utcnow

SUPPORTED_SCOPES = sorted(set(ALL_SCOPES) | IDENTITY_SCOPES)


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token_id: str
    expires_at: datetime


class ParleyAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """authlib's server with Parley's grants, endpoints, clients and tokens.

    Grants: authorization_code (PKCE S256 required; OpenID Connect id_tokens
    for the `openid` scope), client_credentials,
    refresh_token (rotating). Endpoints: revocation (RFC 7009) and
    introspection (RFC 7662). Scopes of every token: what was asked (or the
    client's default), within the client's registration, within what the
    acting role may use — the user's, or the client's own for client
    credentials. Answers are `OAuthResponse`s for the adapter to send.
    """

    def __init__(
        self, *, exchange: OAuthExchange, tokens: TokenService, access_token_ttl_seconds: int
    ) -> None:
        super().__init__(scopes_supported=SUPPORTED_SCOPES)
        self.exchange = exchange
        self.tokens = tokens
        self.access_token_ttl_seconds = access_token_ttl_seconds
        self.issued_access_token: IssuedAccessToken | None = None
        self.register_token_generator("default", self._generate_token)
        self.register_grant(
            ParleyAuthorizationCodeGrant,
            [S256CodeChallenge(required=True), ParleyOpenIDCode(tokens=tokens)],
        )
        self.register_grant(ParleyClientCredentialsGrant)
        self.register_grant(ParleyRefreshTokenGrant)
        self.register_endpoint(ParleyRevocationEndpoint)
        self.register_endpoint(ParleyIntrospectionEndpoint)

    # --- authlib's framework hooks ------------------------------------------------

    def query_client(self, client_id: str) -> OAuthClient | None:
        return self.exchange.client(client_id)

    def create_oauth2_request(self, request: Any) -> Any:
        # The adapter already built it (`to_oauth2_request`).
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON endpoints")

    def handle_response(self, status: int, body: Any, headers: Any) -> OAuthResponse:
        return OAuthResponse(status=status, body=body, headers=list(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Store the refresh token of a user's grant (access tokens are self-contained JWTs)."""
        refresh_token = token.get("refresh_token")
        issued = self.issued_access_token
        if not refresh_token or issued is None:
            return
        owner: ResourceOwner = request.user
        client: OAuthClient = request.client
        if request.refresh_token is not None:
            family_id = request.refresh_token.record.family_id
        else:
            family_id = request.authorization_code.record.id
        scopes = scope_to_list(token["scope"]) or []
        self.exchange.run(
            lambda uow: oauth_service.save_refresh_token(
                uow,
                client=client.record,
                user_id=owner.user_id,
                token=refresh_token,
                family_id=family_id,
                scopes=scopes,
                access_token_id=issued.token_id,
                access_token_expires_at=issued.expires_at,
                now=utcnow(),
            )
        )

    # --- tokens --------------------------------------------------------------------

    def _generate_token(
        self,
        grant_type: str,
        client: OAuthClient,
        user: ResourceOwner | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        role = user.role if user is not None else client.role
        scopes = frozenset(scope_to_list(scope) or ()) & grantable_scopes(role)
        if not scopes:
            raise InvalidScopeError("None of the scopes is available to this role.")
        ttl = expires_in or self.access_token_ttl_seconds
        issued_at = int(time.time())
        token_id = uuid.uuid4().hex
        access_token = self.tokens.issue(
            subject=str(user.user_id) if user is not None else client.client_id,
            tenant_id=client.tenant_id,
            scopes=scopes,
            ttl_seconds=ttl,
            client_id=client.client_id,
            now=issued_at,
            token_id=token_id,
        )
        self.issued_access_token = IssuedAccessToken(
            token_id=token_id, expires_at=self.timestamp(issued_at + ttl)
        )
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": access_token,
            "expires_in": ttl,
            "scope": format_scopes(scopes),
        }
        if include_refresh_token:
            token["refresh_token"] = REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)
        return token

    def find_token(
        self, value: str, type_hint: str | None
    ) -> RefreshTokenRecord | AccessTokenRecord | None:
        """The exchange tenant's refresh or access token with this value, in any state."""
        finders = (
            (self._find_refresh_token, self._find_access_token)
            if type_hint == "refresh_token"
            else (self._find_access_token, self._find_refresh_token)
        )
        for find in finders:
            found = find(value)
            if found is not None:
                return found
        return None

    def _find_refresh_token(self, value: str) -> RefreshTokenRecord | None:
        if not value.startswith(REFRESH_TOKEN_PREFIX) or not self.exchange.has_tenant:
            return None
        record = self.exchange.run(
            lambda uow: oauth_service.find_refresh_token_or_none(uow, token=value)
        )
        return RefreshTokenRecord(record, now=utcnow()) if record is not None else None

    def _find_access_token(self, value: str) -> AccessTokenRecord | None:
        now = int(time.time())
        try:
            token = self.tokens.validate(value, now=now)
        except InvalidTokenError:
            return None
        if token.tenant_id != self.exchange.tenant_id:
            return None
        revoked = self.exchange.run(
            lambda uow: oauth_service.is_access_token_revoked(uow, token_id=token.token_id)
        )
        return AccessTokenRecord(
            token=token,
            revoked=revoked,
            issuer=self.tokens.issuer,
            audience=self.tokens.audience,
            now=now,
        )

    @staticmethod
    def timestamp(seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)
