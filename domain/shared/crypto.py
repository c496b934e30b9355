"""Encryption of secrets at rest (channel tokens, app secrets).

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`, wrapped in MultiFernet
so keys can be rotated: the first key encrypts, every key decrypts.
"""

import json
from collections.abc import Mapping, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from domain.shared.errors import DomainError


class SecretDecryptionError(DomainError):
    """A ciphertext could not be decrypted with any configured key."""

    code = "secret_decryption_failed"


def generate_key() -> str:
    """A new random Fernet key, URL-safe base64."""
    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Encrypts and decrypts small JSON secrets with the configured keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("SecretBox needs at least one key")
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])

    def encrypt(self, secrets: Mapping[str, str]) -> bytes:
        """Ciphertext of the secrets mapping (a fresh IV every call)."""
        plaintext = json.dumps(dict(secrets), sort_keys=True).encode("utf-8")
        return self._fernet.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> dict[str, str]:
        """The secrets mapping; raises `SecretDecryptionError` on a bad key or data."""
        try:
            plaintext = self._fernet.decrypt(ciphertext)
        except InvalidToken as error:
            raise SecretDecryptionError("channel secrets cannot be decrypted") from error
        decoded = json.loads(plaintext)
        return {str(key): str(value) for key, value in decoded.items()}
