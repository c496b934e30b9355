"""Signed JWT access tokens: issue and validate.

Claims: `iss`, `aud`, `sub` (user id, or client id for client credentials),
`tid` (tenant id), `scope` (space-separated), `iat`, `exp`, `jti`, and
`client_id` when a client asked for it. RS256 only; tokens with any other
algorithm, issuer, audience, or past `exp` are refused.
"""

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry

ALGORITHM = "RS256"


class InvalidTokenError(Exception):
    """The token is malformed, badly signed, expired or not for us."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A validated access token's meaning."""

    subject: str
    tenant_id: uuid.UUID
    scopes: frozenset[str]
    expires_at: int
    token_id: str
    client_id: str | None = None
    issued_at: int | None = None

    @property
    def user_id(self) -> uuid.UUID | None:
        """The user the token speaks for, None for a client's own token."""
        try:
            return uuid.UUID(self.subject)
        except ValueError:
            return None


class TokenService:
    """Issues and validates access tokens with the signing key."""

    def __init__(self, signing_key: RSAKey, *, issuer: str, audience: str) -> None:
        self._signing_key = signing_key
        self.keys = KeySet([signing_key])
        self.issuer = issuer
        self.audience = audience

    @property
    def signing_key(self) -> RSAKey:
        """The private key; for signing other JWTs of this issuer (OpenID Connect id_tokens)."""
        return self._signing_key

    @property
    def key_id(self) -> str:
        """The `kid` of the signing key, as published in the JWKS."""
        return str(self._signing_key.kid)

    def issue(
        self,
        *,
        subject: str,
        tenant_id: uuid.UUID,
        scopes: frozenset[str],
        ttl_seconds: int,
        client_id: str | None = None,
        now: int | None = None,
        token_id: str | None = None,
    ) -> str:
        """A signed access token valid for `ttl_seconds`; `token_id` becomes its `jti`."""
        if ttl_seconds <= 0:
            raise ValueError("ttl must be positive")
        issued_at = int(time.time()) if now is None else now
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "tid": str(tenant_id),
            "scope": " ".join(sorted(scopes)),
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + ttl_seconds,
            "jti": token_id or uuid.uuid4().hex,
        }
        if client_id:
            claims["client_id"] = client_id
        header = {"alg": ALGORITHM, "kid": self._signing_key.kid, "typ": "at+jwt"}
        return jwt.encode(header, claims, self._signing_key)

    def derive_secret(self, purpose: str) -> bytes:
        """A 32-byte secret for `purpose` (e.g. signing browser cookies), from the signing key.

        Stable while the signing key is; rotating the key changes every derived
        secret. Different purposes get unrelated secrets.
        """
        private_exponent = str(self._signing_key.as_dict(private=True)["d"]).encode("ascii")
        return hmac.new(private_exponent, purpose.encode("utf-8"), hashlib.sha256).digest()

    def validate(self, token: str, *, now: int | None = None) -> AccessToken:
        """The token's meaning; `InvalidTokenError` with a short reason otherwise."""
        try:
            decoded = jwt.decode(token, self.keys, algorithms=[ALGORITHM])
            registry = JWTClaimsRegistry(
                now=now,
                leeway=30,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                sub={"essential": True},
                exp={"essential": True},
                tid={"essential": True},
            )
            registry.validate(decoded.claims)
            claims = decoded.claims
            return AccessToken(
                subject=str(claims["sub"]),
                tenant_id=uuid.UUID(str(claims["tid"])),
                scopes=frozenset(str(claims.get("scope", "")).split()),
                expires_at=int(claims["exp"]),
                token_id=str(claims.get("jti", "")),
                client_id=str(claims["client_id"]) if claims.get("client_id") else None,
                issued_at=int(claims["iat"]) if claims.get("iat") is not None else None,
            )
        except (JoseError, ValueError, KeyError, TypeError) as error:
            raise InvalidTokenError(type(error).__name__) from error
