"""The one settings object of every Parley process.

It is defined beside the domain so that every composition root (`api/app.py`,
`workers/main.py`, the CLI) can build it; domain services never receive it and
get narrow values instead. Nothing reads the environment anywhere else.
"""

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration from `PARLEY_*` variables and the git-ignored `.env` file.

    A URL left unset selects the embedded default for that part: SQLite for the
    database, the in-process runner for jobs, SQLite FTS5 for search.
    """

    model_config = SettingsConfigDict(
        env_prefix="PARLEY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")

    database_url: str | None = None
    database_owner_url: str | None = None
    redis_url: str | None = None
    opensearch_url: str | None = None
    search_index_prefix: str = "parley"
    #: Whether workers triage inbound mentions as they are processed (the model
    #: loads in about 2 s per process); off leaves labels pending.
    triage_enabled: bool = True

    public_base_url: str = "http://127.0.0.1:8000"
    token_audience: str = "parley-api"  # noqa: S105 (an audience name, not a secret)
    access_token_ttl_seconds: int = 3600

    encryption_keys: SecretStr | None = None
    jwt_key_path: Path | None = None

    @property
    def embedded_database(self) -> bool:
        """True when no database URL is configured and SQLite is used."""
        return self.database_url is None

    def resolved_database_url(self) -> str:
        """The runtime database URL, SQLite under `data_dir` when none is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'parley.db').as_posix()}"

    def resolved_owner_database_url(self) -> str:
        """The URL migrations run with: the owner role, else the runtime URL."""
        return self.database_owner_url or self.resolved_database_url()

    def resolved_jwt_key_path(self) -> Path:
        """Where the token signing key lives (created on first use)."""
        return self.jwt_key_path or self.data_dir / "secrets" / "jwt_signing_key.json"

    def encryption_key_path(self) -> Path:
        """Where generated encryption keys live when none are configured."""
        return self.data_dir / "secrets" / "encryption_keys"

    @property
    def issuer(self) -> str:
        """The token issuer: the public base URL without a trailing slash."""
        return self.public_base_url.rstrip("/")
