"""The GraphQL schema, assembled from the areas' roots, with its protections."""

from functools import partial
from typing import Any

import strawberry
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

from api.graphql.errors import ForbiddenError, NotFoundGraphQLError, UnauthenticatedError
from api.graphql.root import Mutation, Query, Subscription

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
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=config,
    )
