"""`parley reindex`: on the real services through the CLI, and on the embedded default."""

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from api.cli import main
from api.commands.search import run_reindex
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.search import search_mentions
from domain.settings import Settings
from domain.shared.ports import SearchIndex
from domain.tenants import service as tenants_service
from search.sqlite_fts import SqliteFtsIndex
from tests.factories import TEST_ACTOR
from tests.integration.indexing.indexing_scenario import add_mentions, make_place, scope, staff


@pytest.fixture
async def two_agencies(database: Database, search_index: SearchIndex) -> None:
    """Mentions in two tenants, never indexed (the outbox was not drained)."""
    await add_mentions(
        database, await make_place(database, "agency-a", "alpha"), ["refund a1", "refund a2"]
    )
    await add_mentions(database, await make_place(database, "agency-b", "beta"), ["refund b1"])


@pytest.fixture
def cli_env(
    services_settings: Settings, index_prefix: str, encryption_key: str, tmp_path: Path
) -> dict[str, str]:
    return {
        "PARLEY_DATABASE_URL": str(services_settings.database_url),
        "PARLEY_DATABASE_OWNER_URL": str(services_settings.database_owner_url),
        "PARLEY_REDIS_URL": str(services_settings.redis_url),
        "PARLEY_OPENSEARCH_URL": str(services_settings.opensearch_url),
        "PARLEY_SEARCH_INDEX_PREFIX": index_prefix,
        "PARLEY_DATA_DIR": str(tmp_path),
        "PARLEY_ENCRYPTION_KEYS": encryption_key,
    }


def run(env: dict[str, str], *arguments: str) -> Result:
    return CliRunner().invoke(main, list(arguments), env=env, catch_exceptions=False)


def one_json_object(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    parsed = json.loads(line)
    assert isinstance(parsed, dict)
    return parsed


@pytest.mark.postgres
@pytest.mark.opensearch
@pytest.mark.parametrize("backend", ["opensearch"], indirect=True)
@pytest.mark.usefixtures("two_agencies")
def test_reindex_prints_its_counts(cli_env: dict[str, str], index_prefix: str) -> None:
    assert one_json_object(run(cli_env, "reindex", "--json")) == {
        "index": "mentions",
        "tenant": None,
        "tenants": 2,
        "documents": 3,
        "skipped": 0,
        "removed": 0,
        "caught_up": 0,
        "live_index": f"{index_prefix}-mentions-v2",
        "dropped": [f"{index_prefix}-mentions-v1"],
    }
    assert one_json_object(run(cli_env, "reindex", "--tenant", "agency-a", "--json")) == {
        "index": "mentions",
        "tenant": "agency-a",
        "tenants": 1,
        "documents": 2,
        "skipped": 0,
        "removed": 0,
        "caught_up": 0,
        "live_index": None,
        "dropped": [],
    }

    human = run(cli_env, "reindex")
    assert human.exit_code == 0
    assert human.stdout == (
        "rebuilt the mention index from 2 tenant(s): 3 written into "
        f"{index_prefix}-mentions-v3, 0 caught up after the swap; "
        f"dropped {index_prefix}-mentions-v2\n"
    )

    unknown = run(cli_env, "reindex", "--tenant", "nobody", "--json")
    assert unknown.exit_code == 1
    assert unknown.stdout == ""
    assert "no tenant 'nobody'" in unknown.stderr


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("two_agencies")
async def test_reindex_rebuilds_the_fts5_table_of_the_embedded_default(
    database: Database, search_index: SearchIndex, tmp_path: Path, encryption_key: str
) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path, encryption_keys=SecretStr(encryption_key)
    )
    assert isinstance(search_index, SqliteFtsIndex)

    report = await run_reindex(settings, tenant_slug=None)

    assert (report["tenants"], report["documents"], report["live_index"]) == (
        2,
        3,
        "search_mentions_next",
    )
    place_a = await _tenant_of(database, "agency-a")
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=scope(place_a)) as uow:
        result = await search_mentions(uow, staff(), search=search_index, query="refund")
    assert result.total == 2
    assert (await run_reindex(settings, tenant_slug="agency-b"))["documents"] == 1


async def _tenant_of(database: Database, slug: str) -> uuid.UUID:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=None) as uow:
        return (await tenants_service.get_tenant_by_slug(uow, slug)).id
