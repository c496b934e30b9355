"""Documents found within the limits are remembered by query text; refused ones never are."""

import pytest
from graphql import GraphQLError

from api.graphql.protection.extensions import WithinLimits
from api.graphql.schema import build_schema

DEEP = "{ viewer " + "{ tenant " * 14 + "{ id }" + " }" * 15


def test_remembered_texts_are_bounded_and_the_least_recently_used_leave_first() -> None:
    within = WithinLimits(maxsize=2)
    within.add("{ a }")
    within.add("{ b }")
    assert "{ a }" in within  # now the most recently used
    within.add("{ c }")

    assert "{ a }" in within
    assert "{ b }" not in within
    assert "{ c }" in within
    assert None not in within


@pytest.mark.parametrize("attempt", [1, 2, 3])
async def test_a_document_beyond_the_limits_is_refused_every_time(attempt: int) -> None:
    schema = build_schema(production=True)
    for _ in range(attempt):
        result = await schema.execute(DEEP)
        assert result.errors is not None
        error = result.errors[0]
        assert isinstance(error, GraphQLError)
        assert (error.extensions or {}).get("code") == "MAX_DEPTH_EXCEEDED"


async def test_a_document_within_the_limits_runs_again_from_the_remembered_verdict() -> None:
    schema = build_schema(production=True)
    for _ in range(3):
        result = await schema.execute("{ __typename }")
        assert result.errors is None
        assert result.data == {"__typename": "Query"}
