"""OpenID Connect: id_tokens on the code grant, the userinfo endpoint and discovery.

The relying party is authlib's own `AsyncOAuth2Client`; it verifies the
id_token the way a relying party does, with the keys from the served JWKS
and authlib's `CodeIDToken` claims rules (issuer, audience, nonce, at_hash).
"""

import base64
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidClaimError
from joserfc.jwk import KeySet
from starlette.applications import Starlette

from api.services import Services
from tests.api.oauth.conftest import (
    AUTHORIZE_URL,
    BASE_URL,
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

USERINFO_URL = f"{BASE_URL}/oauth/userinfo"
REVOKE_URL = f"{BASE_URL}/oauth/revoke"
OIDC_SCOPES = ("openid", "profile", "email", "inbox:read")


@dataclass
class RelyingParty:
    """authlib's client of a registered OpenID client, and the agency it signs in to."""

    oauth: AsyncOAuth2Client
    browser: Browser
    services: Services

    async def sign_in(self, *, scope: str, nonce: str | None) -> dict[str, Any]:
        """Code flow with PKCE (and `nonce` when given) as the agent; the token response."""
        verifier = generate_token(64)
        extra = {"nonce": nonce} if nonce is not None else {}
        url, _state = self.oauth.create_authorization_url(
            AUTHORIZE_URL, code_verifier=verifier, scope=scope, **extra
        )
        location = await self.browser.authorize(url, tenant="acme-care", email="agent@acme.example")
        token = await self.oauth.fetch_token(
            TOKEN_URL, authorization_response=location, code_verifier=verifier
        )
        return dict(token)

    async def verified_id_token(self, token: dict[str, Any], *, nonce: str | None) -> CodeIDToken:
        """The id_token checked as a relying party does: JWKS signature, then the claims rules."""
        jwks_response = await self.oauth.request(
            "GET", f"{BASE_URL}/.well-known/jwks.json", withhold_token=True
        )
        jwks = jwks_response.json()
        decoded = jwt.decode(token["id_token"], KeySet.import_key_set(jwks), algorithms=["RS256"])
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            options={
                "iss": {"essential": True, "value": self.services.tokens.issuer},
                "aud": {"essential": True, "value": self.oauth.client_id},
            },
            params={
                "nonce": nonce,
                "access_token": token["access_token"],
                "client_id": self.oauth.client_id,
            },
        )
        claims.validate(leeway=5)
        return claims


@pytest.fixture
async def relying_party(
    app: Starlette, services: Services, agency: Agency, browser: Browser
) -> AsyncIterator[RelyingParty]:
    created = await make_api_client(
        services.database, agency.tenant_id, scopes=OIDC_SCOPES, name="Agent Portal"
    )
    async with oauth_client(app, created) as oauth:
        yield RelyingParty(oauth=oauth, browser=browser, services=services)


async def test_an_openid_code_flow_returns_an_id_token_the_client_verifies_with_the_jwks(
    relying_party: RelyingParty, agency: Agency
) -> None:
    nonce = generate_token(24)
    before = int(time.time())
    token = await relying_party.sign_in(scope=" ".join(OIDC_SCOPES), nonce=nonce)
    assert token["scope"] == "email inbox:read openid profile"

    claims = await relying_party.verified_id_token(token, nonce=nonce)
    client_id = relying_party.oauth.client_id
    assert claims.header == {
        "alg": "RS256",
        "kid": relying_party.services.tokens.key_id,
        "typ": "JWT",
    }
    assert claims["sub"] == str(agency.agent_id)
    assert (claims["aud"], claims["azp"]) == (client_id, client_id)
    assert claims["nonce"] == nonce
    assert claims["email"] == "agent@acme.example"
    assert claims["name"] == "agent"
    assert before - 5 <= claims["auth_time"] <= claims["iat"] <= int(time.time()) + 5
    assert claims["exp"] - claims["iat"] == 600
    assert "at_hash" in claims
    assert "tid" not in claims
    assert "scope" not in claims

    userinfo = await relying_party.oauth.get(USERINFO_URL)
    assert userinfo.status_code == 200
    assert userinfo.headers["cache-control"] == "no-store"
    assert userinfo.json() == {
        "sub": str(agency.agent_id),
        "name": "agent",
        "email": "agent@acme.example",
    }
    by_post = await relying_party.oauth.post(USERINFO_URL)
    assert by_post.json() == userinfo.json()


async def test_the_client_refuses_an_id_token_whose_nonce_is_not_the_one_it_sent(
    relying_party: RelyingParty,
) -> None:
    token = await relying_party.sign_in(scope="openid inbox:read", nonce="nonce-of-this-login")
    with pytest.raises(InvalidClaimError) as refused:
        await relying_party.verified_id_token(token, nonce="nonce-of-another-login")
    assert refused.value.claim == "nonce"


async def test_an_id_token_replayed_with_another_access_token_fails_its_at_hash(
    relying_party: RelyingParty,
) -> None:
    first = await relying_party.sign_in(scope="openid inbox:read", nonce=None)
    second = await relying_party.sign_in(scope="openid inbox:read", nonce=None)
    mixed = {"id_token": first["id_token"], "access_token": second["access_token"]}
    with pytest.raises(InvalidClaimError) as refused:
        await relying_party.verified_id_token(mixed, nonce=None)
    assert refused.value.claim == "at_hash"


async def test_scopes_decide_the_claims_and_plain_oauth_gets_no_id_token(
    relying_party: RelyingParty, agency: Agency
) -> None:
    bare = await relying_party.sign_in(scope="openid inbox:read", nonce=None)
    claims = await relying_party.verified_id_token(bare, nonce=None)
    assert "nonce" not in claims
    assert "email" not in claims
    assert "name" not in claims
    userinfo = await relying_party.oauth.get(USERINFO_URL)
    assert userinfo.json() == {"sub": str(agency.agent_id)}

    plain = await relying_party.sign_in(scope="inbox:read", nonce=None)
    assert "id_token" not in plain
    refused = await relying_party.oauth.get(USERINFO_URL)
    assert refused.status_code == 403
    assert (
        refused.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="openid"'
    )
    assert refused.json()["error"] == "insufficient_scope"


async def test_userinfo_refuses_revoked_missing_and_invalid_tokens(
    relying_party: RelyingParty, client: httpx.AsyncClient
) -> None:
    token = await relying_party.sign_in(scope="openid email inbox:read", nonce=None)
    assert (await relying_party.oauth.get(USERINFO_URL)).status_code == 200

    revoked = await relying_party.oauth.revoke_token(
        REVOKE_URL, token=token["access_token"], token_type_hint="access_token"
    )
    assert revoked.status_code == 200
    refused = await relying_party.oauth.get(USERINFO_URL)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert refused.json()["error"] == "invalid_token"
    assert "email" not in refused.text

    anonymous = await client.get("/oauth/userinfo")
    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (401, "Bearer")
    forged = await client.get("/oauth/userinfo", headers={"Authorization": "Bearer not.a.jwt"})
    assert (forged.status_code, forged.json()["error"]) == (401, "invalid_token")


async def test_a_client_credentials_token_has_no_user_to_describe(
    app: Starlette, services: Services, agency: Agency, client: httpx.AsyncClient
) -> None:
    created = await make_api_client(
        services.database,
        agency.tenant_id,
        grant_types=("client_credentials",),
        scopes=("openid", "inbox:read"),
        name="CRM sync",
    )
    async with AsyncOAuth2Client(
        client_id=created.client.client_id,
        client_secret=created.client_secret,
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
    ) as oauth:
        token = await oauth.fetch_token(TOKEN_URL, grant_type="client_credentials")
        assert token["scope"] == "inbox:read openid"
        assert "id_token" not in token
        refused = await oauth.get(USERINFO_URL)
    assert (refused.status_code, refused.json()["error"]) == (403, "insufficient_scope")


def _with_claims(code: str, claims: dict[str, object]) -> str:
    random_part = code.split(".")[0]
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{random_part}.{payload}"


async def test_a_code_whose_carried_nonce_was_altered_is_unknown(
    relying_party: RelyingParty, browser: Browser
) -> None:
    verifier = generate_token(64)
    url, _state = relying_party.oauth.create_authorization_url(
        AUTHORIZE_URL, code_verifier=verifier, scope="openid", nonce="the-real-nonce"
    )
    location = await browser.authorize(url, tenant="acme-care", email="agent@acme.example")
    code = query_of(location)["code"]
    assert "." in code

    async def redeem(presented: str) -> httpx.Response:
        response: httpx.Response = await relying_party.oauth.request(
            "POST",
            TOKEN_URL,
            data={
                "grant_type": "authorization_code",
                "code": presented,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            withhold_token=True,
            auth=relying_party.oauth.client_auth("client_secret_basic"),
        )
        return response

    forged = await redeem(_with_claims(code, {"nonce": "an-attacker-nonce", "auth_time": 1}))
    assert (forged.status_code, forged.json()["error"]) == (400, "invalid_grant")
    genuine = await redeem(code)
    assert genuine.status_code == 200
    claims = await relying_party.verified_id_token(genuine.json(), nonce="the-real-nonce")
    assert claims["nonce"] == "the-real-nonce"


async def test_an_oversized_nonce_is_refused_back_to_the_client(
    relying_party: RelyingParty, browser: Browser
) -> None:
    url, state = relying_party.oauth.create_authorization_url(
        AUTHORIZE_URL, code_verifier=generate_token(64), scope="openid", nonce="n" * 513
    )
    answer = await browser.open(url)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert query_of(location)["error"] == "invalid_request"
    assert query_of(location)["state"] == state


async def test_discovery_describes_openid_connect(
    client: httpx.AsyncClient, services: Services
) -> None:
    issuer = services.tokens.issuer
    document = (await client.get("/.well-known/openid-configuration")).json()
    assert document["issuer"] == issuer
    assert document["userinfo_endpoint"] == f"{issuer}/oauth/userinfo"
    assert document["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert {"openid", "profile", "email"} <= set(document["scopes_supported"])
    assert document["subject_types_supported"] == ["public"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash"} <= set(
        document["claims_supported"]
    )
    assert {"name", "email"} <= set(document["claims_supported"])
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert [key["kid"] for key in jwks["keys"]] == [services.tokens.key_id]
