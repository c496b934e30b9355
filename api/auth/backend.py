"""Starlette authentication: bearer JWT → principal.

A token is accepted when its signature, issuer, audience and times are valid
and its `jti` is not among the tenant's revoked access tokens (one read of a
unique index; the table, not Redis, so a revocation survives a cache flush
and works on the embedded default too).
"""

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response

from api.auth.external_issuers import ExternalTokenError, validate_if_external
from api.auth.token_cache import VerifiedTokenCache
from api.auth.tokens import AccessToken, InvalidTokenError, TokenService
from api.services import services_of
from domain.db.uow import UnitOfWork
from domain.oauth.service import is_access_token_revoked
from domain.shared.tenancy import Actor, TenantScope

#: Paths whose endpoints authenticate OAuth clients themselves (HTTP Basic is
#: client authentication there, not a broken bearer token).
CLIENT_AUTHENTICATED_PREFIX = "/oauth/"

_REVOCATION_CHECK_ACTOR = Actor.system("bearer-auth")


class TokenPrincipal(BaseUser):
    """The authenticated caller: what the token says, nothing looked up yet."""

    def __init__(self, token: AccessToken) -> None:
        self.token = token

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.token.subject

    @property
    def identity(self) -> str:
        return self.token.subject


class BearerTokenBackend(AuthenticationBackend):
    """Validates `Authorization: Bearer <jwt>`; no header means anonymous.

    A header that is present but invalid (or revoked) is refused with 401 at
    once, so a client never silently proceeds as anonymous with a broken
    token. Under `/oauth/` the endpoints authenticate clients themselves and
    the header is left to them.
    """

    def __init__(self, tokens: TokenService) -> None:
        # Signatures are checked once per token; revocation on every request.
        self._tokens = VerifiedTokenCache(tokens)

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if header is None or conn.scope["path"].startswith(CLIENT_AUTHENTICATED_PREFIX):
            return None
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise AuthenticationError("expected a bearer token")
        try:
            token = await validate_if_external(conn, credentials.strip()) or (
                self._tokens.validate(credentials.strip())
            )
        except ExternalTokenError as error:
            raise AuthenticationError(f"invalid token: {error.code}") from error
        except InvalidTokenError as error:
            raise AuthenticationError("invalid token") from error
        if await _is_revoked(conn, token):
            raise AuthenticationError("token revoked")
        return AuthCredentials(sorted(token.scopes)), TokenPrincipal(token)


async def _is_revoked(conn: HTTPConnection, token: AccessToken) -> bool:
    scope = TenantScope(token.tenant_id)
    async with UnitOfWork(
        services_of(conn).database, actor=_REVOCATION_CHECK_ACTOR, scope=scope
    ) as uow:
        return await is_access_token_revoked(uow, token_id=token.token_id)


def unauthorized(conn: HTTPConnection, error: Exception | None = None) -> Response:
    """401 in GraphQL's error shape, with the RFC 6750 challenge."""
    message = str(error) if error else "authentication required"
    challenge = 'Bearer error="invalid_token"' if error else "Bearer"
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": challenge},
    )
