"""The HTTP app over ASGI on PostgreSQL and Redis, with a job queue of its own per test."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix

from api.app import create_app
from api.services import Services, build_services
from domain.db.session import Database
from domain.settings import Settings
from tests.integration.webhooks.webhook_scenario import Agency, build_agency
from workers.queue import ArqJobQueue


@pytest.fixture
def queue_name() -> str:
    return f"parley-test-webhooks-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def arq_redis(redis_url: str, queue_name: str) -> AsyncIterator[ArqRedis]:
    """A Redis connection to inspect the test's queue; removes its jobs afterwards."""
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    yield redis
    job_ids = [member.decode() for member in await redis.zrange(queue_name, 0, -1)]
    await redis.delete(queue_name, *(job_key_prefix + job_id for job_id in job_ids))
    await redis.aclose()


@pytest.fixture
async def services(
    pg_database: Database,
    services_settings: Settings,
    redis_url: str,
    queue_name: str,
    arq_redis: ArqRedis,
) -> AsyncIterator[Services]:
    """The API's services on the emptied test database, enqueueing on the test's queue."""
    built = build_services(services_settings, queue=None)
    built.queue = ArqJobQueue(
        await create_pool(RedisSettings.from_dsn(redis_url)), queue_name=queue_name
    )
    yield built
    await built.aclose()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services.settings, services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        yield http


@pytest.fixture
async def agency(services: Services) -> Agency:
    return await build_agency(services.database)
