"""Authenticity checks for inbound webhooks, over the exact raw body bytes.

Every comparison is constant-time. Hash the bytes as received: a parsed and re-serialised
body (different escaping, key order, spacing) does not verify, by design.
All checks fail closed: a missing header, an empty configured secret or a malformed value
is simply "not authentic".
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping

_META_PREFIX = "sha256="
_X_PREFIX = "sha256="
_GENERIC_SCHEME = "v1="


def _hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def _same(expected: str, received: str) -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header may contain anything.
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


def verify_meta_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """Facebook/Instagram `X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256>`."""
    if not app_secret or header is None:
        return False
    received = header.strip()
    if not received.startswith(_META_PREFIX):
        return False
    expected = _META_PREFIX + _hmac_sha256(app_secret, body).hex()
    # Meta sends lowercase hex; hex digits are case-insensitive, so accept either.
    return _same(expected, _META_PREFIX + received[len(_META_PREFIX) :].lower())


def meta_challenge_response(params: Mapping[str, str], verify_token: str) -> str | None:
    """The body to answer Meta's GET verification with (200), or None to answer 403.

    Requires ``hub.mode == "subscribe"``, ``hub.verify_token`` equal to `verify_token` and a
    non-empty ``hub.challenge``, which is returned unchanged.
    """
    challenge = params.get("hub.challenge", "")
    token = params.get("hub.verify_token")
    if not verify_token or token is None or params.get("hub.mode") != "subscribe":
        return None
    if not _same(verify_token, token) or not challenge:
        return None
    return challenge


def x_crc_response_token(consumer_secret: str, crc_token: str) -> str:
    """The `response_token` value for X's CRC: ``sha256=<base64 HMAC-SHA256(secret, token)>``.

    The receiver answers ``{"response_token": <this>}`` as JSON with status 200.
    """
    digest = _hmac_sha256(consumer_secret, crc_token.encode("utf-8"))
    return _X_PREFIX + base64.b64encode(digest).decode("ascii")


def verify_x_signature(consumer_secret: str, body: bytes, header: str | None) -> bool:
    """X `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>`."""
    if not consumer_secret or header is None:
        return False
    expected = _X_PREFIX + base64.b64encode(_hmac_sha256(consumer_secret, body)).decode("ascii")
    return _same(expected, header.strip())


def verify_telegram_secret(expected: str, header: str | None) -> bool:
    """Telegram `X-Telegram-Bot-Api-Secret-Token` equals the `secret_token` set on the webhook.

    Telegram does not sign the body; this shared secret is all there is.
    """
    if not expected or header is None:
        return False
    return _same(expected, header)


def is_vk_confirmation(payload: Mapping[str, object]) -> bool:
    """Whether a VK Callback body is the server confirmation request.

    The receiver answers it with the community's confirmation string as a text/plain body
    (after checking `group_id`), not with "ok".
    """
    return payload.get("type") == "confirmation"


def vk_secret_matches(expected: str, payload: Mapping[str, object]) -> bool:
    """VK Callback bodies carry the community's secret key as ``"secret"`` (no header).

    A confirmation request without a `secret` is accepted: the sample request in VK's UI has
    none and sources disagree whether the real one does. Every other event must carry it.
    """
    if not expected:
        return False
    secret = payload.get("secret")
    if secret is None:
        return is_vk_confirmation(payload)
    return isinstance(secret, str) and _same(expected, secret)


def sign_generic(secret: str, timestamp: int, body: bytes) -> str:
    """Our own webhook signature: ``v1=<hex HMAC-SHA256(secret, f"{timestamp}." + body)>``.

    Signing the timestamp with the body lets `verify_generic` refuse replays.
    """
    return _GENERIC_SCHEME + _hmac_sha256(secret, f"{timestamp}.".encode("ascii") + body).hex()


def verify_generic(
    secret: str,
    body: bytes,
    signature_header: str | None,
    timestamp_header: str | None,
    now: int,
    tolerance_seconds: int = 300,
) -> bool:
    """Accepts a body signed by `sign_generic` at a time within ±`tolerance_seconds` of `now`.

    `signature_header` may list several comma-separated ``v1=`` values (signing with old and
    new secret during rotation); one match is enough. Timestamps are Unix seconds.
    """
    if not secret or signature_header is None or timestamp_header is None:
        return False
    stamp = timestamp_header.strip()
    if not (stamp.isascii() and stamp.isdigit()):
        return False
    timestamp = int(stamp)
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = sign_generic(secret, timestamp, body)
    candidates = [part.strip() for part in signature_header.split(",")]
    # Compare against every candidate so timing does not reveal which one matched.
    matches = [_same(expected, candidate.lower()) for candidate in candidates]
    return any(matches)
