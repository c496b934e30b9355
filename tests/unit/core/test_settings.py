"""Settings: the embedded default and the URLs of real services."""

from pathlib import Path

import pytest

from domain.settings import Settings


def test_no_urls_select_the_embedded_default(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.embedded_database is True
    assert settings.resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path}/parley.db"
    assert settings.resolved_owner_database_url() == settings.resolved_database_url()
    assert settings.resolved_jwt_key_path() == tmp_path / "secrets" / "jwt_signing_key.json"


def test_environment_variables_with_the_prefix_configure_services(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARLEY_DATABASE_URL", "postgresql+asyncpg://app@db/parley")
    monkeypatch.setenv("PARLEY_DATABASE_OWNER_URL", "postgresql+asyncpg://owner@db/parley")
    monkeypatch.setenv("PARLEY_PUBLIC_BASE_URL", "https://parley.example/")
    settings = Settings(_env_file=None)
    assert settings.embedded_database is False
    assert settings.resolved_database_url() == "postgresql+asyncpg://app@db/parley"
    assert settings.resolved_owner_database_url() == "postgresql+asyncpg://owner@db/parley"
    assert settings.issuer == "https://parley.example"
