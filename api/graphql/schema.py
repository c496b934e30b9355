"""The GraphQL schema, assembled from the areas' roots, with its protections."""

from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from api.graphql.protection.extensions import (
    CostLimiter,
    LimitedValidation,
    MaskUnexpectedErrors,
    WithinLimits,
    add_error_codes,
)
from api.graphql.protection.limits import DocumentLimits
from api.graphql.protection.rate_limit import MemoryCostBuckets
from api.graphql.root import Mutation, Query, Subscription

#: Limits every operation must stay within (abuse protection).
DOCUMENT_LIMITS = DocumentLimits(max_depth=12, max_aliases=30, max_directives=50)
MAX_TOKENS = 3000


class ParleySchema(strawberry.Schema):
    """Strawberry's schema; every error leaves it with an `extensions.code`."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry calls this on every path errors take (parse, validation,
        # extensions, execution), before masking, with the list it returns.
        add_error_codes(errors)
        super().process_errors(errors, execution_context)


def protections(*, production: bool) -> list[Any]:
    """The extensions protecting a schema (see `build_schema`), as factories.

    Strawberry builds fresh extensions per request from these; the in-process
    buckets (the embedded default's rate limits) and the documents known to be
    within the limits live as long as the list.
    """
    local_buckets = MemoryCostBuckets()
    within_limits = WithinLimits(maxsize=256)
    extensions: list[Any] = [
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(ParserCache, maxsize=256),
        partial(
            LimitedValidation, limits=DOCUMENT_LIMITS, maxsize=256, within_limits=within_limits
        ),
        partial(CostLimiter, local_buckets=local_buckets),
    ]
    if production:
        extensions += [DisableIntrospection, MaskUnexpectedErrors]
    return extensions


def build_schema(*, production: bool) -> strawberry.Schema:
    """The schema with its protections.

    Always: the token limit while parsing, document limits (depth, aliases,
    directives, duplicated fields) before validation, cost and per-client
    rate limits before execution with `extensions.cost` in every response, an
    `extensions.code` on every error, parser and validation caches, the SDL
    sorted, batching off. In production also: no introspection, no field
    suggestions in errors, and unexpected errors masked.
    """
    return ParleySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=protections(production=production),
        config=StrawberryConfig(disable_field_suggestions=production, sort_schema=True),
    )
