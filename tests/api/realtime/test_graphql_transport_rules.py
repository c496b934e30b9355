"""HTTP-level protections of /graphql: methods, media types, CORS, trusted documents."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.graphql.trusted_documents import TrustedDocuments, document_id
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.settings import Settings
from tests.api.realtime.conftest import ALLOWED_ORIGIN
from tests.factories import make_brand, make_member, make_tenant

pytestmark = pytest.mark.postgres

OPERATIONS = Path(__file__).resolve().parents[3] / "frontend_contract" / "operations"
VIEWER = (OPERATIONS / "Viewer.graphql").read_text()


@pytest.fixture
async def token(services: Services) -> str:
    tenant = await make_tenant(services.database, "agency-a")
    await make_brand(services.database, tenant, "alpha")
    user = await make_member(services.database, tenant, "agent@agency-a.example", Role.AGENT)
    return services.tokens.issue(
        subject=str(user),
        tenant_id=tenant,
        scopes=frozenset(scopes_for_role(Role.AGENT)),
        ttl_seconds=300,
    )


async def http_client(services: Services, settings: Settings) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings, services=services))
    return httpx.AsyncClient(transport=transport, base_url="http://parley.test")


@pytest.fixture
async def guarded(
    services: Services, services_settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with an origin allowlist and trusted documents only."""
    settings = services_settings.model_copy(
        update={
            "cors_allowed_origins": [ALLOWED_ORIGIN],
            "graphql_trusted_documents_only": True,
        }
    )
    async with await http_client(services, settings) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_mutation_over_get_is_refused(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(
        "/graphql", params={"query": "mutation { __typename }"}, headers=bearer(token)
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "mutations are not allowed when using GET",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


async def test_a_query_over_get_still_works(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(
        "/graphql", params={"query": "{ viewer { role } }"}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": {"role": "AGENT"}}


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
async def test_posts_other_than_json_are_refused_with_415(
    client: httpx.AsyncClient, token: str, content_type: str
) -> None:
    response = await client.post(
        "/graphql",
        content="query=%7B+viewer+%7B+role+%7D+%7D",
        headers={**bearer(token), "Content-Type": content_type},
    )
    assert response.status_code == 415
    assert response.json() == {
        "errors": [
            {
                "message": "GraphQL requests must be POSTed as application/json",
                "extensions": {"code": "UNSUPPORTED_MEDIA_TYPE"},
            }
        ]
    }


async def test_cors_preflight_answers_only_allowed_origins(guarded: httpx.AsyncClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = await guarded.options("/graphql", headers={**preflight, "Origin": ALLOWED_ORIGIN})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in allowed.headers["access-control-allow-methods"]

    other = await guarded.options(
        "/graphql", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers


async def test_a_cross_origin_response_carries_cors_headers_only_for_allowed_origins(
    guarded: httpx.AsyncClient, token: str
) -> None:
    body = {"documentId": f"sha256:{document_id(VIEWER)}"}
    allowed = await guarded.post(
        "/graphql", json=body, headers={**bearer(token), "Origin": ALLOWED_ORIGIN}
    )
    other = await guarded.post(
        "/graphql", json=body, headers={**bearer(token), "Origin": "https://evil.example"}
    )
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    "body",
    [
        {"documentId": f"sha256:{document_id(VIEWER)}"},
        {"documentId": document_id(VIEWER)},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_id(VIEWER)}}},
        {"documentId": f"sha256:{document_id(VIEWER)}", "query": VIEWER},
    ],
)
async def test_a_registered_document_runs(
    guarded: httpx.AsyncClient, token: str, body: dict[str, object]
) -> None:
    response = await guarded.post("/graphql", json=body, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["role"] == "AGENT"


async def test_a_registered_document_runs_over_get(guarded: httpx.AsyncClient, token: str) -> None:
    response = await guarded.get(
        "/graphql",
        params={"documentId": f"sha256:{document_id(VIEWER)}", "operationName": "Viewer"},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["role"] == "AGENT"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"documentId": "sha256:" + "0" * 64}, "PERSISTED_QUERY_NOT_FOUND"),
        (
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "f" * 64}}},
            "PERSISTED_QUERY_NOT_FOUND",
        ),
        ({"query": "{ viewer { role } }"}, "TRUSTED_DOCUMENTS_ONLY"),
        (
            {"documentId": document_id(VIEWER), "query": "{ viewer { role } }"},
            "TRUSTED_DOCUMENTS_ONLY",
        ),
        (
            [{"documentId": document_id(VIEWER)}, {"query": "{ viewer { role } }"}],
            "TRUSTED_DOCUMENTS_ONLY",
        ),
    ],
)
async def test_unregistered_and_free_form_operations_are_refused(
    guarded: httpx.AsyncClient, token: str, body: object, code: str
) -> None:
    response = await guarded.post("/graphql", json=body, headers=bearer(token))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": code}


async def test_every_contract_operation_is_registered() -> None:
    registered = TrustedDocuments.from_directory()
    assert len(registered) == len(list(OPERATIONS.glob("*.graphql")))
    assert registered.resolve({"documentId": document_id(VIEWER)}) == {"query": VIEWER}
