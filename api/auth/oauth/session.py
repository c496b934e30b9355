"""The browser session of the login and consent pages: a signed cookie, and CSRF tokens.

The cookie holds only ids and times (session id, user, tenant, when signed
in, when it expires), signed with HMAC-SHA256 under a secret derived from the
token signing key; nothing is stored server-side. Every form carries a CSRF
token bound to the session id, and signing in starts a new session id, so a
session fixed before sign-in is worthless after it.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

COOKIE_NAME = "parley_oauth_session"
COOKIE_PATH = "/oauth"
SESSION_TTL_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class BrowserSession:
    """One browser's state at the authorization endpoint."""

    session_id: str
    expires_at: int
    user_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    signed_in_at: int | None = None

    @classmethod
    def anonymous(cls, *, now: int) -> "BrowserSession":
        return cls(session_id=secrets.token_urlsafe(18), expires_at=now + SESSION_TTL_SECONDS)

    @classmethod
    def signed_in(cls, *, user_id: uuid.UUID, tenant_id: uuid.UUID, now: int) -> "BrowserSession":
        return cls(
            session_id=secrets.token_urlsafe(18),
            expires_at=now + SESSION_TTL_SECONDS,
            user_id=user_id,
            tenant_id=tenant_id,
            signed_in_at=now,
        )

    def signed_in_user(self, tenant_id: uuid.UUID | None) -> uuid.UUID | None:
        """The signed-in user when the session is for `tenant_id`, else None."""
        if tenant_id is None or self.tenant_id != tenant_id:
            return None
        return self.user_id


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Signs and reads session cookies and derives their CSRF tokens."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret has at least 32 bytes")
        self._secret = secret

    def _mac(self, purpose: bytes, message: bytes) -> bytes:
        return hmac.new(self._secret, purpose + b"\x00" + message, hashlib.sha256).digest()

    def dumps(self, session: BrowserSession) -> str:
        claims: dict[str, Any] = {"sid": session.session_id, "exp": session.expires_at}
        if session.user_id is not None and session.tenant_id is not None:
            claims.update(
                uid=str(session.user_id), tid=str(session.tenant_id), sat=session.signed_in_at
            )
        payload = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8")
        return f"{_encode(payload)}.{_encode(self._mac(b'session', payload))}"

    def loads(self, value: str | None, *, now: int) -> BrowserSession | None:
        """The session in a cookie value; None when missing, tampered with or expired."""
        if not value or value.count(".") != 1:
            return None
        encoded_payload, encoded_mac = value.split(".")
        try:
            payload = _decode(encoded_payload)
            mac = _decode(encoded_mac)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(mac, self._mac(b"session", payload)):
            return None
        try:
            claims = json.loads(payload)
            session = BrowserSession(
                session_id=str(claims["sid"]),
                expires_at=int(claims["exp"]),
                user_id=uuid.UUID(claims["uid"]) if "uid" in claims else None,
                tenant_id=uuid.UUID(claims["tid"]) if "tid" in claims else None,
                signed_in_at=int(claims["sat"]) if claims.get("sat") is not None else None,
            )
        except (KeyError, TypeError, ValueError):
            return None
        return session if session.expires_at > now else None

    def csrf_token(self, session: BrowserSession) -> str:
        """The token every form of this session must send back."""
        return _encode(self._mac(b"csrf", session.session_id.encode("utf-8")))

    def csrf_matches(self, session: BrowserSession, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))


def set_session_cookie(response: Response, value: str, *, secure: bool) -> None:
    """HttpOnly, SameSite=Lax (a cross-site POST carries no session), only under /oauth."""
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=SESSION_TTL_SECONDS,
        path=COOKIE_PATH,
        secure=secure,
        httponly=True,
        samesite="lax",
    )
