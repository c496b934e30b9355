"""OIDC discovery and JWKS endpoints."""

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.auth.keys import public_jwks
from api.services import services_of
from domain.authz.policy import ALL_SCOPES


async def jwks(request: Request) -> JSONResponse:
    """The public signing keys (RFC 7517)."""
    return JSONResponse(
        public_jwks(services_of(request).tokens.keys),
        headers={"Cache-Control": "public, max-age=300"},
    )


def _metadata(issuer: str) -> dict[str, object]:
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "scopes_supported": ["openid", "profile", "email", *ALL_SCOPES],
        # Only what is served today; the authorization and token endpoints are
        # added here together with the OAuth2 flows that serve them.
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "scope", "email"],
    }


async def openid_configuration(request: Request) -> JSONResponse:
    """OpenID Connect discovery."""
    return JSONResponse(_metadata(services_of(request).tokens.issuer))


async def oauth_authorization_server(request: Request) -> JSONResponse:
    """RFC 8414 authorization server metadata."""
    return JSONResponse(_metadata(services_of(request).tokens.issuer))
