"""Every error carries `extensions.code`; unexpected ones are masked in production."""

from typing import Any

import pytest
import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig

from api.graphql.errors import ForbiddenError
from api.graphql.protection.extensions import is_unexpected_error
from api.graphql.schema import ParleySchema, protections
from domain.shared.errors import NotFoundError


class ConversationLockedError(GraphQLError):
    """An area's own error class, added after the protections were written."""

    def __init__(self) -> None:
        super().__init__("conversation is locked", extensions={"code": "CONVERSATION_LOCKED"})


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str | None:
        raise RuntimeError("password=hunter2")

    @strawberry.field
    def forbidden(self) -> str | None:
        raise ForbiddenError()

    @strawberry.field
    def locked(self) -> str | None:
        raise ConversationLockedError()

    @strawberry.field
    def missing(self) -> str | None:
        raise NotFoundError("conversation")

    @strawberry.field
    def fine(self) -> str:
        return "ok"


def schema(*, production: bool) -> ParleySchema:
    return ParleySchema(
        query=Query,
        extensions=protections(production=production),
        config=StrawberryConfig(disable_field_suggestions=production),
    )


async def errors_of(query: str, *, production: bool) -> list[dict[str, Any]]:
    result = await schema(production=production).execute(query)
    return [dict(error.formatted) for error in result.errors or []]


@pytest.mark.parametrize("production", [True, False])
async def test_expected_errors_keep_their_code_and_message(production: bool) -> None:
    errors = await errors_of("{ forbidden locked }", production=production)
    assert sorted((e["message"], e["extensions"]["code"]) for e in errors) == [
        ("conversation is locked", "CONVERSATION_LOCKED"),
        ("not allowed", "FORBIDDEN"),
    ]


async def test_unexpected_errors_are_masked_in_production() -> None:
    errors = await errors_of("{ broken missing fine }", production=True)
    assert [(e["message"], e["extensions"], e["path"]) for e in errors] == [
        ("Unexpected error.", {"code": "INTERNAL_SERVER_ERROR"}, ["broken"]),
        ("Unexpected error.", {"code": "INTERNAL_SERVER_ERROR"}, ["missing"]),
    ]


async def test_unexpected_errors_are_labelled_but_readable_in_development() -> None:
    errors = await errors_of("{ broken }", production=False)
    assert [(e["message"], e["extensions"]) for e in errors] == [
        ("password=hunter2", {"code": "INTERNAL_SERVER_ERROR"})
    ]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ fine", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ " + "fine " * 3001 + "}", "MAX_TOKENS_EXCEEDED"),
        ("{ fine fine fine fine }", "DUPLICATED_FIELDS"),
    ],
)
async def test_requests_refused_before_execution_have_a_code(query: str, code: str) -> None:
    for production in (True, False):
        errors = await errors_of(query, production=production)
        assert [error["extensions"]["code"] for error in errors] == [code]


def test_only_resolver_errors_without_a_code_are_unexpected() -> None:
    assert is_unexpected_error(GraphQLError("boom", original_error=RuntimeError("x"))) is True
    assert is_unexpected_error(GraphQLError("no", original_error=ForbiddenError())) is False
    assert is_unexpected_error(GraphQLError("Syntax Error: …")) is False
