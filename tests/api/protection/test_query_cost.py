"""The cost rules, on a small schema shaped like ours (no I/O)."""

from typing import Any

import pytest
from graphql import build_schema, parse

from api.graphql.protection.cost import actual_cost, requested_cost, select_operation

SCHEMA = build_schema(
    """
    interface Node { id: ID! }
    type Query {
      version: String!
      viewer: Viewer!
      inbox(first: Int, last: Int, after: String): ConversationConnection!
      nodes(ids: [ID!]!): [Node]!
    }
    type Viewer { role: String! brands: [Brand!]! }
    type Brand implements Node { id: ID! name: String! }
    type ConversationConnection {
      edges: [ConversationEdge!]!
      nodes: [Conversation!]!
      pageInfo: PageInfo!
      totalCount: Int
    }
    type ConversationEdge { cursor: String! node: Conversation! }
    type Conversation implements Node {
      id: ID!
      customer: Brand
      mentions(first: Int): MentionConnection!
    }
    type MentionConnection { nodes: [Mention!]! }
    type Mention { id: ID! }
    type PageInfo { hasNextPage: Boolean! }
    type Mutation { conversationAssign(input: String!): AssignPayload! }
    type AssignPayload { conversation: Conversation userErrors: [UserError!]! }
    type UserError { message: String! }
    """
)


def cost_of(query: str, variables: dict[str, Any] | None = None) -> int:
    document = parse(query)
    operation = select_operation(document, None)
    assert operation is not None
    return requested_cost(SCHEMA, document, operation, variables)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ version }", 0),
        ("{ viewer { role } }", 1),
        ("{ viewer { brands { id name } } }", 1 + 5),
        ("{ inbox(first: 50) { edges { node { id } } pageInfo { hasNextPage } totalCount } }", 102),
        ("{ inbox(last: 7) { nodes { id } } }", 1 + 7),
        ("{ inbox { edges { cursor node { id } } } }", 1 + 20 * 2),
        ("{ inbox(first: 10) { nodes { mentions(first: 5) { nodes { id } } } } }", 71),
        ("{ inbox(first: 2) { nodes { mentions { nodes { id } } } } }", 1 + 2 * (1 + 1 + 20)),
        ('{ nodes(ids: ["a", "b", "c"]) { id } }', 3),
        ("{ ...Root } fragment Root on Query { viewer { role } }", 1),
        ("{ nodes(ids: []) { ... on Brand { name } } }", 0),
        ("{ __schema { types { name fields { name } } } }", 0),
        ("{ __typename viewer { __typename } }", 1),
        ('mutation { conversationAssign(input: "x") { conversation { id } } }', 10 + 1),
        ('mutation { a: conversationAssign(input: "x") { userErrors { message } } }', 10 + 5),
    ],
)
def test_requested_cost_follows_the_rules(query: str, expected: int) -> None:
    assert cost_of(query) == expected


def test_page_sizes_and_ids_may_come_from_variables() -> None:
    query = """
      query Q($n: Int, $ids: [ID!]!) { inbox(first: $n) { nodes { id } } nodes(ids: $ids) { id } }
    """
    assert cost_of(query, {"n": 100, "ids": ["a", "b"]}) == 1 + 100 + 2
    assert cost_of(query, {"n": None, "ids": ["a"]}) == 1 + 20 + 1


def test_invalid_documents_cost_what_can_be_known() -> None:
    assert cost_of("{ viewer { unknown { id } brands { id } } nope }") == 6
    assert (
        cost_of(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A viewer { role } }"
        )
        == 1
    )


def test_fragment_bombs_are_costed_without_expanding_them() -> None:
    levels = 40
    fragments = " ".join(
        f"fragment F{i} on Viewer {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    query = (
        f"{{ viewer {{ ...F0 }} }} {fragments} fragment F{levels} on Viewer {{ brands {{ id }} }}"
    )
    cost = cost_of(query)
    assert cost == 1 + 2**levels * 5


def test_the_named_operation_is_costed() -> None:
    document = parse("query A { viewer { role } } query B { inbox(first: 3) { nodes { id } } }")
    operation = select_operation(document, "B")
    assert operation is not None
    assert requested_cost(SCHEMA, document, operation, None) == 4
    assert select_operation(document, None) is None
    assert select_operation(document, "C") is None


def actual_of(query: str, data: dict[str, Any] | None) -> int:
    document = parse(query)
    operation = select_operation(document, None)
    assert operation is not None
    return actual_cost(SCHEMA, document, operation, data)


def test_actual_cost_counts_the_objects_returned() -> None:
    query = (
        "{ inbox(first: 50) { edges { node { id customer { id } } } pageInfo { hasNextPage } } }"
    )
    data = {
        "inbox": {
            "edges": [
                {"node": {"id": "1", "customer": {"id": "b"}}},
                {"node": {"id": "2", "customer": None}},
            ],
            "pageInfo": {"hasNextPage": False},
        }
    }
    assert actual_of(query, data) == 1 + 2 + 2 + 1 + 1
    assert actual_of(query, None) == 0


def test_actual_cost_follows_aliases_fragments_and_merged_fields() -> None:
    query = """
      { a: viewer { role } viewer { ...V } viewer { role } __schema { queryType { name } } }
      fragment V on Viewer { brands { id } }
    """
    data = {
        "a": {"role": "AGENT"},
        "viewer": {"role": "AGENT", "brands": [{"id": "1"}, {"id": "2"}]},
        "__schema": {"queryType": {"name": "Query"}},
    }
    assert actual_of(query, data) == 1 + 1 + 2


def test_actual_cost_of_mutations_counts_each_mutation_field() -> None:
    query = (
        'mutation { conversationAssign(input: "x") { conversation { id } userErrors { message } } }'
    )
    data = {"conversationAssign": {"conversation": {"id": "1"}, "userErrors": []}}
    assert actual_of(query, data) == 10 + 1
