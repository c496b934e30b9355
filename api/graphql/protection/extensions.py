"""Strawberry extensions enforcing the limits, cost, rate limits and error codes."""

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType
from redis.exceptions import RedisError
from strawberry.extensions import MaskErrors, SchemaExtension, ValidationCache

from api.graphql.protection.cost import actual_cost, requested_cost, select_operation
from api.graphql.protection.limits import DocumentLimits, check_document
from api.graphql.protection.rate_limit import (
    BucketPolicy,
    BucketStep,
    CostBuckets,
    MemoryCostBuckets,
    RedisCostBuckets,
    ThrottleStatus,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_COST = 1000
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
DEFAULT_POLICY = BucketPolicy(capacity=2000, restore_rate=100)


class WithinLimits:
    """Query texts whose documents were found within the limits (bounded, least recent out).

    Shared by every request of a schema, so a client repeating an operation
    pays the walk over its document once. Only passing documents are kept:
    refused ones are cheap to refuse again and must not crowd out good ones.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self._maxsize = maxsize
        self._texts: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, query: object) -> bool:
        if not isinstance(query, str) or query not in self._texts:
            return False
        self._texts.move_to_end(query)
        return True

    def add(self, query: str) -> None:
        self._texts[query] = None
        self._texts.move_to_end(query)
        while len(self._texts) > self._maxsize:
            self._texts.popitem(last=False)


class LimitedValidation(ValidationCache):
    """Refuses documents beyond `DocumentLimits` before validation, then validates (cached).

    A refused document skips graphql-core's validation entirely, so hostile
    documents cost one linear pass. The verdict on a query text that passed
    is remembered in `within_limits` (one per schema: give every request's
    extension the same one).
    """

    def __init__(
        self,
        *,
        limits: DocumentLimits,
        maxsize: int = 256,
        within_limits: WithinLimits | None = None,
    ) -> None:
        super().__init__(maxsize=maxsize)
        self.limits = limits
        self.within_limits = WithinLimits(maxsize) if within_limits is None else within_limits

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.query not in self.within_limits:
            error = check_document(document, self.limits)
            if error is not None:
                context.pre_execution_errors = [error]
                yield
                return
            if context.query is not None:
                self.within_limits.add(context.query)
        yield from super().on_validate()


class CostLimiter(SchemaExtension):
    """Refuses operations above the maximum cost, charges the client's bucket, reports cost.

    Before execution: the requested cost above the maximum → MAX_COST_EXCEEDED;
    more than the client's bucket holds → THROTTLED (nothing runs either way).
    After execution the bucket is settled to the actual cost (unused points go
    back; lists longer than the rules assume are charged).
    Every response carries `extensions.cost`. Clients are told apart by the
    token's client id, or its user for first-party tokens.
    """

    def __init__(self, *, local_buckets: MemoryCostBuckets) -> None:
        self._local_buckets = local_buckets
        self._requested: int | None = None
        self._actual: int | None = None
        self._status: ThrottleStatus | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        operation = self._operation()
        if operation is None:
            yield
            return
        max_cost, policy = self._max_cost(), self._policy()
        self._requested = self._requested_cost(operation)
        if self._requested > max_cost:
            raise GraphQLError(
                f"The operation costs {self._requested} points; at most {max_cost} "
                "are allowed per operation.",
                extensions={
                    "code": "MAX_COST_EXCEEDED",
                    "requestedQueryCost": self._requested,
                    "maxCost": max_cost,
                },
            )
        client = self._client_key()
        step = await self._take(client, self._requested, policy)
        if step is not None:
            self._status = step.status
            if not step.granted:
                raise GraphQLError(
                    f"Throttled: the operation costs {self._requested} points and "
                    f"{step.status.currently_available:g} are available, restoring "
                    f"{policy.restore_rate:g} per second.",
                    extensions={
                        "code": "THROTTLED",
                        "requestedQueryCost": self._requested,
                        "throttleStatus": step.status.as_json(),
                    },
                )
        yield
        if operation.operation is OperationType.SUBSCRIPTION:
            return
        self._actual = self._actual_cost(operation)
        difference = self._actual - self._requested
        if step is not None and difference != 0:
            # Unused points go back; a longer list than assumed is charged.
            settled = await self._take(client, difference, policy, force=True)
            self._status = settled.status if settled is not None else self._status

    async def get_results(self) -> dict[str, Any]:
        policy = self._policy()
        if self._requested is None:
            operation = self._operation()
            if operation is not None:
                self._requested = self._requested_cost(operation)
        if self._status is None:
            peeked = await self._take(self._client_key(), 0, policy)
            self._status = peeked.status if peeked is not None else None
        status = self._status or ThrottleStatus(
            policy.capacity, policy.capacity, policy.restore_rate
        )
        return {
            "cost": {
                "requestedQueryCost": self._requested,
                "actualQueryCost": self._actual,
                "throttleStatus": status.as_json(),
            }
        }

    def _operation(self) -> OperationDefinitionNode | None:
        document = self.execution_context.graphql_document
        if document is None:
            return None
        return select_operation(document, self.execution_context.operation_name)

    def _requested_cost(self, operation: OperationDefinitionNode) -> int:
        context = self.execution_context
        assert context.graphql_document is not None
        return requested_cost(
            context.schema._schema, context.graphql_document, operation, context.variables
        )

    def _actual_cost(self, operation: OperationDefinitionNode) -> int:
        context = self.execution_context
        assert context.graphql_document is not None
        result = context.result
        data = getattr(result, "data", None)
        return actual_cost(context.schema._schema, context.graphql_document, operation, data)

    def _settings(self) -> Any:
        services = getattr(self.execution_context.context, "services", None)
        return getattr(services, "settings", None)

    def _max_cost(self) -> int:
        settings = self._settings()
        return DEFAULT_MAX_COST if settings is None else int(settings.graphql_max_cost)

    def _policy(self) -> BucketPolicy:
        settings = self._settings()
        if settings is None:
            return DEFAULT_POLICY
        return BucketPolicy(
            capacity=settings.graphql_rate_limit_points,
            restore_rate=settings.graphql_rate_limit_restore_per_second,
        )

    async def _take(
        self, client: str | None, points: float, policy: BucketPolicy, *, force: bool = False
    ) -> BucketStep | None:
        """The bucket step; None for anonymous callers or when Redis fails (then unlimited)."""
        if client is None:
            return None
        try:
            return await self._buckets().take(client, points, policy, force=force)
        except RedisError:
            # Failing open: an outage of the limiter store must not take the API down.
            logger.warning("rate limit store unavailable; operation not rate limited")
            return None

    def _buckets(self) -> CostBuckets:
        redis = getattr(getattr(self.execution_context.context, "services", None), "redis", None)
        if redis is None:
            return self._local_buckets
        return RedisCostBuckets(redis)

    def _client_key(self) -> str | None:
        """`<tenant>:client:<client id>` or `<tenant>:user:<user id>`; None if anonymous."""
        context = self.execution_context.context
        try:
            token = context.token
        except (GraphQLError, AttributeError):  # anonymous, or no Parley context
            return None
        if token.client_id:
            return f"{token.tenant_id}:client:{token.client_id}"
        return f"{token.tenant_id}:user:{token.subject}"


def add_error_codes(errors: list[GraphQLError]) -> None:
    """Give every error without an `extensions.code` one, in place.

    Parse errors get GRAPHQL_PARSE_FAILED (MAX_TOKENS_EXCEEDED for documents
    over the token limit), refused introspection INTROSPECTION_DISABLED, other
    errors before execution GRAPHQL_VALIDATION_FAILED, and errors of execution
    without a code (unexpected ones, masked in production) INTERNAL_SERVER_ERROR.
    """
    for error in errors:
        if not (error.extensions and "code" in error.extensions):
            error.extensions = {**(error.extensions or {}), "code": _code_for(error)}


def _code_for(error: GraphQLError) -> str:
    raised_by_code = error.original_error is not None and not isinstance(
        error.original_error, GraphQLError
    )
    if error.path is not None or raised_by_code:
        return INTERNAL_SERVER_ERROR
    if "introspection has been disabled" in error.message:
        return "INTROSPECTION_DISABLED"
    if "tokens. Parsing aborted" in error.message:
        return "MAX_TOKENS_EXCEEDED"
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED"


class MaskUnexpectedErrors(MaskErrors):
    """Replaces unexpected errors by "Unexpected error." with code INTERNAL_SERVER_ERROR.

    Unexpected: raised by a resolver without an `extensions.code` of its own
    (`add_error_codes` has labelled them INTERNAL_SERVER_ERROR by then).
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected_error)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL_SERVER_ERROR}
        return masked


def is_unexpected_error(error: GraphQLError) -> bool:
    """True for errors a resolver raised without a code of its own."""
    if error.original_error is None:
        return False
    code = (error.extensions or {}).get("code")
    return code is None or code == INTERNAL_SERVER_ERROR
