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

    #: Platform APIs replies are delivered to (tests point them at a local server).
    meta_graph_api_url: str = "https://graph.facebook.com/v21.0"
    x_api_url: str = "https://api.x.com"
    telegram_api_url: str = "https://api.telegram.org"
    vk_api_url: str = "https://api.vk.com/method"
    vk_api_version: str = "5.199"
    #: Per-request limits of platform API calls: connect, and the whole request.
    platform_connect_timeout_seconds: float = 5.0
    platform_request_timeout_seconds: float = 15.0
    #: HTTP tries per delivery attempt (429 and 5xx are retried with backoff).
    platform_max_http_attempts: int = 4

    public_base_url: str = "http://127.0.0.1:8000"
    token_audience: str = "parley-api"  # noqa: S105 (an audience name, not a secret)
    access_token_ttl_seconds: int = 3600

    #: GraphQL cost limits, in points (see the contract's "Limits and cost"):
    #: the most one operation may cost, and each client's token bucket.
    graphql_max_cost: int = 1000
    graphql_rate_limit_points: int = 2000
    graphql_rate_limit_restore_per_second: float = 100.0

    encryption_keys: SecretStr | None = None
    jwt_key_path: Path | None = None

    #: The mail server of approval digests; digests are not sent while unset.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "parley@localhost"
    smtp_timeout_seconds: float = 10.0
    #: An approver gets at most one digest per this many minutes.
    approval_digest_interval_minutes: int = 60

    #: Browser origins allowed to call the API cross-origin (CORS), e.g.
    #: `["https://agents.example.com"]`; empty allows none.
    cors_allowed_origins: list[str] = []
    #: Browser origins allowed to open the GraphQL WebSocket (same-origin pages
    #: and non-browser clients, which send no `Origin`, are always allowed).
    websocket_allowed_origins: list[str] = []
    #: Accept only operations registered in `frontend_contract/operations/`,
    #: named by their SHA-256 (trusted documents); free-form queries are refused.
    graphql_trusted_documents_only: bool = False

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
