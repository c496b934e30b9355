"""The GraphQL schema, assembled from the areas, and its HTTP endpoint."""

from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import MaskErrors

from api.auth.backend import unauthorized
from api.graphql.context import ParleyContext
from api.graphql.errors import ForbiddenError, NotFoundGraphQLError, UnauthenticatedError
from api.graphql.viewer.queries import ViewerQueries
from api.services import services_of


@strawberry.type(description="The root of every read.")
class Query(ViewerQueries):
    pass


_EXPECTED = (UnauthenticatedError, ForbiddenError, NotFoundGraphQLError)


def _should_mask(error: Any) -> bool:
    return not isinstance(getattr(error, "original_error", None) or error, _EXPECTED)


def build_schema(*, mask_errors: bool) -> strawberry.Schema:
    """The schema; in production unexpected errors are masked."""
    extensions: list[Any] = [MaskErrors(should_mask_error=_should_mask)] if mask_errors else []
    return strawberry.Schema(query=Query, extensions=extensions)


class ParleyGraphQL(GraphQL[ParleyContext, None]):
    """Strawberry's ASGI app; anonymous callers get 401, except GraphiQL's page."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            is_ide_page = request.method == "GET" and "text/html" in request.headers.get(
                "accept", ""
            )
            if not request.user.is_authenticated and not is_ide_page:
                await unauthorized(request)(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ParleyContext:
        return ParleyContext(request=request, services=services_of(request))
