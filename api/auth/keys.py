"""The token signing key: an RSA key in a JWK file, created on first use."""

import json
import os
from pathlib import Path

from joserfc.jwk import KeySet, RSAKey


def load_or_create_signing_key(path: Path) -> RSAKey:
    """The private RSA signing key stored at `path` (mode 0600), created if missing.

    Its `kid` is the key's RFC 7638 thumbprint, so JWKS consumers can cache it.
    Rotation: put the new key in place and keep the old public key in the JWKS
    until the last token signed with it has expired.
    """
    if path.exists():
        return RSAKey.import_key(json.loads(path.read_text("utf-8")))
    key = RSAKey.generate_key(2048, private=True)
    key = RSAKey.import_key(
        {**key.as_dict(private=True), "kid": key.thumbprint(), "use": "sig", "alg": "RS256"}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(key.as_dict(private=True), handle)
    return key


def public_jwks(keys: KeySet) -> dict[str, object]:
    """The JWKS document: public parts only."""
    return dict(keys.as_dict(private=False))
