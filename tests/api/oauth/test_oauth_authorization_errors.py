"""Every way an authorization request or code exchange goes wrong, and the OAuth error it gets."""

from urllib.parse import urlencode

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from api.services import Services
from domain.oauth.service import NewApiClient
from tests.api.oauth.conftest import (
    AUTHORIZE_URL,
    REDIRECT_URI,
    TOKEN_URL,
    Agency,
    Browser,
    form_of,
    make_api_client,
    query_of,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

VERIFIER = "v" * 43 + generate_token(20)
INVALID_SCOPE = "The requested scope is invalid, unknown, or malformed."


def authorize_url(created: NewApiClient, **overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": created.client.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "inbox:read",
        "state": "st-123",
        "code_challenge": create_s256_code_challenge(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return AUTHORIZE_URL + "?" + urlencode({k: v for k, v in params.items() if v is not None})


@pytest.fixture
async def desk(services: Services, agency: Agency) -> NewApiClient:
    return await make_api_client(services.database, agency.tenant_id)


async def code_for(browser: Browser, url: str) -> str:
    location = await browser.authorize(url, tenant="acme-care", email="agent@acme.example")
    return query_of(location)["code"]


async def exchange(
    client: httpx.AsyncClient,
    created: NewApiClient,
    code: str,
    *,
    verifier: str | None = VERIFIER,
    redirect_uri: str = REDIRECT_URI,
    secret: str | None = None,
) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    secret = created.client_secret if secret is None else secret
    return await client.post(TOKEN_URL, data=data, auth=(created.client.client_id, secret or ""))


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


async def test_the_code_exchange_works_once_with_the_right_verifier(
    client: httpx.AsyncClient, browser: Browser, desk: NewApiClient
) -> None:
    code = await code_for(browser, authorize_url(desk))
    assert (await exchange(client, desk, code)).status_code == 200
    reused = await exchange(client, desk, code)
    assert error_of(reused) == (400, "invalid_grant")


async def test_a_reused_code_revokes_the_tokens_issued_from_it(
    client: httpx.AsyncClient, browser: Browser, desk: NewApiClient
) -> None:
    code = await code_for(browser, authorize_url(desk))
    token = (await exchange(client, desk, code)).json()
    await exchange(client, desk, code)
    viewer = await client.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert viewer.status_code == 401
    refreshed = await client.post(
        TOKEN_URL,
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(desk.client.client_id, desk.client_secret or ""),
    )
    assert error_of(refreshed) == (400, "invalid_grant")


async def test_a_wrong_verifier_is_invalid_grant_and_the_code_stays_usable(
    client: httpx.AsyncClient, browser: Browser, desk: NewApiClient
) -> None:
    code = await code_for(browser, authorize_url(desk))
    wrong = await exchange(client, desk, code, verifier="w" * 50)
    assert error_of(wrong) == (400, "invalid_grant")
    assert wrong.json()["error_description"] == "Code challenge failed."
    missing = await exchange(client, desk, code, verifier=None)
    assert error_of(missing) == (400, "invalid_request")
    assert (await exchange(client, desk, code)).status_code == 200


async def test_another_redirect_uri_at_the_token_endpoint_is_invalid_grant(
    client: httpx.AsyncClient, browser: Browser, desk: NewApiClient
) -> None:
    code = await code_for(browser, authorize_url(desk))
    response = await exchange(client, desk, code, redirect_uri="https://app.example/other")
    assert error_of(response) == (400, "invalid_grant")


async def test_a_wrong_client_secret_is_invalid_client(
    client: httpx.AsyncClient, browser: Browser, desk: NewApiClient
) -> None:
    code = await code_for(browser, authorize_url(desk))
    response = await exchange(client, desk, code, secret="pcs_wrong")
    assert error_of(response) == (401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic ")
    by_post = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
            "client_id": desk.client.client_id,
            "client_secret": "pcs_wrong",
        },
    )
    assert error_of(by_post) == (401, "invalid_client")
    no_secret = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
            "client_id": desk.client.client_id,
        },
    )
    assert error_of(no_secret) == (401, "invalid_client")


async def test_client_secret_post_is_accepted(
    client: httpx.AsyncClient, browser: Browser, desk: NewApiClient
) -> None:
    code = await code_for(browser, authorize_url(desk))
    response = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
            "client_id": desk.client.client_id,
            "client_secret": desk.client_secret or "",
        },
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


async def test_an_expired_code_is_invalid_grant(
    client: httpx.AsyncClient,
    browser: Browser,
    desk: NewApiClient,
    services: Services,
    agency: Agency,
) -> None:
    code = await code_for(browser, authorize_url(desk))
    async with services.database.engine.begin() as connection:
        await connection.exec_driver_sql(
            "SELECT set_config('app.tenant_id', $1, true)", (str(agency.tenant_id),)
        )
        await connection.exec_driver_sql(
            "UPDATE oauth_authorization_codes SET expires_at = now() - interval '1 second'"
        )
    assert error_of(await exchange(client, desk, code)) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        (
            {"code_challenge": None, "code_challenge_method": None},
            "invalid_request",
            "PKCE is required: send code_challenge (S256).",
        ),
        (
            {"code_challenge": "p" * 50, "code_challenge_method": "plain"},
            "invalid_request",
            "Only code_challenge_method=S256 is supported.",
        ),
        (
            {"code_challenge_method": None},
            "invalid_request",
            "Only code_challenge_method=S256 is supported.",
        ),
        ({"scope": "inbox:read replies:send"}, "invalid_scope", INVALID_SCOPE),
        ({"scope": "inbox:read no:such"}, "invalid_scope", INVALID_SCOPE),
        # authlib words this description itself; only the error code is ours to promise.
        ({"response_type": "token"}, "unsupported_response_type", None),
    ],
    ids=[
        "missing-pkce",
        "plain-pkce",
        "pkce-without-method",
        "scope-not-registered",
        "unknown-scope",
        "implicit",
    ],
)
async def test_refusals_sent_back_to_the_verified_redirect_uri(
    browser: Browser,
    desk: NewApiClient,
    overrides: dict[str, str | None],
    error: str,
    description: str | None,
) -> None:
    response = await browser.open(authorize_url(desk, **overrides))
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    answer = query_of(location)
    assert answer["error"] == error
    if description is not None:
        assert answer["error_description"] == description
    assert answer["state"] == "st-123"
    assert "code" not in answer


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": REDIRECT_URI + "/"},
        {"redirect_uri": None},
        {"client_id": "pc_00000000000000000000000000000000_nobody"},
        {"client_id": None},
    ],
    ids=["foreign-uri", "not-exact", "no-uri", "unknown-client", "no-client"],
)
async def test_refusals_shown_on_our_page_never_redirected(
    browser: Browser, desk: NewApiClient, overrides: dict[str, str | None]
) -> None:
    response = await browser.open(authorize_url(desk, **overrides))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Request refused" in response.text
    assert "evil.example/callback?" not in response.text


async def test_denying_consent_sends_access_denied(browser: Browser, desk: NewApiClient) -> None:
    location = await browser.authorize(
        authorize_url(desk), tenant="acme-care", email="agent@acme.example", decision="deny"
    )
    assert query_of(location) == {
        "error": "access_denied",
        "error_description": "The resource owner or authorization server denied the request",
        "state": "st-123",
    }


async def test_forms_without_the_session_csrf_token_are_refused(
    browser: Browser, new_browser: object, desk: NewApiClient
) -> None:
    url = authorize_url(desk)
    page = await browser.open(url)
    action, csrf = form_of(page)
    fields = {"action": "login", "tenant": "acme-care", "email": "agent@acme.example"}
    fields["password"] = "correct horse battery staple"

    forged = await browser.http.post(action, data={**fields, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert "Form expired" in forged.text

    missing = await browser.http.post(action, data=fields)
    assert missing.status_code == 400

    cross_site = await browser.http.post(
        action, data={**fields, "csrf_token": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 400

    # Another browser (no session cookie) cannot replay this browser's token.
    other = await new_browser()  # type: ignore[operator]
    replayed = await other.http.post(action, data={**fields, "csrf_token": csrf})
    assert replayed.status_code == 400

    accepted = await browser.http.post(action, data={**fields, "csrf_token": csrf})
    assert accepted.status_code == 303


async def test_pages_are_not_framed_nor_cached(browser: Browser, desk: NewApiClient) -> None:
    page = await browser.open(authorize_url(desk))
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/oauth" in cookie


async def test_the_token_endpoint_takes_only_urlencoded_posts(
    client: httpx.AsyncClient, desk: NewApiClient
) -> None:
    as_json = await client.post(TOKEN_URL, json={"grant_type": "client_credentials"})
    assert error_of(as_json) == (400, "invalid_request")
    unknown_grant = await client.post(
        TOKEN_URL,
        data={"grant_type": "password", "username": "x", "password": "y"},
        auth=(desk.client.client_id, desk.client_secret or ""),
    )
    assert error_of(unknown_grant) == (400, "unsupported_grant_type")
    assert (await client.get(TOKEN_URL)).status_code == 405
