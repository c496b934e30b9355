"""OpenID Connect on the authorization-code grant: authlib's `OpenIDCode` extension.

When the granted scopes include `openid`, the token response carries an
RS256 `id_token` signed with the access-token key (same `kid` as in the
JWKS): `iss`, `sub` (the user id), `aud` and `azp` (the client id), `iat`,
`exp`, `auth_time`, `nonce` (when the request sent one) and `at_hash`, plus
`name` with scope `profile` and `email` with scope `email`.
"""

import time
from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey

from api.auth.oauth.oidc_claims import MAX_NONCE_LENGTH
from api.auth.oauth.records import OAuthClient, ResourceOwner
from api.auth.tokens import ALGORITHM, TokenService

ID_TOKEN_TTL_SECONDS = 600


def user_info(owner: ResourceOwner, scope: str) -> UserInfo:
    """The standard claims about `owner` that `scope` releases (`sub` needs `openid`)."""
    claims = UserInfo(sub=str(owner.user_id), email=owner.email)
    if owner.name:
        claims["name"] = owner.name
    return claims.filter(scope)


class ParleyOpenIDCode(OpenIDCode):  # type: ignore[misc]
    """authlib's OpenID extension of the code grant, signing with our token key.

    No nonce store: a nonce is passed through unchanged, and the client, which
    keeps the nonce it sent, refuses an id_token with another one (OpenID
    Connect Core §3.1.2.2: the server SHOULD do no other processing of it).
    """

    def __init__(self, *, tokens: TokenService) -> None:
        super().__init__(require_nonce=False)
        self.tokens = tokens

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return False

    def validate_openid_authorization_request(self, grant: Any, redirect_uri: str) -> None:
        nonce = grant.request.payload.data.get("nonce")
        if nonce and len(nonce) > MAX_NONCE_LENGTH:
            raise InvalidRequestError(
                f"nonce: at most {MAX_NONCE_LENGTH} characters.", redirect_uri=redirect_uri
            )
        super().validate_openid_authorization_request(grant, redirect_uri)

    def resolve_client_private_key(self, client: OAuthClient) -> RSAKey:
        return self.tokens.signing_key

    def get_client_algorithm(self, client: OAuthClient) -> str:
        return ALGORITHM

    def get_encode_header(self, client: OAuthClient) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": self.tokens.key_id, "typ": "JWT"}

    def get_client_claims(self, client: OAuthClient) -> dict[str, object]:
        now = int(time.time())
        return {
            "iss": self.tokens.issuer,
            "aud": client.client_id,
            "azp": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_TTL_SECONDS,
        }

    def generate_user_info(self, user: ResourceOwner, scope: str) -> UserInfo:
        return user_info(user, scope)
