"""The authorization server on the embedded default: SQLite and no Redis."""

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from api.app import create_app
from api.services import Services
from domain.authz.policy import Role
from tests.api.oauth.conftest import (
    BASE_URL,
    REDIRECT_URI,
    TOKEN_URL,
    Browser,
    make_api_client,
    make_password_member,
    query_of,
)
from tests.embedded import embedded_services
from tests.factories import make_brand, make_tenant

VERIFIER = "e" * 64


@pytest.fixture
async def embedded(tmp_path: Path, encryption_key: str) -> AsyncIterator[Services]:
    async with embedded_services(tmp_path, encryption_key) as services:
        yield services


async def test_code_flow_refresh_reuse_and_revocation_on_sqlite(embedded: Services) -> None:
    assert (embedded.database.dialect, embedded.redis) == ("sqlite", None)
    tenant_id = await make_tenant(embedded.database, "acme-care")
    await make_brand(embedded.database, tenant_id, "kestrel")
    await make_password_member(embedded.database, tenant_id, "agent@acme.example", Role.AGENT)
    desk = await make_api_client(embedded.database, tenant_id, is_public=True)
    app = create_app(embedded.settings, services=embedded)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as browser_http,
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http,
    ):
        query = urlencode(
            {
                "response_type": "code",
                "client_id": desk.client.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": "inbox:read",
                "state": "s",
                "code_challenge": create_s256_code_challenge(VERIFIER),
                "code_challenge_method": "S256",
            }
        )
        location = await Browser(browser_http).authorize(
            f"/oauth/authorize?{query}", tenant="acme-care", email="agent@acme.example"
        )
        public = {"client_id": desk.client.client_id}
        token = (
            await http.post(
                TOKEN_URL,
                data={
                    "grant_type": "authorization_code",
                    "code": query_of(location)["code"],
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": VERIFIER,
                    **public,
                },
            )
        ).json()
        viewer = await http.post(
            "/graphql",
            json={"query": "{ viewer { user { email } brands { slug } } }"},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert viewer.json()["data"]["viewer"] == {
            "user": {"email": "agent@acme.example"},
            "brands": [{"slug": "kestrel"}],
        }

        def refresh(value: str) -> dict[str, str]:
            return {"grant_type": "refresh_token", "refresh_token": value, **public}

        second = (await http.post(TOKEN_URL, data=refresh(token["refresh_token"]))).json()
        reused = await http.post(TOKEN_URL, data=refresh(token["refresh_token"]))
        assert reused.json()["error"] == "invalid_grant"
        newest = await http.post(TOKEN_URL, data=refresh(second["refresh_token"]))
        assert newest.json()["error"] == "invalid_grant"
        for issued in (token, second):
            refused = await http.post(
                "/graphql",
                json={"query": "{ viewer { role } }"},
                headers={"Authorization": f"Bearer {issued['access_token']}"},
            )
            assert refused.status_code == 401
