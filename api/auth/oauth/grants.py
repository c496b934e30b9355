"""authlib's grants and endpoints, wired to Parley's clients, codes and tokens.

Every hook runs in authlib's worker thread and reaches the database through
the request's `OAuthExchange` (`server.exchange.run`).
"""

from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core.grants.util import is_openid_scope

from api.auth.oauth.oidc_claims import CodeIdentityClaims
from api.auth.oauth.records import (
    CONFIDENTIAL_AUTH_METHODS,
    PUBLIC_AUTH_METHOD,
    AccessTokenRecord,
    CodeRecord,
    OAuthClient,
    RefreshTokenRecord,
    ResourceOwner,
)
from domain.oauth import service as oauth_service
from domain.oauth.rules import PKCE_METHOD, format_scopes, grantable_scopes
from domain.shared.clock import utcnow

if TYPE_CHECKING:
    from api.auth.oauth.server import ParleyAuthorizationServer

CLIENT_AUTH_METHODS = [*CONFIDENTIAL_AUTH_METHODS, PUBLIC_AUTH_METHOD]


def _server(component: Any) -> "ParleyAuthorizationServer":
    server: ParleyAuthorizationServer = component.server
    return server


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE, required on every authorization request, S256 only (RFC 9700 §2.1.1)."""

    DEFAULT_CODE_CHALLENGE_METHOD = PKCE_METHOD
    SUPPORTED_CODE_CHALLENGE_METHOD = [PKCE_METHOD]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256).")
        if data.get("code_challenge_method") != PKCE_METHOD:
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class ParleyAuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    """The code grant: confidential clients authenticate, public ones rely on PKCE.

    An OpenID request's code carries its `nonce` and the sign-in time for the
    id_token (`oidc_claims.CodeIdentityClaims`).
    """

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def generate_authorization_code(self) -> str:
        code: str = super().generate_authorization_code()
        if not is_openid_scope(self.request.payload.scope):
            return code
        owner: ResourceOwner = self.request.user
        identity = CodeIdentityClaims(
            nonce=self.request.payload.data.get("nonce"), auth_time=owner.authenticated_at
        )
        return identity.attach_to(code)

    def save_authorization_code(self, code: str, request: Any) -> None:
        owner: ResourceOwner = request.user
        client: OAuthClient = request.client
        data = request.payload.data
        _server(self).exchange.run(
            lambda uow: oauth_service.save_authorization_code(
                uow,
                client=client.record,
                user_id=owner.user_id,
                code=code,
                redirect_uri=request.payload.redirect_uri,
                scopes=owner.bound_scopes(request.scope),
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                now=utcnow(),
            )
        )

    def query_authorization_code(self, code: str, client: OAuthClient) -> CodeRecord | None:
        exchange = _server(self).exchange
        redemption = exchange.run(
            lambda uow: oauth_service.redeem_authorization_code(
                uow, client=client.record, code=code, now=utcnow()
            )
        )
        if redemption.reuse_detected:
            exchange.keep_on_failure()
        if redemption.credential is None:
            return None
        return CodeRecord(redemption.credential, identity=CodeIdentityClaims.read_from(code))

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        # Redeeming marked it used; it stays until it expires so a reuse is caught.
        return None

    def authenticate_user(self, authorization_code: CodeRecord) -> ResourceOwner | None:
        return _current_owner(self, authorization_code.record.user_id)


class ParleyClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """Client credentials: confidential clients only, scopes bounded by the client's role."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(CONFIDENTIAL_AUTH_METHODS)

    def validate_token_request(self) -> None:
        super().validate_token_request()
        client: OAuthClient = self.request.client
        usable = client.allowed_scopes & grantable_scopes(client.role)
        requested = set(scope_to_list(self.request.payload.scope) or ())
        if not requested <= usable:
            raise InvalidScopeError("The client may not request these scopes.")
        self.request.scope = format_scopes(requested or usable)

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class ParleyRefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    """Refresh with rotation: every use issues a new refresh token of the same family."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshTokenRecord | None:
        client: OAuthClient = self.request.client
        exchange = _server(self).exchange
        now = utcnow()
        redemption = exchange.run(
            lambda uow: oauth_service.rotate_refresh_token(
                uow, client=client.record, token=refresh_token, now=now
            )
        )
        if redemption.reuse_detected:
            exchange.keep_on_failure()
        if redemption.credential is None:
            return None
        return RefreshTokenRecord(redemption.credential, now=now)

    def authenticate_user(self, refresh_token: RefreshTokenRecord) -> ResourceOwner:
        owner = _current_owner(self, refresh_token.record.user_id)
        if owner is None:
            raise InvalidGrantError("The user is no longer an active member.")
        return owner

    def revoke_old_credential(self, refresh_token: RefreshTokenRecord) -> None:
        # Redeeming marked it rotated; presenting it again revokes the family.
        return None


def _current_owner(grant: Any, user_id: Any) -> ResourceOwner | None:
    member = _server(grant).exchange.run(
        lambda uow: oauth_service.load_active_member_or_none(uow, user_id=user_id)
    )
    if member is None:
        return None
    return ResourceOwner(
        user_id=member.user.id,
        role=member.membership.role,
        email=member.user.email,
        name=member.user.display_name,
    )


class ParleyRevocationEndpoint(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009. Revoking a refresh token revokes its family and their access tokens."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(
        self, token_string: str, token_type_hint: str | None
    ) -> RefreshTokenRecord | AccessTokenRecord | None:
        return _server(self).find_token(token_string, token_type_hint)

    def revoke_token(self, token: RefreshTokenRecord | AccessTokenRecord, request: Any) -> None:
        server = _server(self)
        now = utcnow()
        if isinstance(token, RefreshTokenRecord):
            family_id = token.record.family_id
            server.exchange.run(
                lambda uow: oauth_service.revoke_token_family(uow, family_id=family_id, now=now)
            )
            return
        token_id = token.token.token_id
        expires_at = server.timestamp(token.token.expires_at)
        server.exchange.run(
            lambda uow: oauth_service.revoke_access_token(
                uow, token_id=token_id, expires_at=expires_at, now=now
            )
        )


class ParleyIntrospectionEndpoint(IntrospectionEndpoint):  # type: ignore[misc]
    """RFC 7662, for confidential clients about their own tokens.

    Another client's token, or another tenant's, is simply inactive.
    """

    CLIENT_AUTH_METHODS = list(CONFIDENTIAL_AUTH_METHODS)

    def __init__(self, server: Any = None) -> None:
        super().__init__(server)
        self.asking_client_id = ""

    def query_token(
        self, token_string: str, token_type_hint: str | None
    ) -> RefreshTokenRecord | AccessTokenRecord | None:
        return _server(self).find_token(token_string, token_type_hint)

    def check_permission(
        self, token: RefreshTokenRecord | AccessTokenRecord, client: OAuthClient, request: Any
    ) -> bool:
        # authlib asks this before `introspect_token`, with the authenticated client.
        self.asking_client_id = client.client_id
        return token.check_client(client)

    def introspect_token(self, token: RefreshTokenRecord | AccessTokenRecord) -> dict[str, object]:
        return token.introspection(client_id=self.asking_client_id)
