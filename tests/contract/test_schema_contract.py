"""The committed schema is the contract: the code must match it exactly."""

from pathlib import Path

import pytest
from graphql import build_ast_schema, find_breaking_changes, parse, validate

from api.graphql.schema import build_schema

CONTRACT = Path(__file__).resolve().parents[2] / "frontend_contract"


def test_committed_schema_matches_the_code() -> None:
    committed = (CONTRACT / "schema.graphql").read_text("utf-8")
    generated = build_schema(production=False).as_str() + "\n"
    assert generated == committed, "schema drift: run `make schema` and log it in CHANGELOG.md"


@pytest.mark.parametrize(
    "operation", sorted((CONTRACT / "operations").glob("*.graphql")), ids=lambda path: path.name
)
def test_frontend_operations_are_valid_against_the_schema(operation: Path) -> None:
    schema = build_schema(production=False)._schema
    errors = validate(schema, parse(operation.read_text("utf-8")))
    assert errors == []


def test_every_field_has_a_description() -> None:
    schema = build_schema(production=False)._schema
    missing = [
        f"{type_name}.{field_name}"
        for type_name, graphql_type in schema.type_map.items()
        if not type_name.startswith("__") and hasattr(graphql_type, "fields")
        for field_name, field in graphql_type.fields.items()
        if not field.description
    ]
    assert missing == []


def test_no_breaking_change_against_the_released_schema() -> None:
    """A removal or narrowing must go through a deprecation period first.

    `released.graphql` is the last schema frontends were promised; it is
    updated when a release ships (and when a deprecated element's period ends).
    """
    released = build_ast_schema(parse((CONTRACT / "released.graphql").read_text("utf-8")))
    current = build_schema(production=False)._schema
    assert [change.description for change in find_breaking_changes(released, current)] == []
