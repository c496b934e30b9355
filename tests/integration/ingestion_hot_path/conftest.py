"""The HTTP app over ASGI on the emptied test database, without a job queue."""

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.services import Services, build_services
from domain.db.session import Database
from domain.settings import Settings
from tests.integration.webhooks.webhook_scenario import Agency, build_agency


@pytest.fixture
async def services(pg_database: Database, services_settings: Settings) -> AsyncIterator[Services]:
    built = build_services(services_settings, queue=None)
    yield built
    await built.aclose()


@pytest.fixture
def app(services: Services) -> Starlette:
    return create_app(services.settings, services=services)


@pytest.fixture
async def agency(services: Services) -> Agency:
    return await build_agency(services.database)
