"""The OAuth 2 endpoints: authorize (sign-in and consent pages), token, revoke, introspect.

Also OpenID Connect's userinfo (`userinfo.py`).

Each request opens one `OAuthExchange` in the tenant its client id names,
builds a `ParleyAuthorizationServer` over it and drives authlib in a worker
thread (`run_in_threadpool`): authlib and argon2 block, the event loop does
not. Nothing here logs a secret, password, code or token.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError, OAuth2Error
from authlib.oauth2.rfc6749.util import scope_to_list
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from api.auth.oauth.adapter import (
    FormError,
    OAuthResponse,
    StarletteOAuth2Request,
    claimed_client_id,
    first_values,
    read_form,
    to_oauth2_request,
    to_starlette_response,
)
from api.auth.oauth.exchange import OAuthExchange
from api.auth.oauth.pages import consent_page, error_page, login_page
from api.auth.oauth.records import OAuthClient, ResourceOwner
from api.auth.oauth.server import ParleyAuthorizationServer
from api.auth.oauth.session import (
    COOKIE_NAME,
    BrowserSession,
    SessionSigner,
    set_session_cookie,
)
from api.auth.oauth.throttle import (
    LoginFailureCounter,
    MemoryLoginFailureCounter,
    RedisLoginFailureCounter,
    failure_key,
)
from api.auth.oauth.userinfo import USERINFO_PATH, userinfo
from api.services import Services, services_of
from domain.oauth import service as oauth_service
from domain.oauth.rules import LoginThrottle, granted_scopes
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor, ActorKind
from domain.tenants.service import Member

AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path, not a secret)
REVOCATION_PATH = "/oauth/revoke"
INTROSPECTION_PATH = "/oauth/introspect"
SESSION_SECRET_PURPOSE = "oauth-browser-session"  # noqa: S105 (a label)

ServerCall = Callable[[ParleyAuthorizationServer, StarletteOAuth2Request], OAuthResponse]


def oauth_routes(*, throttle: LoginThrottle | None = None) -> list[Route]:
    """The routes to mount on the app; the login counters live as long as the app.

    authlib logs issued tokens at DEBUG level; its loggers are held at INFO so
    a debug configuration never writes a token to the logs.
    """
    authlib_logger = logging.getLogger("authlib")
    authlib_logger.setLevel(max(authlib_logger.getEffectiveLevel(), logging.INFO))
    endpoints = OAuthEndpoints(throttle=throttle or LoginThrottle())
    return [
        Route(AUTHORIZE_PATH, endpoints.authorize, methods=["GET", "POST"]),
        Route(TOKEN_PATH, endpoints.token, methods=["POST"]),
        Route(REVOCATION_PATH, endpoints.revoke, methods=["POST"]),
        Route(INTROSPECTION_PATH, endpoints.introspect, methods=["POST"]),
        Route(USERINFO_PATH, userinfo, methods=["GET", "POST"]),
    ]


def _client_actor(client_id: str | None) -> Actor:
    return Actor(kind=ActorKind.API_CLIENT, id=(client_id or "unknown")[:100])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _error_response(error: OAuth2Error) -> Response:
    status, body, headers = error()
    return to_starlette_response(OAuthResponse(status=status, body=body, headers=headers))


def _server(services: Services, exchange: OAuthExchange) -> ParleyAuthorizationServer:
    return ParleyAuthorizationServer(
        exchange=exchange,
        tokens=services.tokens,
        access_token_ttl_seconds=services.settings.access_token_ttl_seconds,
    )


class OAuthEndpoints:
    """The request handlers, sharing the login failure counters and the cookie signer."""

    def __init__(self, *, throttle: LoginThrottle) -> None:
        self.throttle = throttle
        self._failures: LoginFailureCounter | None = None
        self._signer: SessionSigner | None = None

    def _counter(self, services: Services) -> LoginFailureCounter:
        if self._failures is None:
            self._failures = (
                RedisLoginFailureCounter(services.redis)
                if services.redis is not None
                else MemoryLoginFailureCounter()
            )
        return self._failures

    def _session_signer(self, services: Services) -> SessionSigner:
        if self._signer is None:
            self._signer = SessionSigner(services.tokens.derive_secret(SESSION_SECRET_PURPOSE))
        return self._signer

    # --- token, revocation, introspection --------------------------------------------

    async def token(self, request: Request) -> Response:
        """RFC 6749 §3.2: the authorization_code, client_credentials and refresh_token grants."""
        return await self._client_request(
            request, lambda server, oauth_request: server.create_token_response(oauth_request)
        )

    async def revoke(self, request: Request) -> Response:
        """RFC 7009: revoke an access or refresh token of the authenticated client."""
        return await self._client_request(
            request,
            lambda server, oauth_request: server.create_endpoint_response(
                "revocation", oauth_request
            ),
        )

    async def introspect(self, request: Request) -> Response:
        """RFC 7662: is this token of the authenticated client active, and what is it?"""
        return await self._client_request(
            request,
            lambda server, oauth_request: server.create_endpoint_response(
                "introspection", oauth_request
            ),
        )

    async def _client_request(self, request: Request, call: ServerCall) -> Response:
        services = services_of(request)
        try:
            form = await read_form(request)
        except FormError as error:
            return _error_response(InvalidRequestError(str(error)))
        client_id = claimed_client_id(request.headers, form)
        async with OAuthExchange(
            services.database, client_id=client_id, actor=_client_actor(client_id)
        ) as exchange:
            try:
                oauth_request = to_oauth2_request(
                    request, base_url=services.tokens.issuer, form=form, parameters_in="form"
                )
            except OAuth2Error as error:
                return _error_response(error)
            answer = await run_in_threadpool(call, _server(services, exchange), oauth_request)
            await exchange.finish(answer)
        return to_starlette_response(answer)

    # --- authorization endpoint ------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        """The authorization endpoint (RFC 6749 §3.1) with its sign-in and consent pages.

        GET validates the request (client, exact redirect URI, scopes, PKCE
        S256) and shows the sign-in form, or the consent form once the browser
        is signed in to the client's tenant. POST carries `action` (login,
        approve or deny) and the page's CSRF token. Problems with the client or
        its redirect URI are shown here, never sent to an unverified URI; other
        errors go back to the client's redirect URI (RFC 6749 §4.1.2.1).
        """
        services = services_of(request)
        try:
            form = await read_form(request)
        except FormError as error:
            return error_page("Request refused", str(error))
        now = int(time.time())
        signer = self._session_signer(services)
        stored_session = signer.loads(request.cookies.get(COOKIE_NAME), now=now)
        client_id = request.query_params.get("client_id")
        async with OAuthExchange(
            services.database, client_id=client_id, actor=_client_actor(client_id)
        ) as exchange:
            server = _server(services, exchange)
            try:
                oauth_request = to_oauth2_request(
                    request, base_url=services.tokens.issuer, form=form, parameters_in="query"
                )
            except OAuth2Error as error:
                return error_page("Request refused", _describe(error))
            try:
                grant = await run_in_threadpool(server.get_consent_grant, oauth_request, None)
            except OAuth2Error as error:
                if error.redirect_uri:
                    return to_starlette_response(server.handle_error_response(oauth_request, error))
                return error_page("Request refused", _describe(error))
            flow = AuthorizationFlow(
                request=request,
                services=services,
                exchange=exchange,
                server=server,
                oauth_request=oauth_request,
                grant=grant,
                signer=signer,
                session=stored_session or BrowserSession.anonymous(now=now),
                session_is_new=stored_session is None,
            )
            if request.method == "GET":
                return flow.show(await flow.signed_in_member())
            fields = first_values(form)
            if not flow.is_same_origin() or not signer.csrf_matches(
                flow.session, fields.get("csrf_token")
            ):
                return error_page(
                    "Form expired",
                    "This form is no longer valid. Go back to the application and start again.",
                )
            action = fields.get("action")
            if action == "login":
                return await self._login(flow, fields, now=now)
            member = await flow.signed_in_member()
            if member is None:
                return flow.show(None)
            if action == "approve":
                return await flow.answer(member)
            if action == "deny":
                return await flow.answer(None)
            return error_page("Request refused", "Unknown action.")

    async def _login(
        self, flow: "AuthorizationFlow", fields: dict[str, str], *, now: int
    ) -> Response:
        tenant_slug = fields.get("tenant", "").strip()
        email = fields.get("email", "").strip()
        password = fields.get("password", "")
        tenant = str(flow.exchange.tenant_id)
        account_key = failure_key(tenant, "account", email.lower())
        address_key = failure_key(tenant, "address", flow.client_address)
        counter = self._counter(flow.services)
        account_failures, address_failures = await counter.counts([account_key, address_key])
        if self.throttle.is_locked(
            account_failures=account_failures, address_failures=address_failures
        ):
            return flow.login_form(
                tenant=tenant_slug,
                email=email,
                error="Too many failed sign-ins. Wait a few minutes, then try again.",
                status=429,
            )
        member = await oauth_service.authenticate_member(
            flow.exchange.uow,
            tenant_slug=tenant_slug,
            email=email,
            password=password,
            now=utcnow(),
        )
        if member is None:
            await counter.record_failure(
                [account_key, address_key], window_seconds=self.throttle.window_seconds
            )
            return flow.login_form(
                tenant=tenant_slug,
                email=email,
                error="The agency, e-mail or password is not right.",
            )
        await flow.exchange.commit()
        await counter.reset(account_key)
        # A new session id on sign-in: a session planted before it is worthless after.
        signed_in = BrowserSession.signed_in(
            user_id=member.user.id, tenant_id=member.tenant.id, now=now
        )
        # Post/redirect/get: the browser returns with its new session to the consent page.
        response = RedirectResponse(flow.form_action, status_code=303)
        response.headers["Cache-Control"] = "no-store"
        set_session_cookie(response, flow.signer.dumps(signed_in), secure=flow.secure_cookie)
        return response


def _describe(error: OAuth2Error) -> str:
    return f"{error.error}: {error.description}" if error.description else str(error.error)


@dataclass
class AuthorizationFlow:
    """One validated authorization request and the browser session it arrived with."""

    request: Request
    services: Services
    exchange: OAuthExchange
    server: ParleyAuthorizationServer
    oauth_request: StarletteOAuth2Request
    grant: Any
    signer: SessionSigner
    session: BrowserSession
    session_is_new: bool

    @property
    def client(self) -> OAuthClient:
        client: OAuthClient = self.grant.request.client
        return client

    @property
    def form_action(self) -> str:
        """Where the pages post to: this endpoint with the same authorization request."""
        return f"{AUTHORIZE_PATH}?{self.request.url.query}"

    @property
    def client_address(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

    @property
    def secure_cookie(self) -> bool:
        return self.services.tokens.issuer.startswith("https://")

    @property
    def requested_scopes(self) -> list[str]:
        return scope_to_list(self.grant.request.scope) or []

    def is_same_origin(self) -> bool:
        """Defence in depth beside the CSRF token: a cross-site form post is refused."""
        origin = self.request.headers.get("origin")
        if origin is None:
            return True
        return origin in {_origin(self.services.tokens.issuer), _origin(str(self.request.url))}

    async def signed_in_member(self) -> Member | None:
        """The session's member when it is signed in to the client's tenant and still active."""
        user_id = self.session.signed_in_user(self.exchange.tenant_id)
        if user_id is None:
            return None
        return await oauth_service.load_active_member_or_none(self.exchange.uow, user_id=user_id)

    def _with_session(self, response: HTMLResponse) -> HTMLResponse:
        if self.session_is_new:
            set_session_cookie(response, self.signer.dumps(self.session), secure=self.secure_cookie)
        return response

    def login_form(
        self, *, tenant: str = "", email: str = "", error: str | None = None, status: int = 200
    ) -> HTMLResponse:
        return self._with_session(
            login_page(
                client_name=self.client.record.name,
                action=self.form_action,
                csrf_token=self.signer.csrf_token(self.session),
                tenant=tenant,
                email=email,
                error=error,
                status=status,
            )
        )

    def show(self, member: Member | None) -> HTMLResponse:
        """The sign-in form, or the consent form for a signed-in member."""
        if member is None:
            return self.login_form()
        granted = self._granted(member)
        return self._with_session(
            consent_page(
                client_name=self.client.record.name,
                email=member.user.email,
                tenant_name=member.tenant.name,
                action=self.form_action,
                csrf_token=self.signer.csrf_token(self.session),
                granted=sorted(granted),
                withheld=sorted(set(self.requested_scopes) - granted),
            )
        )

    def _granted(self, member: Member) -> frozenset[str]:
        return granted_scopes(
            requested=self.requested_scopes,
            client_allowed=self.client.allowed_scopes,
            role=member.membership.role,
        )

    async def answer(self, member: Member | None) -> Response:
        """Redirect to the client: with a code when `member` approved, `access_denied` when None."""
        owner = None
        if member is not None:
            if not self._granted(member):
                error = InvalidScopeError(
                    "None of the requested scopes is available to your role.",
                    state=self.oauth_request.payload.state,
                    redirect_uri=self.grant.redirect_uri,
                )
                return to_starlette_response(
                    self.server.handle_error_response(self.oauth_request, error)
                )
            owner = ResourceOwner(
                user_id=member.user.id,
                role=member.membership.role,
                email=member.user.email,
                name=member.user.display_name,
                authenticated_at=self.session.signed_in_at,
            )
        answer: OAuthResponse = await run_in_threadpool(
            self.server.create_authorization_response, self.oauth_request, owner, self.grant
        )
        await self.exchange.finish(answer)
        return to_starlette_response(answer)
