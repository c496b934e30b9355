"""Every operation frontends register stays within the limits and the maximum cost.

Int variables without a default (page sizes) are taken at the most a
frontend may ask for (100), so the check holds for any variables.
"""

from pathlib import Path

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, parse, print_ast

from api.graphql.protection.cost import requested_cost
from api.graphql.protection.extensions import DEFAULT_MAX_COST
from api.graphql.protection.limits import check_document
from api.graphql.schema import DOCUMENT_LIMITS, build_schema
from domain.settings import Settings

OPERATIONS = Path(__file__).resolve().parents[3] / "frontend_contract" / "operations"
LARGEST_PAGE = 100


def registered_operations() -> list[tuple[str, str]]:
    found = []
    for path in sorted(OPERATIONS.glob("*.graphql")):
        for definition in parse(path.read_text()).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                found.append((path.name, definition.name.value))
    return found


def test_the_default_maximum_cost_is_the_configured_one() -> None:
    assert Settings.model_fields["graphql_max_cost"].default == DEFAULT_MAX_COST


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(production=True)._schema


@pytest.mark.parametrize(("file_name", "operation_name"), registered_operations())
def test_a_registered_operation_is_never_refused_by_a_limit(
    schema: GraphQLSchema, file_name: str, operation_name: str
) -> None:
    document = parse((OPERATIONS / file_name).read_text())
    assert check_document(document, DOCUMENT_LIMITS) is None
    operation = next(
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
        and definition.name is not None
        and definition.name.value == operation_name
    )
    # Only page arguments read Int variables for the cost; others are unaffected.
    page_variables = {
        variable.variable.name.value: LARGEST_PAGE
        for variable in operation.variable_definitions or ()
        if print_ast(variable.type).rstrip("!") == "Int" and variable.default_value is None
    }
    assert requested_cost(schema, document, operation, page_variables) <= DEFAULT_MAX_COST
