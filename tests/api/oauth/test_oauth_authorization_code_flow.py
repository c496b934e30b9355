"""A third-party frontend drives authorization code + PKCE through the real endpoints.

The client side is authlib's own `AsyncOAuth2Client`; the person's side is a
browser that signs in and consents through the served forms. The token then
runs the contract operation `frontend_contract/operations/Viewer.graphql`.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from authlib.common.security import generate_token
from starlette.applications import Starlette

from api.services import Services
from tests.api.oauth.conftest import (
    AUTHORIZE_URL,
    REDIRECT_URI,
    TOKEN_URL,
    Agency,
    AsyncOAuth2Client,
    Browser,
    make_api_client,
    oauth_client,
    query_of,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CONTRACT = Path(__file__).resolve().parents[3] / "frontend_contract"
VIEWER_OPERATION = (CONTRACT / "operations" / "Viewer.graphql").read_text("utf-8")


async def run_viewer(http: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await http.post(
        "/graphql",
        json={"query": VIEWER_OPERATION, "operationName": "Viewer"},
        headers={"Authorization": f"Bearer {access_token}"},
    )


async def test_code_flow_with_pkce_then_the_viewer_contract_operation(
    app: Starlette, services: Services, agency: Agency, browser: Browser, client: httpx.AsyncClient
) -> None:
    created = await make_api_client(services.database, agency.tenant_id)
    async with oauth_client(app, created, scope="inbox:read inbox:write") as oauth:
        verifier = generate_token(64)
        url, state = oauth.create_authorization_url(AUTHORIZE_URL, code_verifier=verifier)

        location = await browser.authorize(url, tenant="acme-care", email="agent@acme.example")
        assert location.startswith(REDIRECT_URI + "?")
        assert query_of(location)["state"] == state

        token = await oauth.fetch_token(
            TOKEN_URL, authorization_response=location, code_verifier=verifier
        )
        assert token["token_type"] == "Bearer"
        assert token["scope"] == "inbox:read inbox:write"
        assert token["expires_in"] == services.settings.access_token_ttl_seconds
        assert token["refresh_token"].startswith("prt_")

        response = await oauth.post(
            "/graphql", json={"query": VIEWER_OPERATION, "operationName": "Viewer"}
        )
    assert response.status_code == 200
    viewer = response.json()["data"]["viewer"]
    assert viewer["actor"] == {
        "__typename": "User",
        "id": viewer["actor"]["id"],
        "email": "agent@acme.example",
        "displayName": "agent",
    }
    assert viewer["apiClient"]["clientId"] == created.client.client_id
    assert viewer["tenant"]["slug"] == "acme-care"
    assert viewer["role"] == "AGENT"
    assert viewer["scopes"] == ["inbox:read", "inbox:write"]
    assert [brand["slug"] for brand in viewer["brands"]] == ["kestrel"]

    claims = services.tokens.validate(token["access_token"])
    assert (claims.user_id, claims.tenant_id) == (agency.agent_id, agency.tenant_id)
    assert claims.client_id == created.client.client_id

    api_client = (
        await client.post(
            "/graphql",
            json={"query": "{ viewer { apiClient { clientId name } } }"},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
    ).json()["data"]["viewer"]["apiClient"]
    assert api_client == {"clientId": created.client.client_id, "name": "Agent Desk"}


async def test_a_public_client_uses_pkce_without_a_secret(
    app: Starlette, services: Services, agency: Agency, browser: Browser, client: httpx.AsyncClient
) -> None:
    created = await make_api_client(
        services.database, agency.tenant_id, is_public=True, name="Mobile Inbox"
    )
    assert created.client_secret is None
    async with oauth_client(app, created, scope="inbox:read") as oauth:
        verifier = generate_token(64)
        url, _state = oauth.create_authorization_url(AUTHORIZE_URL, code_verifier=verifier)
        location = await browser.authorize(url, tenant="acme-care", email="agent@acme.example")
        token = await oauth.fetch_token(
            TOKEN_URL, authorization_response=location, code_verifier=verifier
        )
    assert token["scope"] == "inbox:read"
    response = await run_viewer(client, token["access_token"])
    assert response.json()["data"]["viewer"]["actor"]["email"] == "agent@acme.example"


@dataclass
class SignedIn:
    """authlib's client after the code flow, with the tokens it got."""

    oauth: AsyncOAuth2Client
    token: dict[str, str]

    async def post(self, path: str, **data: str) -> httpx.Response:
        """A client-authenticated form post (client_secret_basic)."""
        response: httpx.Response = await self.oauth.request(
            "POST",
            path,
            data=data,
            withhold_token=True,
            auth=self.oauth.client_auth("client_secret_basic"),
        )
        return response

    async def refresh(self, refresh_token: str) -> httpx.Response:
        return await self.post(TOKEN_URL, grant_type="refresh_token", refresh_token=refresh_token)


@pytest.fixture
async def signed_in(
    app: Starlette, services: Services, agency: Agency, browser: Browser
) -> AsyncIterator[SignedIn]:
    created = await make_api_client(services.database, agency.tenant_id)
    async with oauth_client(app, created, scope="inbox:read") as oauth:
        verifier = generate_token(64)
        url, _state = oauth.create_authorization_url(AUTHORIZE_URL, code_verifier=verifier)
        location = await browser.authorize(url, tenant="acme-care", email="agent@acme.example")
        token = await oauth.fetch_token(
            TOKEN_URL, authorization_response=location, code_verifier=verifier
        )
        yield SignedIn(oauth=oauth, token=dict(token))


async def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    signed_in: SignedIn, client: httpx.AsyncClient
) -> None:
    first = signed_in.token
    second = await signed_in.oauth.refresh_token(TOKEN_URL, refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == "inbox:read"
    assert (await run_viewer(client, second["access_token"])).status_code == 200

    reused = await signed_in.refresh(first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert reused.headers["cache-control"] == "no-store"


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    signed_in: SignedIn, client: httpx.AsyncClient
) -> None:
    first = signed_in.token
    second = (await signed_in.refresh(first["refresh_token"])).json()
    third = (await signed_in.refresh(second["refresh_token"])).json()
    assert (await run_viewer(client, third["access_token"])).status_code == 200

    # The first refresh token shows up again: someone else holds a copy.
    stolen = await signed_in.refresh(first["refresh_token"])
    assert (stolen.status_code, stolen.json()["error"]) == (400, "invalid_grant")

    newest = await signed_in.refresh(third["refresh_token"])
    assert (newest.status_code, newest.json()["error"]) == (400, "invalid_grant")
    for issued in (first, second, third):
        refused = await run_viewer(client, issued["access_token"])
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoked_access_and_refresh_tokens_are_refused_and_introspected_inactive(
    signed_in: SignedIn, agency: Agency, client: httpx.AsyncClient
) -> None:
    token = signed_in.token
    active = (await signed_in.post("/oauth/introspect", token=token["access_token"])).json()
    assert active["active"] is True
    assert active["token_type"] == "Bearer"
    assert active["sub"] == str(agency.agent_id)
    assert active["tid"] == str(agency.tenant_id)
    assert active["scope"] == "inbox:read"
    assert active["client_id"] == signed_in.oauth.client_id
    assert active["exp"] - active["iat"] == 3600
    refresh_info = (
        await signed_in.post(
            "/oauth/introspect", token=token["refresh_token"], token_type_hint="refresh_token"
        )
    ).json()
    assert (refresh_info["active"], refresh_info["token_type"]) == (True, "refresh_token")
    assert refresh_info["sub"] == str(agency.agent_id)

    revoked = await signed_in.post("/oauth/revoke", token=token["access_token"])
    assert (revoked.status_code, revoked.json()) == (200, {})
    refused = await run_viewer(client, token["access_token"])
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["message"] == "token revoked"
    inactive = await signed_in.post("/oauth/introspect", token=token["access_token"])
    assert inactive.json() == {"active": False}

    revoked = await signed_in.post(
        "/oauth/revoke", token=token["refresh_token"], token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    refreshed = await signed_in.refresh(token["refresh_token"])
    assert refreshed.json()["error"] == "invalid_grant"
    inactive = await signed_in.post("/oauth/introspect", token=token["refresh_token"])
    assert inactive.json() == {"active": False}
    # RFC 7009 §2.2 and RFC 7662 §2.2: an unknown token is no error.
    assert (await signed_in.post("/oauth/revoke", token="not-a-token")).status_code == 200
    unknown = await signed_in.post("/oauth/introspect", token="not-a-token")
    assert unknown.json() == {"active": False}


async def test_discovery_names_the_endpoints_served(
    client: httpx.AsyncClient, services: Services
) -> None:
    issuer = services.tokens.issuer
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        document = (await client.get(path)).json()
        assert document["authorization_endpoint"] == f"{issuer}/oauth/authorize"
        assert document["token_endpoint"] == f"{issuer}/oauth/token"
        assert document["revocation_endpoint"] == f"{issuer}/oauth/revoke"
        assert document["introspection_endpoint"] == f"{issuer}/oauth/introspect"
        assert document["grant_types_supported"] == [
            "authorization_code",
            "client_credentials",
            "refresh_token",
        ]
        assert document["code_challenge_methods_supported"] == ["S256"]
        assert document["token_endpoint_auth_methods_supported"] == [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ]
        assert document["introspection_endpoint_auth_methods_supported"] == [
            "client_secret_basic",
            "client_secret_post",
        ]
