"""`extensions.cost` and per-client rate limits in cost points, through the real app."""

import dataclasses
import uuid
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from api.app import create_app
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.settings import Settings
from tests.factories import make_brand, make_member, make_tenant

pytestmark = pytest.mark.postgres

BRANDS = "{ viewer { brands { id } } }"
#: Requested: the viewer and a (plain) list counted as 5 brands; actual: 1 + the three brands.
BRANDS_REQUESTED, BRANDS_ACTUAL = 6, 4


def app_with(services: Services, settings: Settings, **changes: Any) -> Starlette:
    limited = settings.model_copy(update=changes)
    return create_app(limited, services=dataclasses.replace(services, settings=limited))


async def ask(app: Starlette, token: str, query: str) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        response = await http.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def available(body: dict[str, Any]) -> float:
    return float(body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"])


async def test_every_response_reports_requested_and_actual_cost_and_the_bucket(
    client: httpx.AsyncClient, agent_token: str
) -> None:
    response = await client.post(
        "/graphql", json={"query": BRANDS}, headers={"Authorization": f"Bearer {agent_token}"}
    )
    cost = response.json()["extensions"]["cost"]
    assert cost["requestedQueryCost"] == BRANDS_REQUESTED
    assert cost["actualQueryCost"] == BRANDS_ACTUAL
    assert cost["throttleStatus"]["maximumAvailable"] == 2000
    assert cost["throttleStatus"]["restoreRate"] == 100
    # Only the actual cost stays spent (the bucket may have refilled since).
    assert 2000 - BRANDS_ACTUAL <= cost["throttleStatus"]["currentlyAvailable"] <= 2000
    invalid = await client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"Authorization": f"Bearer {agent_token}"}
    )
    assert invalid.json()["extensions"]["cost"]["requestedQueryCost"] == 0
    assert invalid.json()["extensions"]["cost"]["actualQueryCost"] is None


@pytest.mark.redis
@pytest.mark.parametrize("bucket_store", ["redis", "in-process"])
async def test_a_client_is_throttled_when_its_bucket_runs_dry(
    services: Services, services_settings: Settings, agent_token: str, bucket_store: str
) -> None:
    if bucket_store == "in-process":
        services = dataclasses.replace(services, redis=None)
    app = app_with(
        services,
        services_settings,
        graphql_rate_limit_points=10,
        graphql_rate_limit_restore_per_second=0.0001,
    )
    # Each query takes its requested 6 points and gives back the 2 it did not use.
    seen = [available(await ask(app, agent_token, BRANDS)) for _ in range(2)]
    assert seen == [pytest.approx(value, abs=0.01) for value in (6, 2)]
    throttled = await ask(app, agent_token, BRANDS)
    assert throttled["data"] is None
    error = throttled["errors"][0]
    assert error["extensions"]["code"] == "THROTTLED"
    assert error["extensions"]["requestedQueryCost"] == BRANDS_REQUESTED
    assert error["extensions"]["throttleStatus"]["maximumAvailable"] == 10
    assert error["extensions"]["throttleStatus"]["currentlyAvailable"] == pytest.approx(2, abs=0.01)
    assert error["message"].startswith("Throttled: the operation costs 6 points and 2")
    assert throttled["extensions"]["cost"]["actualQueryCost"] is None
    # A cheaper operation still fits.
    assert (await ask(app, agent_token, "{ viewer { role } }"))["data"] is not None


@pytest.mark.redis
async def test_buckets_are_per_user_and_per_client(
    services: Services, services_settings: Settings
) -> None:
    tenant_id = await make_tenant(services.database, f"rate-{uuid.uuid4().hex[:6]}")
    users = [
        await make_member(services.database, tenant_id, f"{name}@rate.example", Role.AGENT)
        for name in ("ann", "bob")
    ]

    def token(user_id: uuid.UUID, client_id: str | None = None) -> str:
        return services.tokens.issue(
            subject=str(user_id),
            tenant_id=tenant_id,
            scopes=frozenset(scopes_for_role(Role.AGENT)),
            ttl_seconds=300,
            client_id=client_id,
        )

    app = app_with(
        services,
        services_settings,
        graphql_rate_limit_points=6,
        graphql_rate_limit_restore_per_second=0.0001,
    )
    # No brands: each query keeps 1 of its 6 points spent, so the second is throttled.
    assert "errors" not in await ask(app, token(users[0]), BRANDS)
    throttled = await ask(app, token(users[0]), BRANDS)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert "errors" not in await ask(app, token(users[1]), BRANDS)
    # A third-party application acting for the same user has a bucket of its own.
    assert "errors" not in await ask(app, token(users[0], "partner-app"), BRANDS)
    throttled = await ask(app, token(users[0], "partner-app"), BRANDS)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"


@pytest.mark.redis
async def test_lists_longer_than_assumed_are_charged_after_the_fact(
    services: Services, services_settings: Settings
) -> None:
    tenant_id = await make_tenant(services.database, "many-brands")
    for index in range(7):
        await make_brand(services.database, tenant_id, f"brand-{index}")
    agent_id = await make_member(services.database, tenant_id, "agent@many.example", Role.AGENT)
    token = services.tokens.issue(
        subject=str(agent_id),
        tenant_id=tenant_id,
        scopes=frozenset(scopes_for_role(Role.AGENT)),
        ttl_seconds=300,
    )
    app = app_with(
        services,
        services_settings,
        graphql_rate_limit_points=100,
        graphql_rate_limit_restore_per_second=0.0001,
    )
    body = await ask(app, token, BRANDS)
    assert body["extensions"]["cost"]["requestedQueryCost"] == 6
    assert body["extensions"]["cost"]["actualQueryCost"] == 8
    assert available(body) == pytest.approx(92, abs=0.01)


async def test_without_a_reachable_redis_operations_run_unlimited(
    services: Services, services_settings: Settings, agent_token: str
) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        app = create_app(
            services_settings, services=dataclasses.replace(services, redis=unreachable)
        )
        body = await ask(app, agent_token, BRANDS)
    finally:
        await unreachable.aclose()
    assert "errors" not in body
    assert body["extensions"]["cost"] == {
        "requestedQueryCost": BRANDS_REQUESTED,
        "actualQueryCost": BRANDS_ACTUAL,
        "throttleStatus": {
            "maximumAvailable": 2000,
            "currentlyAvailable": 2000,
            "restoreRate": 100,
        },
    }
