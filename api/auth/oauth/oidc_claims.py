"""The OpenID Connect claims an authorization code carries to the token endpoint.

The `nonce` of the authorization request and the sign-in time (`auth_time`)
must reach the id_token issued when the code is redeemed. They travel inside
the code itself, `<random>.<base64url JSON>`, rather than in a column: the
stored code hash covers the whole string, so a code whose claims were altered
is simply unknown. Neither value is secret (the nonce was in the
authorization URL already).
"""

import base64
import binascii
import json
from dataclasses import dataclass

#: Longer nonces are refused at the authorization endpoint: they would only bloat the code.
MAX_NONCE_LENGTH = 512
_SEPARATOR = "."


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class CodeIdentityClaims:
    """`nonce` and `auth_time` (Unix seconds) bound to one authorization code."""

    nonce: str | None = None
    auth_time: int | None = None

    def attach_to(self, code: str) -> str:
        """`code` carrying these claims; `code` itself never contains the separator."""
        claims: dict[str, object] = {}
        if self.nonce:
            claims["nonce"] = self.nonce
        if self.auth_time is not None:
            claims["auth_time"] = self.auth_time
        payload = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8")
        return f"{code}{_SEPARATOR}{_encode(payload)}"

    @classmethod
    def read_from(cls, code: str) -> "CodeIdentityClaims":
        """The claims a presented code carries; none for a plain OAuth code or a garbled one.

        Call it only on a code that was found by its hash: only then are the
        claims the ones this server attached.
        """
        _random, separator, encoded = code.partition(_SEPARATOR)
        if not separator:
            return cls()
        try:
            claims = json.loads(_decode(encoded))
        except (binascii.Error, ValueError):
            return cls()
        if not isinstance(claims, dict):
            return cls()
        nonce = claims.get("nonce")
        auth_time = claims.get("auth_time")
        return cls(
            nonce=nonce if isinstance(nonce, str) else None,
            auth_time=auth_time if isinstance(auth_time, int) else None,
        )
