"""The GraphQL endpoint: strawberry's ASGI app with Parley's authentication."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from api.auth.backend import unauthorized
from api.graphql.context import ParleyContext
from api.services import services_of


class ParleyGraphQL(GraphQL[ParleyContext, None]):
    """Strawberry's ASGI app; anonymous callers get 401, except GraphiQL's page.

    Queries may come over GET; mutations only over POST (strawberry refuses them
    over GET).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            is_ide_page = (
                self.graphql_ide is not None
                and request.method == "GET"
                and "text/html" in request.headers.get("accept", "")
            )
            if not request.user.is_authenticated and not is_ide_page:
                await unauthorized(request)(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ParleyContext:
        return ParleyContext(request=request, services=services_of(request))
