"""The embedded default: SQLite, the in-process job runner and FTS5 search.

The same GraphQL query and the same job functions as on the real services.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.channels.models import ChannelHealth
from domain.channels.repository import ChannelRepository
from domain.db.uow import UnitOfWork
from domain.demo.seed import seed_demo
from domain.shared.tenancy import TenantScope
from tests.embedded import embedded_services
from tests.factories import TEST_ACTOR
from workers.queue import InProcessJobQueue


@pytest.fixture
async def embedded(tmp_path: Path, encryption_key: str) -> AsyncIterator[Services]:
    async with embedded_services(tmp_path, encryption_key, in_process_jobs=True) as services:
        yield services


async def test_viewer_query_works_on_sqlite(embedded: Services) -> None:
    assert embedded.database.dialect == "sqlite"
    seed = await seed_demo(embedded.database)
    approver = next(user for user in seed.users if user.role is Role.CLIENT_APPROVER)
    token = embedded.tokens.issue(
        subject=str(approver.user_id),
        tenant_id=seed.tenant_id,
        scopes=frozenset(scopes_for_role(Role.CLIENT_APPROVER)),
        ttl_seconds=300,
    )
    app = create_app(embedded.settings, services=embedded)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo.test") as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ viewer { tenant { slug } brands { slug } } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        anonymous = await client.post("/graphql", json={"query": "{ viewer { role } }"})
        ready = await client.get("/readyz")
    assert response.json()["data"] == {
        "viewer": {
            "tenant": {"slug": "northwind-social"},
            "brands": [
                {"slug": "forchetta"},
                {"slug": "kestrel"},
                {"slug": "wierzba"},
                {"slug": "biryuza"},
                {"slug": "nilgoon"},
            ],
        }
    }
    assert "errors" not in response.json()
    assert anonymous.status_code == 401
    assert ready.json()["checks"] == {
        "database": "ok",
        "redis": "embedded",
        "search": "ok",
        "queue": "ok",
    }


async def test_in_process_runner_runs_the_same_job(embedded: Services) -> None:
    seed = await seed_demo(embedded.database)
    scope = TenantScope(seed.tenant_id)
    async with UnitOfWork(embedded.database, actor=TEST_ACTOR, scope=scope) as uow:
        channel = (await ChannelRepository(uow).list_for_brands([seed.brand_ids["kestrel"]]))[0]
    queue = embedded.queue
    assert isinstance(queue, InProcessJobQueue)
    await queue.enqueue(
        "refresh_channel_health", tenant_id=seed.tenant_id, channel_id=str(channel.id)
    )
    await queue.drain()
    async with UnitOfWork(embedded.database, actor=TEST_ACTOR, scope=scope) as uow:
        refreshed = await ChannelRepository(uow).get(channel.id)
    assert refreshed.health is ChannelHealth.UNKNOWN
    assert refreshed.health_checked_at is not None
    with pytest.raises(KeyError, match="no job named"):
        await queue.enqueue("no_such_job", tenant_id=seed.tenant_id)
