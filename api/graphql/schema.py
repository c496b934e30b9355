"""The GraphQL schema, assembled from the areas, and its HTTP endpoint."""

from functools import partial
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

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
    """Mask unexpected exceptions; parse and validation errors are the caller's own."""
    original = getattr(error, "original_error", None)
    if original is None:
        return False
    return not isinstance(original, _EXPECTED) and not isinstance(error, _EXPECTED)


#: Limits every operation must stay within (abuse protection).
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000


def build_schema(*, production: bool) -> strawberry.Schema:
    """The schema with its protections.

    Always: depth, alias and token limits, parser and validation caches, the
    SDL sorted. In production also: no introspection, no field suggestions in
    errors, and unexpected errors masked (expected ones keep `extensions.code`).
    """
    # Factories, not instances: strawberry builds fresh extensions per request.
    extensions: list[Any] = [
        partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(ParserCache, maxsize=256),
        partial(ValidationCache, maxsize=256),
    ]
    if production:
        extensions += [DisableIntrospection, partial(MaskErrors, should_mask_error=_should_mask)]
    config = StrawberryConfig(disable_field_suggestions=production, sort_schema=True)
    return strawberry.Schema(query=Query, extensions=extensions, config=config)


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
