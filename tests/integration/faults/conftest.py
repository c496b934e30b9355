"""Fixtures of the fault tests: a Redis of the test's own and the app enqueueing on it.

Each test gets a disposable `redis-server`, settings pointing the API and the
workers at it (with a search index prefix of its own), the HTTP app over ASGI
whose queue is arq on that Redis, and the webhook fixtures' agency.
"""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings

from api.app import create_app
from api.services import Services, build_services
from domain.db.session import Database
from domain.settings import Settings
from search.documents import LOGICAL_INDICES
from search.indices import template_name
from search.opensearch import OpenSearchIndex, create_opensearch_client
from tests.integration.faults.fault_scenario import DisposableRedis
from tests.integration.webhooks.webhook_scenario import Agency, build_agency
from workers.queue import ArqJobQueue


@pytest.fixture
async def own_redis() -> AsyncIterator[DisposableRedis]:
    redis = DisposableRedis()
    await redis.start()
    yield redis
    await redis.kill()


@pytest.fixture
def fault_settings(services_settings: Settings, own_redis: DisposableRedis) -> Settings:
    """The test settings on the disposable Redis, with a search index prefix of the test's own."""
    prefix = f"{services_settings.search_index_prefix}-f{uuid.uuid4().hex[:8]}"
    return services_settings.model_copy(
        # Delivery, not labelling, is under test here: triage stays off to keep it fast.
        update={"redis_url": own_redis.url, "search_index_prefix": prefix, "triage_enabled": False}
    )


@pytest.fixture
async def fault_services(
    pg_database: Database, fault_settings: Settings, own_redis: DisposableRedis
) -> AsyncIterator[Services]:
    """The API's services on the emptied test database, enqueueing on the disposable Redis."""
    built = build_services(fault_settings, queue=None)
    built.queue = ArqJobQueue(await create_pool(RedisSettings.from_dsn(own_redis.url)))
    yield built
    await built.aclose()


@pytest.fixture
async def fault_client(fault_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fault_services.settings, services=fault_services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        yield http


@pytest.fixture
async def fault_agency(fault_services: Services) -> Agency:
    return await build_agency(fault_services.database)


@pytest.fixture
async def live_index(
    fault_settings: Settings, opensearch_url: str
) -> AsyncIterator[OpenSearchIndex]:
    """The real OpenSearch under the test's prefix, ready; its indices are removed afterwards."""
    index = OpenSearchIndex(
        create_opensearch_client(opensearch_url), prefix=fault_settings.search_index_prefix
    )
    await index.ensure_ready()
    yield index
    await index.close()
    client = create_opensearch_client(opensearch_url)
    try:
        prefix = fault_settings.search_index_prefix
        await client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        for logical in LOGICAL_INDICES:
            await client.indices.delete_index_template(
                name=template_name(prefix, logical), ignore=[404]
            )
    finally:
        await client.close()
