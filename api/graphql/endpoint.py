"""The GraphQL endpoint: strawberry's ASGI app with Parley's transport rules.

HTTP: anonymous callers get 401 (except GraphiQL's page); a POST must be
`application/json` (415 otherwise, so an HTML form cannot post a cross-site
operation); mutations only over POST; transport errors are GraphQL-shaped JSON
with `extensions.code`. With trusted documents on, only operations registered
in `frontend_contract/operations/` run (see `api.graphql.trusted_documents`).

WebSocket: graphql-transport-ws only. The handshake is refused (HTTP 403)
from a browser origin that is not allowed; the connection is authenticated at
`connection_init` with `{"authorization": "Bearer <token>"}` in the payload (or
an `Authorization` header on the handshake, for non-browser clients) and
closed with 4403 when the token is missing, invalid, expired or revoked; a
`subscribe` before that is closed with 4401 (strawberry).
"""

import json
from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)

from api.auth.backend import TokenPrincipal, unauthorized
from api.auth.external_issuers import ExternalTokenError, validate_if_external
from api.auth.tokens import InvalidTokenError
from api.graphql.context import ParleyContext
from api.graphql.trusted_documents import Refusal, TrustedDocuments
from api.services import services_of
from domain.db.uow import UnitOfWork
from domain.oauth.service import is_access_token_revoked
from domain.shared.tenancy import Actor, TenantScope

_CONNECTION_AUTH_ACTOR = Actor.system("websocket-auth")

#: `extensions.code` of transport errors, by HTTP status.
_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def graphql_error_response(status_code: int, message: str, code: str) -> JSONResponse:
    """A refusal before execution, in GraphQL's response shape."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status_code
    )


class ParleyGraphQL(GraphQL[ParleyContext, None]):
    """Strawberry's ASGI app with authentication, origin and document rules (module docstring)."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        graphql_ide: Any = "graphiql",
        websocket_allowed_origins: Collection[str] = (),
        trusted_documents: TrustedDocuments | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=graphql_ide,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=tuple(websocket_allowed_origins),
        )
        self.graphql_transport_ws_handler_class = _AuthenticatingTransportWSHandler
        #: None: any operation; else only these documents run.
        self.trusted_documents = trusted_documents

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        response = await self._refusal(request)
        if response is None and self.trusted_documents is not None:
            outcome = await self._with_trusted_document(request, self.trusted_documents)
            if isinstance(outcome, Response):
                response = outcome
            else:
                request = outcome
        if response is None:
            try:
                response = await self.run(request)
            except HTTPException as error:
                code = _CODES.get(error.status_code, "BAD_REQUEST")
                response = graphql_error_response(error.status_code, error.reason, code)
        await response(scope, receive, send)

    async def _refusal(self, request: Request) -> Response | None:
        is_ide_page = (
            self.graphql_ide is not None
            and request.method == "GET"
            and "text/html" in request.headers.get("accept", "")
        )
        if not request.user.is_authenticated and not is_ide_page:
            return unauthorized(request)
        if request.method == "POST" and _media_type(request) != "application/json":
            return graphql_error_response(
                415,
                "GraphQL requests must be POSTed as application/json",
                "UNSUPPORTED_MEDIA_TYPE",
            )
        return None

    async def _with_trusted_document(
        self, request: Request, documents: TrustedDocuments
    ) -> Request | Response:
        """The request rewritten to carry the registered text it names, or the refusal."""
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return request  # GraphiQL's page (development only) runs nothing itself
        if request.method == "GET":
            params = dict(parse_qsl(request.url.query, keep_blank_values=True))
            try:
                extensions = json.loads(params["extensions"]) if "extensions" in params else None
            except ValueError:
                return graphql_error_response(400, "`extensions` is not JSON", "BAD_REQUEST")
            resolved = documents.resolve({**params, "extensions": extensions})
            if isinstance(resolved, Refusal):
                return graphql_error_response(400, resolved.message, resolved.code)
            query = {key: value for key, value in params.items() if key != "documentId"}
            query["query"] = resolved["query"]
            scope = {**request.scope, "query_string": urlencode(query).encode("latin-1")}
            return Request(scope, request.receive)
        try:
            data = json.loads(await request.body())
        except ValueError:
            return graphql_error_response(400, "the body is not JSON", "BAD_REQUEST")
        items = data if isinstance(data, list) else [data]
        resolved_items: list[dict[str, Any]] = []
        for item in items:
            if not isinstance(item, dict):
                return graphql_error_response(400, "expected a JSON object", "BAD_REQUEST")
            resolved = documents.resolve(item)
            if isinstance(resolved, Refusal):
                return graphql_error_response(400, resolved.message, resolved.code)
            resolved_items.append(resolved)
        body = json.dumps(resolved_items if isinstance(data, list) else resolved_items[0])
        return Request(request.scope, _replaying(body.encode(), request.receive))

    def parse_json(self, data: str | bytes) -> Any:
        """The JSON body; 400 unless it is an object (or an array of them, a batch)."""
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "the body must be a JSON object with `query`")
        return parsed

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ParleyContext:
        return ParleyContext(request=request, services=services_of(request))


class _AuthenticatingTransportWSHandler(BaseGraphQLTransportWSHandler[ParleyContext, None]):
    """graphql-transport-ws with the bearer token checked at `connection_init`,
    and trusted documents applied to `subscribe`."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload") or {}
        websocket = self.context.request
        if (
            isinstance(websocket, WebSocket)
            and isinstance(payload, dict)
            and not self.connection_init_received
        ):
            try:
                principal = await _authenticate(websocket, payload)
            except ConnectionRejectionError:
                self.connection_init_received = True
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                await self.websocket.close(code=4403, reason="Forbidden")
                return
            websocket.scope["user"] = principal
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        documents: TrustedDocuments | None = getattr(self.view, "trusted_documents", None)
        if documents is not None and self.connection_acknowledged:
            resolved = documents.resolve(dict(message["payload"]))
            if isinstance(resolved, Refusal):
                await self.send_message(
                    {
                        "id": message["id"],
                        "type": "error",
                        "payload": [
                            {"message": resolved.message, "extensions": {"code": resolved.code}}
                        ],
                    }
                )
                return
            message = {**message, "payload": resolved}  # type: ignore[typeddict-item]
        await super().handle_subscribe(message)


async def _authenticate(websocket: WebSocket, payload: dict[str, Any]) -> TokenPrincipal:
    """The principal of the bearer token in the init payload, else of the handshake's
    `Authorization` header; `ConnectionRejectionError` when there is none that is valid."""
    header = next((value for key, value in payload.items() if key.lower() == "authorization"), None)
    if header is None:
        user = websocket.scope.get("user")
        if isinstance(user, TokenPrincipal):
            return user
        raise ConnectionRejectionError()
    scheme, _, credentials = str(header).partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise ConnectionRejectionError()
    services = services_of(websocket)
    try:
        token = await validate_if_external(websocket, credentials.strip()) or (
            services.tokens.validate(credentials.strip())
        )
    except (ExternalTokenError, InvalidTokenError) as error:
        raise ConnectionRejectionError() from error
    async with UnitOfWork(
        services.database, actor=_CONNECTION_AUTH_ACTOR, scope=TenantScope(token.tenant_id)
    ) as uow:
        if await is_access_token_revoked(uow, token_id=token.token_id):
            raise ConnectionRejectionError()
    return TokenPrincipal(token)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` once, then defers to `receive` (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
