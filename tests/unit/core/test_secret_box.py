"""Encryption of secrets at rest."""

import pytest

from domain.shared.crypto import SecretBox, SecretDecryptionError, generate_key


def test_round_trip_and_fresh_ciphertext_each_time() -> None:
    box = SecretBox([generate_key()])
    secrets = {"app_secret": "f3a1c9e27b4d8a6f0c5e2b9d7a4f1c38", "verify_token": "v"}
    first, second = box.encrypt(secrets), box.encrypt(secrets)
    assert first != second
    assert b"f3a1c9e27b4d8a6f" not in first
    assert box.decrypt(first) == secrets


def test_rotation_decrypts_old_ciphertext_with_the_old_key() -> None:
    old_key, new_key = generate_key(), generate_key()
    old_ciphertext = SecretBox([old_key]).encrypt({"token": "t"})
    rotated = SecretBox([new_key, old_key])
    assert rotated.decrypt(old_ciphertext) == {"token": "t"}
    with pytest.raises(SecretDecryptionError):
        SecretBox([old_key]).decrypt(rotated.encrypt({"token": "t"}))


def test_a_wrong_key_or_garbage_raises_a_clear_error() -> None:
    ciphertext = SecretBox([generate_key()]).encrypt({"token": "t"})
    with pytest.raises(SecretDecryptionError, match="cannot be decrypted"):
        SecretBox([generate_key()]).decrypt(ciphertext)
    with pytest.raises(SecretDecryptionError):
        SecretBox([generate_key()]).decrypt(b"garbage")


def test_a_box_needs_a_key() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        SecretBox([])
