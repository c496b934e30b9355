"""Shared fixtures: real PostgreSQL, Redis and OpenSearch from `make services`.

The URLs come from the git-ignored `.env` that `make services` writes
(`PARLEY_TEST_DATABASE_URL`, `PARLEY_TEST_DATABASE_OWNER_URL`, `PARLEY_REDIS_URL`,
`PARLEY_OPENSEARCH_URL`). A test that needs a service fails with a clear message
when it is not configured; nothing is faked.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.db.base import Base
from domain.db.session import Database, create_engine
from domain.settings import Settings
from domain.shared.crypto import SecretBox, generate_key
from migrations import runner

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class TestEnvironment(BaseSettings):
    """The test database URLs (a separate database from the app's)."""

    __test__ = False
    model_config = SettingsConfigDict(
        env_prefix="PARLEY_TEST_", env_file=PROJECT_ROOT / ".env", extra="ignore"
    )

    database_url: str | None = None
    database_owner_url: str | None = None


def _require(value: str | None, name: str) -> str:
    if not value:
        pytest.fail(f"{name} is not configured: run `make services` first", pytrace=False)
    return value


def _for_this_worker(database_url: str) -> str:
    """The test database of this pytest-xdist worker (`parley_test_gw0` …), else the URL.

    Every worker empties and rebuilds its database, so workers never share one;
    `make services` creates them.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return database_url
    url = make_url(database_url)
    return url.set(database=f"{url.database}_{worker}").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def test_environment() -> TestEnvironment:
    return TestEnvironment()


@pytest.fixture(scope="session")
def encryption_key() -> str:
    return generate_key()


@pytest.fixture(scope="session")
def services_settings(
    tmp_path_factory: pytest.TempPathFactory, test_environment: TestEnvironment, encryption_key: str
) -> Iterator[Settings]:
    """Settings pointing at the real services and the test database.

    The session's search indices and templates (all under its own prefix) are
    removed at the end, so repeated runs do not pile shards up on the node.
    """
    base = Settings(_env_file=PROJECT_ROOT / ".env")
    settings = base.model_copy(
        update={
            "environment": "test",
            "database_url": _for_this_worker(
                _require(test_environment.database_url, "PARLEY_TEST_DATABASE_URL")
            ),
            "database_owner_url": _for_this_worker(
                _require(test_environment.database_owner_url, "PARLEY_TEST_DATABASE_OWNER_URL")
            ),
            "data_dir": tmp_path_factory.mktemp("parley-data"),
            "search_index_prefix": f"parley-test-{uuid.uuid4().hex[:8]}",
            "encryption_keys": SecretStr(encryption_key),
        }
    )
    yield settings
    if settings.opensearch_url:
        _remove_search_indices(settings.opensearch_url, settings.search_index_prefix)


def _remove_search_indices(url: str, prefix: str) -> None:
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            client.delete(
                f"/{prefix}-*", params={"expand_wildcards": "all", "ignore_unavailable": "true"}
            )
            client.delete(f"/_index_template/{prefix}-*")
    except httpx.HTTPError:
        pass  # The node is away (a test stopped it): nothing to tidy here.


@pytest.fixture(scope="session")
def redis_url(services_settings: Settings) -> str:
    return _require(services_settings.redis_url, "PARLEY_REDIS_URL")


@pytest.fixture(scope="session")
def opensearch_url(services_settings: Settings) -> str:
    return _require(services_settings.opensearch_url, "PARLEY_OPENSEARCH_URL")


_DROP_ALL_TABLES = """
DO $$
DECLARE found record;
BEGIN
  FOR found IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE 'DROP TABLE IF EXISTS public.' || quote_ident(found.tablename) || ' CASCADE';
  END LOOP;
END $$;
"""


async def _drop_all_tables(owner_url: str) -> None:
    engine = create_engine(owner_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(_DROP_ALL_TABLES))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def migrated_postgres(services_settings: Settings) -> str:
    """The test database rebuilt from scratch with `alembic upgrade head`, as the owner.

    Tables are dropped rather than downgraded: a database left by an older
    checkout may not match today's downgrade steps.
    """
    owner_url = str(services_settings.database_owner_url)
    asyncio.run(_drop_all_tables(owner_url))
    runner.upgrade(owner_url, "head")
    return owner_url


@pytest.fixture
async def owner_engine(migrated_postgres: str) -> AsyncIterator[AsyncEngine]:
    """An engine as the owner role, for truncation and catalog checks."""
    engine = create_engine(migrated_postgres)
    yield engine
    await engine.dispose()


async def truncate_all(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def pg_database(
    services_settings: Settings, owner_engine: AsyncEngine, encryption_key: str
) -> AsyncIterator[Database]:
    """The runtime-role database on an empty schema."""
    await truncate_all(owner_engine)
    database = Database(
        create_engine(str(services_settings.database_url)), SecretBox([encryption_key])
    )
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_database(tmp_path: Path, encryption_key: str) -> AsyncIterator[Database]:
    """The embedded default's database, migrated with `alembic upgrade head`."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'parley.db'}"
    await runner.upgrade_in_thread(url)
    database = Database(create_engine(url), SecretBox([encryption_key]))
    yield database
    await database.dispose()
