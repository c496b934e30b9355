"""Health, readiness, OIDC discovery and JWKS."""

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from api.app import create_app
from api.services import Services, build_services
from domain.settings import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]


async def test_healthz_answers_without_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_ready_when_every_service_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "ok", "search": "ok", "queue": "ok"},
    }


async def test_readyz_names_the_failing_part(services_settings: Settings) -> None:
    broken = services_settings.model_copy(
        update={"opensearch_url": "http://127.0.0.1:9", "redis_url": "redis://127.0.0.1:9/0"}
    )
    services: Services = build_services(broken, queue=None)
    app = create_app(broken, services=services)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
            response = await http.get("/readyz")
    finally:
        await services.aclose()
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["queue", "redis", "search"]
    assert body["checks"]["database"] == "ok"


async def test_discovery_documents_and_jwks_verify_our_tokens(
    client: httpx.AsyncClient, services: Services
) -> None:
    issuer = services.tokens.issuer
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        document = (await client.get(path)).json()
        assert document["issuer"] == issuer
        assert document["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
        assert "inbox:read" in document["scopes_supported"]
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert all("d" not in key for key in jwks["keys"])
    public_keys = KeySet.import_key_set(jwks)
    import uuid

    token = services.tokens.issue(
        subject="s", tenant_id=uuid.uuid4(), scopes=frozenset(), ttl_seconds=60
    )
    assert jwt.decode(token, public_keys).claims["iss"] == issuer
