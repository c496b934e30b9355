"""OIDC discovery and JWKS endpoints."""

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.auth.keys import public_jwks
from api.auth.oauth.records import CONFIDENTIAL_AUTH_METHODS, PUBLIC_AUTH_METHOD
from api.auth.oauth.routes import (
    AUTHORIZE_PATH,
    INTROSPECTION_PATH,
    REVOCATION_PATH,
    TOKEN_PATH,
)
from api.auth.oauth.userinfo import USERINFO_PATH
from api.services import services_of
from domain.authz.policy import ALL_SCOPES

#: Claims of id_tokens and userinfo answers (`name` with scope profile, `email` with email).
CLAIMS_SUPPORTED = (
    "iss",
    "sub",
    "aud",
    "azp",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "name",
    "email",
)


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
        "authorization_endpoint": f"{issuer}{AUTHORIZE_PATH}",
        "token_endpoint": f"{issuer}{TOKEN_PATH}",
        "revocation_endpoint": f"{issuer}{REVOCATION_PATH}",
        "introspection_endpoint": f"{issuer}{INTROSPECTION_PATH}",
        "userinfo_endpoint": f"{issuer}{USERINFO_PATH}",
        "scopes_supported": ["openid", "profile", "email", *ALL_SCOPES],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [*CONFIDENTIAL_AUTH_METHODS, PUBLIC_AUTH_METHOD],
        "revocation_endpoint_auth_methods_supported": [
            *CONFIDENTIAL_AUTH_METHODS,
            PUBLIC_AUTH_METHOD,
        ],
        "introspection_endpoint_auth_methods_supported": list(CONFIDENTIAL_AUTH_METHODS),
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "claims_supported": list(CLAIMS_SUPPORTED),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }


async def openid_configuration(request: Request) -> JSONResponse:
    """OpenID Connect discovery."""
    return JSONResponse(_metadata(services_of(request).tokens.issuer))


async def oauth_authorization_server(request: Request) -> JSONResponse:
    """RFC 8414 authorization server metadata."""
    return JSONResponse(_metadata(services_of(request).tokens.issuer))
