"""Builds the domain's infrastructure from the settings, for composition roots.

Called by `api/app.py:create_app`, `workers/main.py` and the CLI when they
start, never at import time.
"""

import os
from pathlib import Path

from domain.db.session import Database, create_engine
from domain.settings import Settings
from domain.shared.crypto import SecretBox, generate_key


def load_encryption_keys(settings: Settings) -> list[str]:
    """The encryption keys, newest first.

    From `PARLEY_ENCRYPTION_KEYS` (comma-separated Fernet keys) when set;
    otherwise from a key file under the data directory, created with one new
    key (mode 0600) on first use so the embedded default works out of the box.
    Production sets the variable; losing the key file loses the secrets.
    """
    if settings.encryption_keys is not None:
        keys = [k.strip() for k in settings.encryption_keys.get_secret_value().split(",")]
        return [key for key in keys if key]
    path = settings.encryption_key_path()
    if not path.exists():
        _write_private_file(path, generate_key() + "\n")
    return [line.strip() for line in path.read_text("ascii").splitlines() if line.strip()]


def _write_private_file(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(content)


def build_database(settings: Settings, *, url: str | None = None) -> Database:
    """The runtime database (or `url`, e.g. the owner's) with the secret box."""
    target = url or settings.resolved_database_url()
    if target.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Database(create_engine(target), SecretBox(load_encryption_keys(settings)))
