"""Access tokens of external OpenID Connect issuers, through the real GraphQL endpoint.

The issuers are outside: each is faked by an `httpx.MockTransport` handler that
serves its discovery document and JWKS and counts the fetches. Tokens are signed
with the fakes' own keys. Tenants, members and providers live in PostgreSQL.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeyParameters, RSAKey
from starlette.applications import Starlette
from websockets.asyncio.client import connect

from api.app import create_app
from api.auth.external_issuers import PROVIDER_TTL_SECONDS, ExternalIssuers
from api.services import Services
from domain.authz.policy import Role
from domain.db.uow import UnitOfWork
from domain.identity_providers import service as idp_service
from domain.identity_providers.models import MemberClaim
from domain.settings import Settings
from domain.shared.tenancy import TenantScope
from tests.api.realtime.conftest import SUBPROTOCOL, GraphQLSocket, served
from tests.factories import TEST_ACTOR, make_brand, make_member, make_tenant

pytestmark = pytest.mark.postgres

ISSUER_A = "https://login.acme-sso.example"
AUDIENCE_A = "parley-acme"
ISSUER_B = "https://id.bravo-sso.example/tenant/42"
AUDIENCE_B = "parley-bravo"

VIEWER = "query { viewer { user { email } tenant { slug } role scopes brands { slug } } }"


class FakeIssuer:
    """An OpenID Connect issuer's discovery document and JWKS, with rotatable keys."""

    def __init__(self, issuer: str, algorithm: str = "RS256") -> None:
        self.issuer = issuer
        self.algorithm = algorithm
        self.keys = [self.new_key()]
        self.down = False
        self.jwks_fetches = 0

    def new_key(self) -> RSAKey | ECKey:
        parameters: KeyParameters = {"kid": uuid.uuid4().hex, "use": "sig", "alg": self.algorithm}
        if self.algorithm == "ES256":
            return ECKey.generate_key("P-256", parameters, private=True)
        return RSAKey.generate_key(2048, parameters, private=True)

    def rotate(self) -> None:
        self.keys = [self.new_key()]

    @property
    def jwks_uri(self) -> str:
        return self.issuer + "/keys"

    def handle(self, request: httpx.Request) -> httpx.Response | None:
        url = str(request.url)
        if url == self.issuer + "/.well-known/openid-configuration":
            if self.down:
                raise httpx.ConnectError("connection refused", request=request)
            return httpx.Response(200, json={"issuer": self.issuer, "jwks_uri": self.jwks_uri})
        if url == self.jwks_uri:
            if self.down:
                return httpx.Response(503)
            self.jwks_fetches += 1
            return httpx.Response(
                200, json={"keys": [key.as_dict(private=False) for key in self.keys]}
            )
        return None

    def token(self, **claims: object) -> str:
        return self.signed(self.keys[0], **claims)

    def signed(self, signing_key: RSAKey | ECKey, **claims: object) -> str:
        now = int(time.time())
        payload: dict[str, object] = {
            "iss": self.issuer,
            "sub": "idp-subject-1",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            **claims,
        }
        header = {"alg": self.algorithm, "kid": signing_key.kid, "typ": "JWT"}
        return jwt.encode(header, {k: v for k, v in payload.items() if v is not None}, signing_key)


@dataclass
class Clock:
    """Seconds since the epoch that a test may move forward."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Scenario:
    services: Services
    acme_id: uuid.UUID
    bravo_id: uuid.UUID
    acme_user_id: uuid.UUID
    idp_a: FakeIssuer
    idp_b: FakeIssuer
    clock: Clock
    issuers: ExternalIssuers
    fakes: list[FakeIssuer] = field(default_factory=list)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


async def add_provider(
    services: Services,
    tenant_id: uuid.UUID,
    issuer: str,
    audience: str,
    *,
    algorithms: tuple[str, ...] = ("RS256",),
    claim: MemberClaim = MemberClaim.EMAIL,
) -> None:
    async with UnitOfWork(services.database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        await idp_service.add_identity_provider(
            uow, None, issuer=issuer, audience=audience, algorithms=algorithms, member_claim=claim
        )
        await uow.commit()


@pytest.fixture
async def scenario(services: Services, app: Starlette) -> Scenario:
    """Acme trusts issuer A (RS256), Bravo trusts issuer B (ES256); each has members."""
    acme_id = await make_tenant(services.database, "acme-ext")
    bravo_id = await make_tenant(services.database, "bravo-ext")
    await make_brand(services.database, acme_id, "acme-shoes")
    await make_brand(services.database, acme_id, "acme-hats")
    await make_brand(services.database, bravo_id, "bravo-bikes")
    acme_user_id = await make_member(services.database, acme_id, "ada@acme.example", Role.AGENT)
    await make_member(services.database, bravo_id, "bo@bravo.example", Role.ADMIN)
    await add_provider(services, acme_id, ISSUER_A, AUDIENCE_A)
    await add_provider(services, bravo_id, ISSUER_B, AUDIENCE_B, algorithms=("ES256",))
    idp_a, idp_b = FakeIssuer(ISSUER_A), FakeIssuer(ISSUER_B, "ES256")
    fakes = [idp_a, idp_b]

    def handle(request: httpx.Request) -> httpx.Response:
        for idp in fakes:
            response = idp.handle(request)
            if response is not None:
                return response
        return httpx.Response(404)

    clock = Clock()
    issuers = ExternalIssuers(transport=httpx.MockTransport(handle), clock=clock)
    app.state.external_issuers = issuers
    return Scenario(services, acme_id, bravo_id, acme_user_id, idp_a, idp_b, clock, issuers, fakes)


async def ask(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )


def refusal(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    message: str = error["message"]
    return message


async def test_a_valid_token_reads_the_viewer_of_its_own_tenant(
    client: httpx.AsyncClient, scenario: Scenario
) -> None:
    token = scenario.idp_a.token(
        aud=AUDIENCE_A, email="Ada@Acme.example", scope="inbox:read openid admin:everything"
    )
    response = await ask(client, token)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"] == {
        "user": {"email": "ada@acme.example"},
        "tenant": {"slug": "acme-ext"},
        "role": "AGENT",
        "scopes": ["inbox:read"],
        "brands": [{"slug": "acme-hats"}, {"slug": "acme-shoes"}],
    }
    assert scenario.idp_a.jwks_fetches == 1
    # The keys are remembered: a second request fetches nothing.
    assert (await ask(client, token)).status_code == 200
    assert scenario.idp_a.jwks_fetches == 1


async def test_es256_and_the_scp_claim_list(client: httpx.AsyncClient, scenario: Scenario) -> None:
    token = scenario.idp_b.token(
        aud=[AUDIENCE_B, "another-api"], email="bo@bravo.example", scp=["admin", "inbox:read"]
    )
    response = await ask(client, token)
    assert response.status_code == 200, response.text
    viewer = response.json()["data"]["viewer"]
    assert (viewer["tenant"], viewer["role"]) == ({"slug": "bravo-ext"}, "ADMIN")
    assert viewer["scopes"] == ["admin", "inbox:read"]
    assert viewer["brands"] == [{"slug": "bravo-bikes"}]


async def test_a_member_of_one_tenant_is_unknown_to_another_tenants_issuer(
    client: httpx.AsyncClient, scenario: Scenario
) -> None:
    # Bravo's issuer vouches for Acme's member: Bravo has no such member.
    token = scenario.idp_b.token(aud=AUDIENCE_B, email="ada@acme.example", scope="inbox:read")
    assert refusal(await ask(client, token)) == "invalid token: unknown_member"
    # Acme's issuer with Bravo's audience: no route holds that pair.
    token = scenario.idp_a.token(aud=AUDIENCE_B, email="ada@acme.example", scope="inbox:read")
    assert refusal(await ask(client, token)) == "invalid token: unknown_issuer"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "someone-else"}, "unknown_issuer"),
        ({"exp": int(time.time()) - 600}, "invalid_claims"),
        ({"nbf": int(time.time()) + 600}, "invalid_claims"),
        ({"iss": "https://unknown-issuer.example"}, "unknown_issuer"),
        ({"email": "nobody@acme.example"}, "unknown_member"),
        ({"email": "bo@bravo.example"}, "unknown_member"),
        ({"email_verified": False}, "unknown_member"),
        ({"email": None}, "unknown_member"),
    ],
)
async def test_refused_claims(
    client: httpx.AsyncClient, scenario: Scenario, claims: dict[str, object], reason: str
) -> None:
    token = scenario.idp_a.token(
        **{"aud": AUDIENCE_A, "email": "ada@acme.example", "scope": "inbox:read", **claims}
    )
    assert refusal(await ask(client, token)) == f"invalid token: {reason}"


async def test_unsigned_and_forged_tokens_are_refused(
    client: httpx.AsyncClient, scenario: Scenario
) -> None:
    idp = scenario.idp_a
    now = int(time.time())
    claims = {
        "iss": ISSUER_A,
        "aud": AUDIENCE_A,
        "email": "ada@acme.example",
        "scope": "inbox:read",
        "iat": now,
        "exp": now + 300,
    }
    body = _b64(json.dumps(claims).encode())
    kid = idp.keys[0].kid

    not_json = f"{_b64(b'not json')}.{body}.{_b64(b'signature')}"
    assert refusal(await ask(client, not_json)) == "invalid token: malformed_token"

    unsigned = f"{_b64(json.dumps({'alg': 'none', 'kid': kid}).encode())}.{body}."
    assert refusal(await ask(client, unsigned)) == "invalid token: algorithm_not_allowed"

    # HS256 keyed with the issuer's public key, the classic algorithm confusion.
    public_pem = idp.keys[0].as_pem(private=False)
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'kid': kid}).encode())}.{body}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert refusal(await ask(client, f"{signing_input}.{_b64(mac)}")) == (
        "invalid token: algorithm_not_allowed"
    )

    # ES256 is not in Acme's allowlist, even though Bravo's issuer uses it.
    es256 = FakeIssuer(ISSUER_A, "ES256")
    token = es256.token(aud=AUDIENCE_A, email="ada@acme.example")
    assert refusal(await ask(client, token)) == "invalid token: algorithm_not_allowed"

    # Signed by a key the issuer never published, under a published kid.
    stranger = RSAKey.generate_key(2048, {"kid": str(kid)}, private=True)
    token = idp.signed(stranger, aud=AUDIENCE_A, email="ada@acme.example")
    assert refusal(await ask(client, token)) == "invalid token: invalid_signature"

    # A valid token with one changed claim.
    header, payload, signature = idp.token(aud=AUDIENCE_A, email="ada@acme.example").split(".")
    tampered = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    tampered["email"] = "ada@acme.example "
    tampered_token = f"{header}.{_b64(json.dumps(tampered).encode())}.{signature}"
    assert refusal(await ask(client, tampered_token)) == "invalid token: invalid_signature"


async def test_a_rotated_key_is_fetched_once_and_unknown_kids_do_not_hammer_the_issuer(
    client: httpx.AsyncClient, scenario: Scenario
) -> None:
    idp = scenario.idp_a
    first = idp.token(aud=AUDIENCE_A, email="ada@acme.example", scope="inbox:read")
    assert (await ask(client, first)).status_code == 200
    assert idp.jwks_fetches == 1

    idp.rotate()
    rotated = idp.token(aud=AUDIENCE_A, email="ada@acme.example", scope="inbox:read")
    assert (await ask(client, rotated)).status_code == 200
    assert idp.jwks_fetches == 2
    # The old key left the JWKS with the rotation.
    assert refusal(await ask(client, first)) == "invalid token: unknown_key"

    never_published = idp.new_key()
    token = idp.signed(never_published, aud=AUDIENCE_A, email="ada@acme.example")
    assert refusal(await ask(client, token)) == "invalid token: unknown_key"
    assert idp.jwks_fetches == 2  # refetches are spaced out


async def test_an_unreachable_issuer_is_refused_and_nothing_wrong_is_remembered(
    client: httpx.AsyncClient, scenario: Scenario
) -> None:
    idp = scenario.idp_a
    idp.down = True
    token = idp.token(aud=AUDIENCE_A, email="ada@acme.example", scope="inbox:read")
    assert refusal(await ask(client, token)) == "invalid token: issuer_unavailable"
    idp.down = False
    assert (await ask(client, token)).status_code == 200
    assert idp.jwks_fetches == 1


async def test_a_disabled_provider_is_refused_once_the_short_cache_expires(
    client: httpx.AsyncClient, scenario: Scenario
) -> None:
    token = scenario.idp_a.token(aud=AUDIENCE_A, email="ada@acme.example", scope="inbox:read")
    assert (await ask(client, token)).status_code == 200
    async with UnitOfWork(
        scenario.services.database, actor=TEST_ACTOR, scope=TenantScope(scenario.acme_id)
    ) as uow:
        await idp_service.disable_identity_provider(uow, None, issuer=ISSUER_A)
        await uow.commit()
    scenario.clock.offset = PROVIDER_TTL_SECONDS + 1
    assert refusal(await ask(client, token)) == "invalid token: unknown_issuer"


async def test_the_sub_claim_names_a_parley_user_id(
    client: httpx.AsyncClient, scenario: Scenario, services: Services
) -> None:
    issuer = "https://sub.acme-sso.example"
    await add_provider(services, scenario.acme_id, issuer, "parley-sub", claim=MemberClaim.SUB)
    idp = FakeIssuer(issuer)
    scenario.fakes.append(idp)
    token = idp.token(aud="parley-sub", sub=str(scenario.acme_user_id), scope="inbox:read")
    response = await ask(client, token)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["user"] == {"email": "ada@acme.example"}
    # The e-mail does not count for a `sub` provider.
    token = idp.token(aud="parley-sub", sub="ada@acme.example", email="ada@acme.example")
    assert refusal(await ask(client, token)) == "invalid token: unknown_member"


@pytest.fixture
async def live_base_url(
    services: Services, services_settings: Settings, scenario: Scenario
) -> AsyncIterator[str]:
    app = create_app(services_settings, services=services)
    app.state.external_issuers = scenario.issuers
    async with served(app) as base_url:
        yield base_url


async def test_websocket_connection_init_accepts_external_tokens_like_ours(
    live_base_url: str, scenario: Scenario
) -> None:
    ws_url = live_base_url.replace("http://", "ws://") + "/graphql"
    valid = scenario.idp_a.token(aud=AUDIENCE_A, email="ada@acme.example", scope="inbox:read")
    unknown = scenario.idp_a.token(aud=AUDIENCE_A, email="nobody@acme.example")
    async with connect(ws_url, subprotocols=[SUBPROTOCOL], open_timeout=5) as accepted:  # type: ignore[list-item]
        assert await GraphQLSocket(accepted).init(valid) == {"type": "connection_ack"}
    async with connect(ws_url, subprotocols=[SUBPROTOCOL], open_timeout=5) as refused:  # type: ignore[list-item]
        socket = GraphQLSocket(refused)
        await socket.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {unknown}"}}
        )
        assert await socket.close_code() == 4403
