"""Client credentials: `parley client create`, then the token endpoint, then the API."""

import asyncio
import json
import logging

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from starlette.applications import Starlette

from api.commands.oauth import client as client_command
from api.services import Services
from domain.authz.policy import Role
from domain.settings import Settings
from tests.api.oauth.conftest import (
    BASE_URL,
    TOKEN_URL,
    Agency,
    AsyncOAuth2Client,
    make_api_client,
)
from tests.factories import make_brand

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

VIEWER_AS_CLIENT = """
query {
  viewer { tenant { slug } role scopes brands { slug } apiClient { clientId name } }
}
"""


async def parley_client(settings: Settings, *arguments: str) -> Result:
    """`parley client …` in a worker thread (the command runs its own event loop)."""
    return await asyncio.to_thread(
        CliRunner().invoke,
        client_command,
        list(arguments),
        obj={"settings": settings},
        catch_exceptions=False,
    )


async def create_with_cli(settings: Settings, *options: str) -> dict[str, object]:
    result = await parley_client(
        settings, "create", "--tenant", "acme-care", "--name", "CRM sync", *options, "--json"
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    created: dict[str, object] = json.loads(lines[0])
    return created


async def ask(client: httpx.AsyncClient, token: str, query: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )


async def test_a_cli_created_client_gets_a_token_and_reads_its_viewer(
    app: Starlette,
    services: Services,
    services_settings: Settings,
    agency: Agency,
    client: httpx.AsyncClient,
) -> None:
    created = await create_with_cli(
        services_settings, "--grant", "client_credentials", "--scopes", "inbox:read,inbox:write"
    )
    client_id, secret = str(created["client_id"]), str(created["client_secret"])
    assert client_id.startswith(f"pc_{agency.tenant_id.hex}_")
    assert secret.startswith("pcs_")
    assert created["grant_types"] == ["client_credentials"]
    assert created["scopes"] == ["inbox:read", "inbox:write"]
    assert (created["role"], created["public"]) == ("agent", False)

    async with AsyncOAuth2Client(
        client_id=client_id,
        client_secret=secret,
        scope="inbox:read",
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
    ) as oauth:
        token = await oauth.fetch_token(TOKEN_URL, grant_type="client_credentials")
        assert token["scope"] == "inbox:read"
        assert "refresh_token" not in token
        viewer = (await oauth.post("/graphql", json={"query": VIEWER_AS_CLIENT})).json()
    assert "errors" not in viewer
    assert viewer["data"] == {
        "viewer": {
            "tenant": {"slug": "acme-care"},
            "role": "AGENT",
            "scopes": ["inbox:read"],
            "brands": [{"slug": "kestrel"}],
            "apiClient": {"clientId": client_id, "name": "CRM sync"},
        }
    }
    claims = services.tokens.validate(token["access_token"])
    assert (claims.subject, claims.client_id, claims.user_id) == (client_id, client_id, None)
    assert claims.tenant_id == agency.tenant_id

    # No scope asked: every scope the client is registered with.
    by_post = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
        },
    )
    assert by_post.json()["scope"] == "inbox:read inbox:write"

    as_user = await ask(client, by_post.json()["access_token"], "{ viewer { user { email } } }")
    assert as_user.json()["data"] is None
    assert as_user.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    as_actor = await ask(
        client,
        by_post.json()["access_token"],
        "{ viewer { actor { __typename ... on ApiClient { clientId } ... on User { email } } } }",
    )
    assert as_actor.json()["data"] == {
        "viewer": {"actor": {"__typename": "ApiClient", "clientId": client_id}}
    }


async def test_the_secret_is_shown_once_and_stored_only_as_an_argon2_hash(
    services: Services, services_settings: Settings, agency: Agency
) -> None:
    result = await parley_client(
        services_settings,
        *("create", "--tenant", "acme-care", "--name", "Reports bot"),
        *("--grant", "client_credentials", "--scopes", "inbox:read"),
    )
    assert result.exit_code == 0, result.stderr
    lines = dict(line.split(":", 1) for line in result.stdout.strip().splitlines())
    secret = lines["client_secret"].strip()
    assert "not shown again" in result.stderr
    async with services.database.engine.begin() as connection:
        await connection.execute(
            text("SELECT set_config('app.tenant_id', :tenant, true)"),
            {"tenant": str(agency.tenant_id)},
        )
        stored = (
            await connection.execute(text("SELECT secret_hash FROM api_clients"))
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert secret not in stored


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--grant", "client_credentials", "--scopes", "admin"), "role agent cannot use scopes"),
        (
            ("--grant", "client_credentials", "--scopes", "inbox:read", "--public"),
            "a public client (no secret) may only use authorization_code",
        ),
        (
            ("--grant", "authorization_code", "--scopes", "inbox:read"),
            "authorization_code needs at least one redirect URI",
        ),
        (
            (
                "--grant",
                "authorization_code",
                "--redirect-uri",
                "http://app.example/cb",
                "--scopes",
                "inbox:read",
            ),
            "http only on a loopback host",
        ),
        (("--grant", "client_credentials", "--scopes", "inbox:read,nope"), "unknown scopes"),
        (
            (
                "--grant",
                "client_credentials",
                "--scopes",
                "reports:read",
                "--role",
                "client_viewer",
            ),
            "client_viewer needs at least one brand",
        ),
    ],
    ids=[
        "scope-beyond-role",
        "public-credentials",
        "code-without-uri",
        "plain-http-uri",
        "unknown-scope",
        "client-role-without-brand",
    ],
)
async def test_cli_refuses_registrations_that_break_the_rules(
    services: Services,
    services_settings: Settings,
    agency: Agency,
    options: tuple[str, ...],
    message: str,
) -> None:
    result = await parley_client(
        services_settings, "create", "--tenant", "acme-care", "--name", "x", *options, "--json"
    )
    assert result.exit_code != 0
    assert result.stdout == ""
    assert message in result.stderr


async def test_scopes_beyond_the_registration_or_a_missing_grant_are_refused(
    services: Services, agency: Agency, client: httpx.AsyncClient
) -> None:
    machine = await make_api_client(
        services.database,
        agency.tenant_id,
        grant_types=("client_credentials",),
        scopes=("inbox:read",),
    )
    basic = (machine.client.client_id, machine.client_secret or "")
    beyond = await client.post(
        TOKEN_URL, data={"grant_type": "client_credentials", "scope": "inbox:write"}, auth=basic
    )
    assert (beyond.status_code, beyond.json()["error"]) == (400, "invalid_scope")
    no_refresh = await client.post(
        TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": "prt_x"}, auth=basic
    )
    assert no_refresh.json()["error"] == "unauthorized_client"

    desk = await make_api_client(services.database, agency.tenant_id)
    no_credentials = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        auth=(desk.client.client_id, desk.client_secret or ""),
    )
    assert (no_credentials.status_code, no_credentials.json()["error"]) == (
        400,
        "unauthorized_client",
    )

    public = await make_api_client(services.database, agency.tenant_id, is_public=True)
    public_attempt = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "client_id": public.client.client_id},
    )
    assert (public_attempt.status_code, public_attempt.json()["error"]) == (
        401,
        "invalid_client",
    )


async def test_a_client_role_client_sees_only_its_brands(
    services: Services, agency: Agency, client: httpx.AsyncClient
) -> None:
    await make_brand(services.database, agency.tenant_id, "wierzba")
    portal = await make_api_client(
        services.database,
        agency.tenant_id,
        grant_types=("client_credentials",),
        scopes=("reports:read",),
        role=Role.CLIENT_VIEWER,
        brand_slugs=("wierzba",),
    )
    token = (
        await client.post(
            TOKEN_URL,
            data={"grant_type": "client_credentials"},
            auth=(portal.client.client_id, portal.client_secret or ""),
        )
    ).json()
    assert token["scope"] == "reports:read"
    viewer = (await ask(client, token["access_token"], VIEWER_AS_CLIENT)).json()["data"]["viewer"]
    assert (viewer["role"], viewer["brands"]) == ("CLIENT_VIEWER", [{"slug": "wierzba"}])


async def test_a_deactivated_client_gets_no_token_and_its_tokens_see_nothing(
    services: Services, agency: Agency, client: httpx.AsyncClient
) -> None:
    machine = await make_api_client(
        services.database,
        agency.tenant_id,
        grant_types=("client_credentials",),
        scopes=("inbox:read",),
    )
    basic = (machine.client.client_id, machine.client_secret or "")
    token = await client.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=basic)
    async with services.database.engine.begin() as connection:
        await connection.execute(
            text("SELECT set_config('app.tenant_id', :tenant, true)"),
            {"tenant": str(agency.tenant_id)},
        )
        await connection.execute(text("UPDATE api_clients SET is_active = false"))
    refused = await client.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=basic)
    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
    viewer = await ask(client, token.json()["access_token"], VIEWER_AS_CLIENT)
    assert viewer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_no_token_or_secret_reaches_the_logs(
    services: Services,
    agency: Agency,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    machine = await make_api_client(
        services.database,
        agency.tenant_id,
        grant_types=("client_credentials",),
        scopes=("inbox:read",),
    )
    basic = (machine.client.client_id, machine.client_secret or "")
    token = (
        await client.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=basic)
    ).json()["access_token"]
    await client.post("/oauth/revoke", data={"token": token}, auth=basic)
    assert token not in caplog.text
    assert str(machine.client_secret) not in caplog.text
