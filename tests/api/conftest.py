"""The HTTP app over ASGI, on the real services."""

from collections.abc import AsyncIterator

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from starlette.applications import Starlette

from api.app import create_app
from api.services import Services, build_services
from domain.db.session import Database
from domain.settings import Settings
from workers.queue import ArqJobQueue


@pytest.fixture
async def services(
    pg_database: Database, services_settings: Settings, redis_url: str
) -> AsyncIterator[Services]:
    """The API's services against the (emptied) test database, Redis and OpenSearch."""
    built = build_services(services_settings, queue=None)
    built.queue = ArqJobQueue(await create_pool(RedisSettings.from_dsn(redis_url)))
    yield built
    await built.aclose()


@pytest.fixture
def app(services: Services, services_settings: Settings) -> Starlette:
    return create_app(services_settings, services=services)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        yield http
