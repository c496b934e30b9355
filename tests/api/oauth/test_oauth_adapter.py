"""The Starlette ↔ authlib adapter, the session cookie and the pages, without I/O."""

import base64
import json
import uuid
from collections.abc import Sequence

import pytest
from authlib.oauth2.rfc6749.errors import InsecureTransportError, InvalidClientError
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request

from api.auth.oauth.adapter import (
    MAX_FORM_BYTES,
    FormError,
    OAuthResponse,
    claimed_client_id,
    read_form,
    to_oauth2_request,
    to_starlette_response,
)
from api.auth.oauth.pages import consent_page, error_page, login_page
from api.auth.oauth.session import BrowserSession, SessionSigner

FORM = "application/x-www-form-urlencoded"
PUBLIC_URL = "https://parley.example"


def make_request(
    method: str = "POST",
    path: str = "/oauth/token",
    query: str = "",
    headers: Sequence[tuple[str, str]] = (("content-type", FORM),),
    body: bytes = b"",
) -> Request:
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ],
        "scheme": "http",
        "server": ("10.0.0.7", 8000),
        "root_path": "",
    }
    return Request(scope, receive)


async def test_a_token_request_becomes_an_oauth2_request_with_its_form_as_payload() -> None:
    request = make_request(
        query="grant_type=ignored&client_secret=in-url",
        headers=[("content-type", FORM + "; charset=utf-8"), ("Authorization", "Basic eDp5")],
        body=b"grant_type=authorization_code&code=abc&scope=a&scope=b&redirect_uri=https%3A%2F%2Fx",
    )
    form = await read_form(request)
    oauth_request = to_oauth2_request(
        request, base_url=PUBLIC_URL + "/", form=form, parameters_in="form"
    )
    assert oauth_request.method == "POST"
    assert (
        oauth_request.uri
        == "https://parley.example/oauth/token?grant_type=ignored&client_secret=in-url"
    )
    assert oauth_request.payload.grant_type == "authorization_code"
    assert oauth_request.payload.redirect_uri == "https://x"
    assert oauth_request.payload.data["scope"] == "a"
    assert oauth_request.payload.datalist["scope"] == ["a", "b"]
    assert "client_secret" not in oauth_request.payload.data
    assert oauth_request.form["code"] == "abc"
    assert oauth_request.args == {"grant_type": "ignored", "client_secret": "in-url"}
    assert oauth_request.headers.get("authorization") == "Basic eDp5"


async def test_an_authorization_request_takes_its_parameters_from_the_query() -> None:
    request = make_request(
        method="GET",
        path="/oauth/authorize",
        query="response_type=code&client_id=pc_1&state=s%20t",
        headers=[],
    )
    form = await read_form(request)
    oauth_request = to_oauth2_request(
        request, base_url="http://127.0.0.1:8000", form=form, parameters_in="query"
    )
    assert form.multi_items() == []
    assert (oauth_request.payload.client_id, oauth_request.payload.state) == ("pc_1", "s t")
    assert oauth_request.payload.response_type == "code"
    assert oauth_request.form == {}


def test_plain_http_on_a_public_host_is_refused_by_authlibs_transport_check() -> None:
    request = make_request(method="GET", headers=[])
    with pytest.raises(InsecureTransportError):
        to_oauth2_request(
            request,
            base_url="http://parley.example",
            form=ImmutableMultiDict(),
            parameters_in="query",
        )


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        ([("content-type", "application/json")], b"{}", "send the body as"),
        ([], b"a=b", "send the body as"),
        ([("content-type", FORM)], b"a=" + b"x" * MAX_FORM_BYTES, "too large"),
        ([("content-type", FORM), ("content-length", "999999")], b"", "too large"),
        ([("content-type", FORM)], b"a=\xff", "cannot be parsed"),
        ([("content-type", FORM)], b"&".join(b"k%d=v" % i for i in range(60)), "cannot be parsed"),
    ],
    ids=["json", "no-type", "big-body", "big-declared", "not-utf8", "too-many-fields"],
)
async def test_only_small_urlencoded_forms_are_read(
    headers: list[tuple[str, str]], body: bytes, message: str
) -> None:
    with pytest.raises(FormError, match=message):
        await read_form(make_request(headers=headers, body=body))


async def test_the_claimed_client_id_comes_from_basic_auth_then_the_form() -> None:
    basic = base64.b64encode(b"pc_basic:secret").decode()
    with_basic = make_request(
        headers=[("content-type", FORM), ("authorization", f"Basic {basic}")],
        body=b"client_id=pc_form",
    )
    assert claimed_client_id(with_basic.headers, await read_form(with_basic)) == "pc_basic"
    form_only = make_request(body=b"client_id=pc_form&client_id=pc_second")
    assert claimed_client_id(form_only.headers, await read_form(form_only)) == "pc_form"
    nothing = make_request(body=b"grant_type=client_credentials")
    assert claimed_client_id(nothing.headers, await read_form(nothing)) is None


def test_a_json_answer_becomes_an_uncached_json_response() -> None:
    response = to_starlette_response(
        OAuthResponse(
            status=200,
            body={"access_token": "t", "expires_in": 60},
            headers=[("Content-Type", "application/json"), ("Cache-Control", "no-store")],
        )
    )
    assert response.status_code == 200
    assert json.loads(bytes(response.body)) == {"access_token": "t", "expires_in": 60}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["content-length"] == str(len(response.body))


def test_a_redirect_answer_keeps_its_location_and_an_error_its_challenge() -> None:
    redirect = to_starlette_response(
        OAuthResponse(status=302, body="", headers=[("Location", "https://app/cb?code=c")])
    )
    assert (redirect.status_code, redirect.headers["location"]) == (302, "https://app/cb?code=c")
    assert bytes(redirect.body) == b""
    status, body, headers = InvalidClientError(status_code=401, description="nope")()
    error = to_starlette_response(OAuthResponse(status=status, body=body, headers=headers))
    assert error.status_code == 401
    assert json.loads(bytes(error.body)) == {"error": "invalid_client", "error_description": "nope"}
    assert error.headers["www-authenticate"].startswith("Basic error=")
    assert not OAuthResponse(status=401, body=body).succeeded
    assert OAuthResponse(status=302, body="").succeeded


def test_the_session_cookie_round_trips_and_refuses_tampering_and_age() -> None:
    signer = SessionSigner(b"k" * 32)
    user, tenant = uuid.uuid4(), uuid.uuid4()
    session = BrowserSession.signed_in(user_id=user, tenant_id=tenant, now=1000)
    value = signer.dumps(session)
    assert signer.loads(value, now=1001) == session
    assert session.signed_in_user(tenant) == user
    assert session.signed_in_user(uuid.uuid4()) is None
    assert signer.loads(value, now=session.expires_at) is None
    payload, mac = value.split(".")
    assert signer.loads(payload[:-2] + "AA." + mac, now=1001) is None
    assert SessionSigner(b"o" * 32).loads(value, now=1001) is None
    for broken in ("", "no-dot", "a.b.c", "!!.??"):
        assert signer.loads(broken, now=1001) is None
    anonymous = BrowserSession.anonymous(now=1000)
    assert signer.loads(signer.dumps(anonymous), now=1001) == anonymous
    with pytest.raises(ValueError, match="32 bytes"):
        SessionSigner(b"short")


def test_csrf_tokens_are_bound_to_the_session() -> None:
    signer = SessionSigner(b"k" * 32)
    first, second = BrowserSession.anonymous(now=0), BrowserSession.anonymous(now=0)
    token = signer.csrf_token(first)
    assert signer.csrf_matches(first, token)
    assert not signer.csrf_matches(second, token)
    assert not signer.csrf_matches(first, None)
    assert not signer.csrf_matches(first, "")


def test_pages_escape_every_value() -> None:
    hostile = '<script>alert("x")</script>'
    login = login_page(
        client_name=hostile,
        action="/oauth/authorize?a=1&b=2",
        csrf_token="t",
        email=hostile,
        error=hostile,
    )
    consent = consent_page(
        client_name=hostile,
        email=hostile,
        tenant_name=hostile,
        action="/x",
        csrf_token="t",
        granted=["inbox:read"],
        withheld=[hostile],
    )
    failure = error_page(hostile, hostile)
    for page in (login, consent, failure):
        text = bytes(page.body).decode()
        assert "<script>" not in text
        assert "&lt;script&gt;" in text
    assert 'action="/oauth/authorize?a=1&amp;b=2"' in bytes(login.body).decode()
    assert 'type="password"' in bytes(login.body).decode()
    assert "Read the inbox" in bytes(consent.body).decode()
    assert failure.status_code == 400
