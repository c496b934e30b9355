"""Tokens stay inside the client's tenant and never carry more than the role allows."""

from urllib.parse import urlencode

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import text

from api.auth.oauth.session import COOKIE_NAME
from api.services import Services
from domain.authz.policy import Role
from domain.oauth.service import NewApiClient
from tests.api.oauth.conftest import (
    AUTHORIZE_URL,
    PASSWORD,
    REDIRECT_URI,
    TOKEN_URL,
    Agency,
    Browser,
    BrowserFactory,
    make_api_client,
    make_password_member,
    query_of,
)
from tests.factories import make_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

VERIFIER = "q" * 64


def authorize_url(created: NewApiClient, scope: str = "inbox:read") -> str:
    return (
        AUTHORIZE_URL
        + "?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": created.client.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": scope,
                "state": "s",
                "code_challenge": create_s256_code_challenge(VERIFIER),
                "code_challenge_method": "S256",
            }
        )
    )


async def exchange_code(
    client: httpx.AsyncClient, created: NewApiClient, location: str
) -> dict[str, str]:
    response = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "authorization_code",
            "code": query_of(location)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
        },
        auth=(created.client.client_id, created.client_secret or ""),
    )
    assert response.status_code == 200, response.text
    token: dict[str, str] = response.json()
    return token


@pytest.fixture
async def other_agency(services: Services) -> Agency:
    """Beta Social, with its own agent and admin."""
    tenant_id = await make_tenant(services.database, "beta-social")
    agent = await make_password_member(
        services.database, tenant_id, "agent@beta.example", Role.AGENT
    )
    admin = await make_password_member(
        services.database, tenant_id, "admin@beta.example", Role.ADMIN
    )
    return Agency(tenant_id, "beta-social", tenant_id, agent, admin)


async def test_a_member_of_another_tenant_cannot_sign_in_through_a_client(
    services: Services, agency: Agency, other_agency: Agency, browser: Browser
) -> None:
    desk = await make_api_client(services.database, agency.tenant_id)
    for tenant, email in [
        ("beta-social", "agent@beta.example"),  # their own agency: not the client's
        ("acme-care", "agent@beta.example"),  # the client's agency: not a member
    ]:
        answer = await browser.sign_in(authorize_url(desk), tenant=tenant, email=email)
        assert answer.status_code == 200
        assert "The agency, e-mail or password is not right." in answer.text
        assert COOKIE_NAME not in answer.headers.get("set-cookie", "")
    wrong_password = await browser.sign_in(
        authorize_url(desk), tenant="acme-care", email="agent@acme.example", password="x" * 12
    )
    assert "The agency, e-mail or password is not right." in wrong_password.text


async def test_a_member_of_both_tenants_gets_tokens_only_for_the_clients_tenant(
    services: Services,
    agency: Agency,
    other_agency: Agency,
    browser: Browser,
    client: httpx.AsyncClient,
) -> None:
    await make_password_member(
        services.database, other_agency.tenant_id, "agent@acme.example", Role.OWNER
    )
    desk = await make_api_client(services.database, agency.tenant_id)
    refused = await browser.sign_in(
        authorize_url(desk), tenant="beta-social", email="agent@acme.example"
    )
    assert "not right" in refused.text
    location = await browser.authorize(
        authorize_url(desk, "inbox:read admin"), tenant="acme-care", email="agent@acme.example"
    )
    token = await exchange_code(client, desk, location)
    claims = services.tokens.validate(token["access_token"])
    assert claims.tenant_id == agency.tenant_id
    # An agent in Acme (owner in Beta): no admin scope here.
    assert token["scope"] == "inbox:read"


async def test_a_client_of_one_tenant_cannot_act_in_another(
    services: Services,
    agency: Agency,
    other_agency: Agency,
    browser: Browser,
    client: httpx.AsyncClient,
) -> None:
    desk = await make_api_client(services.database, agency.tenant_id)
    beta_desk = await make_api_client(services.database, other_agency.tenant_id)
    location = await browser.authorize(
        authorize_url(desk), tenant="acme-care", email="agent@acme.example"
    )
    token = await exchange_code(client, desk, location)
    beta_auth = (beta_desk.client.client_id, beta_desk.client_secret or "")

    # Acme's client id rewritten to name Beta's tenant: no such client there.
    random_part = desk.client.client_id.rsplit("_", 1)[1]
    forged_id = f"pc_{other_agency.tenant_id.hex}_{random_part}"
    forged = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        auth=(forged_id, desk.client_secret or ""),
    )
    assert (forged.status_code, forged.json()["error"]) == (401, "invalid_client")
    page = await browser.open(authorize_url(desk).replace(desk.client.client_id, forged_id))
    assert page.status_code == 400

    # Beta's client holding Acme's refresh token gets nothing, learns nothing, revokes nothing.
    refresh = await client.post(
        TOKEN_URL,
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=beta_auth,
    )
    assert (refresh.status_code, refresh.json()["error"]) == (400, "invalid_grant")
    for value in (token["access_token"], token["refresh_token"]):
        seen = await client.post("/oauth/introspect", data={"token": value}, auth=beta_auth)
        assert seen.json() == {"active": False}
        assert (
            await client.post("/oauth/revoke", data={"token": value}, auth=beta_auth)
        ).status_code == 200
    viewer = await client.post(
        "/graphql",
        json={"query": "{ viewer { tenant { slug } } }"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert viewer.json()["data"]["viewer"]["tenant"]["slug"] == "acme-care"
    still_fresh = await client.post(
        TOKEN_URL,
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(desk.client.client_id, desk.client_secret or ""),
    )
    assert still_fresh.status_code == 200


async def test_consent_lists_only_what_the_role_may_use(
    services: Services, agency: Agency, browser: Browser, client: httpx.AsyncClient
) -> None:
    desk = await make_api_client(services.database, agency.tenant_id)
    url = authorize_url(desk, "inbox:read inbox:write admin")
    signed_in = await browser.sign_in(url, tenant="acme-care", email="agent@acme.example")
    consent = await browser.open(signed_in.headers["location"])
    assert 'data-scope="inbox:read"' in consent.text
    assert 'data-scope="inbox:write"' in consent.text
    assert 'data-scope="admin"' not in consent.text
    assert "Not available to your role, so not granted: admin" in consent.text
    answer = await browser.submit(consent, action="approve")
    token = await exchange_code(client, desk, answer.headers["location"])
    assert token["scope"] == "inbox:read inbox:write"


async def test_a_role_with_none_of_the_scopes_gets_invalid_scope(
    services: Services, agency: Agency, browser: Browser
) -> None:
    await make_password_member(
        services.database,
        agency.tenant_id,
        "viewer@brand.example",
        Role.CLIENT_VIEWER,
        brand_slugs=("kestrel",),
    )
    desk = await make_api_client(services.database, agency.tenant_id)
    location = await browser.authorize(
        authorize_url(desk, "inbox:write"), tenant="acme-care", email="viewer@brand.example"
    )
    answer = query_of(location)
    assert (answer["error"], answer["state"]) == ("invalid_scope", "s")
    assert "code" not in answer


async def test_refresh_narrows_scopes_when_the_role_shrinks_and_stops_without_membership(
    services: Services, agency: Agency, browser: Browser, client: httpx.AsyncClient
) -> None:
    desk = await make_api_client(services.database, agency.tenant_id)
    location = await browser.authorize(
        authorize_url(desk, "inbox:read admin"), tenant="acme-care", email="admin@acme.example"
    )
    token = await exchange_code(client, desk, location)
    assert token["scope"] == "admin inbox:read"
    auth = (desk.client.client_id, desk.client_secret or "")

    await make_password_member(
        services.database, agency.tenant_id, "admin@acme.example", Role.AGENT
    )
    narrowed = await client.post(
        TOKEN_URL,
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=auth,
    )
    assert narrowed.json()["scope"] == "inbox:read"

    async with services.database.engine.begin() as connection:
        await connection.execute(
            text("SELECT set_config('app.tenant_id', :tenant, true)"),
            {"tenant": str(agency.tenant_id)},
        )
        await connection.execute(text("UPDATE memberships SET is_active = false"))
    gone = await client.post(
        TOKEN_URL,
        data={"grant_type": "refresh_token", "refresh_token": narrowed.json()["refresh_token"]},
        auth=auth,
    )
    assert (gone.status_code, gone.json()["error"]) == (400, "invalid_grant")


async def test_failed_sign_ins_lock_the_form_for_that_account(
    services: Services, agency: Agency, new_browser: BrowserFactory
) -> None:
    desk = await make_api_client(services.database, agency.tenant_id)
    url = authorize_url(desk)
    for _attempt in range(5):
        browser = await new_browser()
        failed = await browser.sign_in(
            url, tenant="acme-care", email="agent@acme.example", password="not the password"
        )
        assert failed.status_code == 200
    locked = await (await new_browser()).sign_in(
        url, tenant="acme-care", email="Agent@Acme.example", password=PASSWORD
    )
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    other_account = await (await new_browser()).sign_in(
        url, tenant="acme-care", email="admin@acme.example", password=PASSWORD
    )
    assert other_account.status_code == 303
