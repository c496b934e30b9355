"""Starlette authentication: bearer JWT → principal."""

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response

from api.auth.tokens import AccessToken, InvalidTokenError, TokenService


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

    A header that is present but invalid is refused with 401 at once, so a
    client never silently proceeds as anonymous with a broken token.
    """

    def __init__(self, tokens: TokenService) -> None:
        self._tokens = tokens

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if header is None:
            return None
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise AuthenticationError("expected a bearer token")
        try:
            token = self._tokens.validate(credentials.strip())
        except InvalidTokenError as error:
            raise AuthenticationError("invalid token") from error
        return AuthCredentials(sorted(token.scopes)), TokenPrincipal(token)


def unauthorized(conn: HTTPConnection, error: Exception | None = None) -> Response:
    """401 in GraphQL's error shape, with the RFC 6750 challenge."""
    message = str(error) if error else "authentication required"
    challenge = 'Bearer error="invalid_token"' if error else "Bearer"
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": challenge},
    )
