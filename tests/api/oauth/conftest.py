"""OAuth test helpers: an agency with members, registered clients, and a browser.

The browser is a plain httpx client over the ASGI app with its own cookie
jar; it reads the forms from the served HTML exactly as a person's browser
would submit them.
"""

import html
import re
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.deprecate import AuthlibDeprecationWarning
from starlette.applications import Starlette

from api.services import Services
from domain.authz.policy import Role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.oauth.service import NewApiClient, create_api_client
from domain.shared.tenancy import TenantScope
from domain.tenants import service as tenants_service
from tests.factories import TEST_ACTOR, make_brand, make_tenant

with warnings.catch_warnings():
    # authlib's httpx client warns that it falls back to `httpx` (no `httpx2` installed).
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

BASE_URL = "http://parley.test"
AUTHORIZE_URL = f"{BASE_URL}/oauth/authorize"
TOKEN_URL = f"{BASE_URL}/oauth/token"
REDIRECT_URI = "https://app.example/callback"
PASSWORD = "correct horse battery staple"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ACTION = re.compile(r'<form method="post" action="([^"]+)"')

__all__ = ["AsyncOAuth2Client"]


async def make_password_member(
    database: Database,
    tenant_id: uuid.UUID,
    email: str,
    role: Role,
    *,
    brand_slugs: tuple[str, ...] = (),
    password: str = PASSWORD,
) -> uuid.UUID:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        membership = await tenants_service.add_member(
            uow, email=email, role=role, brand_slugs=brand_slugs, password=password
        )
        await uow.commit()
    return membership.user_id


async def make_api_client(
    database: Database,
    tenant_id: uuid.UUID,
    *,
    grant_types: Collection[str] = ("authorization_code",),
    scopes: Collection[str] = ("inbox:read", "inbox:write", "admin"),
    redirect_uris: Collection[str] | None = None,
    role: Role = Role.AGENT,
    brand_slugs: Collection[str] = (),
    is_public: bool = False,
    name: str = "Agent Desk",
) -> NewApiClient:
    if redirect_uris is None:
        redirect_uris = (REDIRECT_URI,) if "authorization_code" in grant_types else ()
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(tenant_id)) as uow:
        created = await create_api_client(
            uow,
            None,
            name=name,
            grant_types=grant_types,
            redirect_uris=redirect_uris,
            scopes=scopes,
            role=role,
            brand_slugs=brand_slugs,
            is_public=is_public,
        )
        await uow.commit()
    return created


@dataclass(frozen=True)
class Agency:
    tenant_id: uuid.UUID
    slug: str
    brand_id: uuid.UUID
    agent_id: uuid.UUID
    admin_id: uuid.UUID


@pytest.fixture
async def agency(services: Services) -> Agency:
    """Acme Care: one brand, an agent and an admin who sign in with `PASSWORD`."""
    tenant_id = await make_tenant(services.database, "acme-care")
    brand = await make_brand(services.database, tenant_id, "kestrel")
    agent_id = await make_password_member(
        services.database, tenant_id, "agent@acme.example", Role.AGENT
    )
    admin_id = await make_password_member(
        services.database, tenant_id, "admin@acme.example", Role.ADMIN
    )
    return Agency(tenant_id, "acme-care", brand.id, agent_id, admin_id)


def form_of(page: httpx.Response) -> tuple[str, str]:
    """(action, csrf token) of the page's form."""
    action = _ACTION.search(page.text)
    csrf = _CSRF.search(page.text)
    assert action is not None, page.text
    assert csrf is not None, page.text
    return html.unescape(action.group(1)), html.unescape(csrf.group(1))


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


class Browser:
    """A person's browser at the authorization endpoint."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def open(self, url: str) -> httpx.Response:
        return await self.http.get(url)

    async def submit(self, page: httpx.Response, **fields: str) -> httpx.Response:
        action, csrf = form_of(page)
        return await self.http.post(action, data={"csrf_token": csrf, **fields})

    async def sign_in(
        self, authorize_url: str, *, tenant: str, email: str, password: str = PASSWORD
    ) -> httpx.Response:
        """Open the authorization URL and submit the sign-in form; the form's answer."""
        page = await self.open(authorize_url)
        assert page.status_code == 200, page.text
        return await self.submit(
            page, action="login", tenant=tenant, email=email, password=password
        )

    async def authorize(
        self,
        authorize_url: str,
        *,
        tenant: str,
        email: str,
        password: str = PASSWORD,
        decision: str = "approve",
    ) -> str:
        """Sign in, consent (or deny) and return where the browser is sent back to."""
        signed_in = await self.sign_in(authorize_url, tenant=tenant, email=email, password=password)
        assert signed_in.status_code == 303, signed_in.text
        consent = await self.http.get(signed_in.headers["location"])
        assert consent.status_code == 200, consent.text
        answer = await self.submit(consent, action=decision)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


BrowserFactory = Callable[[], Awaitable[Browser]]


@pytest.fixture
async def new_browser(app: Starlette) -> AsyncIterator[BrowserFactory]:
    """Opens browsers, each with its own cookies."""
    opened: list[httpx.AsyncClient] = []

    async def open_browser() -> Browser:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
        opened.append(http)
        return Browser(http)

    yield open_browser
    for http in opened:
        await http.aclose()


@pytest.fixture
async def browser(new_browser: BrowserFactory) -> Browser:
    return await new_browser()


def oauth_client(app: Starlette, created: NewApiClient, **options: object) -> AsyncOAuth2Client:
    """authlib's own OAuth 2 client for a registered client, over the ASGI app."""
    return AsyncOAuth2Client(
        client_id=created.client.client_id,
        client_secret=created.client_secret,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method=options.pop(
            "token_endpoint_auth_method",
            "none" if created.client_secret is None else "client_secret_basic",
        ),
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
        **options,
    )
