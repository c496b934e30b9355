"""Top-level GraphQL errors with `extensions.code`.

Mutation user errors are data in payloads (per area); these are for
authentication, permission and not-found failures of queries.
"""

from graphql import GraphQLError


class UnauthenticatedError(GraphQLError):
    def __init__(self, message: str = "authentication required") -> None:
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})


class ForbiddenError(GraphQLError):
    def __init__(self, message: str = "not allowed") -> None:
        super().__init__(message, extensions={"code": "FORBIDDEN"})


class NotFoundGraphQLError(GraphQLError):
    def __init__(self, message: str = "not found") -> None:
        super().__init__(message, extensions={"code": "NOT_FOUND"})
