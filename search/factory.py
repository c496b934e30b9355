"""Choose the search backend from configuration."""

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.shared.ports import SearchIndex
from search.opensearch import OpenSearchIndex, create_opensearch_client
from search.sqlite_fts import SqliteFtsIndex


def create_search_index(
    *, opensearch_url: str | None, prefix: str, sqlite_engine: AsyncEngine | None
) -> SearchIndex:
    """OpenSearch when a URL is given, else SQLite FTS5 on `sqlite_engine`.

    Nothing connects until the first call; run `ensure_ready()` at start-up.
    Raises ValueError when neither backend is configured.
    """
    if opensearch_url:
        return OpenSearchIndex(create_opensearch_client(opensearch_url), prefix=prefix)
    if sqlite_engine is not None:
        return SqliteFtsIndex(sqlite_engine)
    raise ValueError("search needs an OpenSearch URL or a SQLite engine")
