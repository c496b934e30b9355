"""The schema's root types, merged from the areas.

Each area under `api/graphql/<area>/` defines its own query, mutation and
subscription classes; add them to the tuples below. Roots without any area
are left out of the schema.
"""

from typing import Any

from strawberry.tools import merge_types

from api.graphql.viewer.queries import ViewerQueries

QUERY_AREAS: tuple[type, ...] = (ViewerQueries,)
MUTATION_AREAS: tuple[type, ...] = ()
SUBSCRIPTION_AREAS: tuple[type, ...] = ()


def _merged(name: str, areas: tuple[type, ...]) -> Any:
    return merge_types(name, areas) if areas else None


Query: Any = merge_types("Query", QUERY_AREAS)
Mutation: Any = _merged("Mutation", MUTATION_AREAS)
Subscription: Any = _merged("Subscription", SUBSCRIPTION_AREAS)
