"""Fixtures of the indexing tests: one database and search backend pair per deployment.

`backend` runs a test twice: on PostgreSQL with OpenSearch (a search index
prefix of its own, removed afterwards) and on the embedded default's SQLite
with FTS5.
"""

import uuid
from collections.abc import AsyncIterator

import pytest

from domain.db.session import Database
from domain.settings import Settings
from domain.shared.ports import SearchIndex
from search.documents import LOGICAL_INDICES
from search.indices import template_name
from search.opensearch import OpenSearchIndex, create_opensearch_client
from search.sqlite_fts import SqliteFtsIndex

BACKENDS = [
    pytest.param(
        "opensearch", marks=[pytest.mark.postgres, pytest.mark.opensearch], id="postgres-opensearch"
    ),
    pytest.param("sqlite", id="sqlite-fts5"),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest) -> Database:
    """The emptied PostgreSQL test database, or a fresh migrated SQLite file."""
    found: Database = request.getfixturevalue(
        "pg_database" if backend == "opensearch" else "sqlite_database"
    )
    return found


@pytest.fixture
def index_prefix(services_settings: Settings) -> str:
    return f"{services_settings.search_index_prefix}-ix-{uuid.uuid4().hex[:8]}"


async def remove_opensearch_indices(url: str, prefix: str) -> None:
    """Delete every index and template under `prefix`."""
    client = create_opensearch_client(url)
    try:
        await client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        for index in LOGICAL_INDICES:
            await client.indices.delete_index_template(
                name=template_name(prefix, index), ignore=[404]
            )
    finally:
        await client.close()


@pytest.fixture
async def search_index(
    backend: str, database: Database, index_prefix: str, services_settings: Settings
) -> AsyncIterator[SearchIndex]:
    """The backend's search index, ready; OpenSearch indices are removed afterwards."""
    index: SearchIndex
    if backend == "opensearch":
        url = str(services_settings.opensearch_url)
        index = OpenSearchIndex(create_opensearch_client(url), prefix=index_prefix)
    else:
        index = SqliteFtsIndex(database.engine)
    await index.ensure_ready()
    try:
        yield index
    finally:
        await index.close()
        if backend == "opensearch":
            await remove_opensearch_indices(url, index_prefix)
