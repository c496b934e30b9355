"""graphql-cop's checks, rewritten as our own tests through the real ASGI app.

Every hostile request is refused with a clear error before any resolver runs:
the API runs no more SQL for it than for a request that fails validation
(authentication's own reads are the same for both).
"""

from typing import Any

import httpx
import pytest
from graphql import get_introspection_query
from starlette.applications import Starlette

from api.app import create_app
from api.services import Services
from domain.settings import Settings

pytestmark = pytest.mark.postgres


async def post(client: httpx.AsyncClient, token: str, body: Any) -> httpx.Response:
    return await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})


async def refused(
    client: httpx.AsyncClient, token: str, sql_statements: list[str], query: str
) -> dict[str, Any]:
    """The single error of refusing `query`, checked to have run no resolver."""
    sql_statements.clear()
    await post(client, token, {"query": "{ viewer { notAField } }"})
    baseline = len(sql_statements)
    sql_statements.clear()
    response = await post(client, token, {"query": query})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert len(body["errors"]) == 1
    assert len(sql_statements) == baseline
    error: dict[str, Any] = body["errors"][0]
    return error


async def test_a_plain_query_runs_and_reports_its_cost(
    client: httpx.AsyncClient, agent_token: str, sql_statements: list[str]
) -> None:
    sql_statements.clear()
    await post(client, agent_token, {"query": "{ viewer { notAField } }"})
    baseline = len(sql_statements)
    sql_statements.clear()
    response = await post(client, agent_token, {"query": "{ viewer { role tenant { slug } } }"})
    body = response.json()
    assert body["data"] == {"viewer": {"role": "AGENT", "tenant": {"slug": "protected-agency"}}}
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2
    assert body["extensions"]["cost"]["actualQueryCost"] == 2
    assert len(sql_statements) > baseline


async def test_deep_nesting_is_refused(
    client: httpx.AsyncClient, agent_token: str, sql_statements: list[str]
) -> None:
    # Refused before validation: whether the fields exist is not even looked at.
    nested = "{ tenant " * 15 + "{ id }" + " }" * 15
    error = await refused(client, agent_token, sql_statements, f"{{ viewer {nested} }}")
    assert error["extensions"] == {"code": "MAX_DEPTH_EXCEEDED", "depth": 17, "maxDepth": 12}
    assert error["message"] == "The operation is 17 levels deep; at most 12 are allowed."


async def test_deep_nesting_through_fragments_is_refused(
    client: httpx.AsyncClient, agent_token: str, sql_statements: list[str]
) -> None:
    fragments = " ".join(
        f"fragment T{i} on Tenant {{ owner {{ ...T{i + 1} }} }}" for i in range(12)
    )
    query = f"{{ viewer {{ tenant {{ ...T0 }} }} }} {fragments} fragment T12 on Tenant {{ id }}"
    error = await refused(client, agent_token, sql_statements, query)
    assert error["extensions"]["code"] == "MAX_DEPTH_EXCEEDED"


async def test_introspection_does_not_count_towards_depth_in_development(
    client: httpx.AsyncClient, agent_token: str
) -> None:
    response = await post(client, agent_token, {"query": get_introspection_query()})
    assert "errors" not in response.json()
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_a_thousand_aliases_are_refused(
    client: httpx.AsyncClient, agent_token: str, sql_statements: list[str]
) -> None:
    thousand = " ".join(f"a{i}: __typename" for i in range(1000))
    error = await refused(client, agent_token, sql_statements, f"{{ {thousand} }}")
    assert error["extensions"] == {"code": "MAX_TOKENS_EXCEEDED"}
    assert error["message"] == (
        "Syntax Error: Document contains more than 3000 tokens. Parsing aborted."
    )
    # Below the token limit, the alias limit speaks.
    many = " ".join(f"a{i}: viewer {{ role }}" for i in range(31))
    error = await refused(client, agent_token, sql_statements, f"{{ {many} }}")
    assert error["extensions"] == {"code": "MAX_ALIASES_EXCEEDED", "aliases": 31, "maxAliases": 30}


async def test_duplicated_fields_are_refused(
    client: httpx.AsyncClient, agent_token: str, sql_statements: list[str]
) -> None:
    fields = " ".join(["role"] * 1000)
    error = await refused(client, agent_token, sql_statements, f"{{ viewer {{ {fields} }} }}")
    assert error["extensions"] == {"code": "DUPLICATED_FIELDS", "copies": 1000, "maxCopies": 3}
    assert error["message"] == (
        "A selection repeats the field 'role' 1000 times; at most 3 copies are allowed."
    )


async def test_directive_overloading_is_refused(
    client: httpx.AsyncClient, agent_token: str, sql_statements: list[str]
) -> None:
    unknown = "@aa" * 1000
    error = await refused(client, agent_token, sql_statements, f"{{ viewer {{ role {unknown} }} }}")
    assert error["extensions"] == {
        "code": "MAX_DIRECTIVES_EXCEEDED",
        "directives": 1000,
        "maxDirectives": 50,
    }
    repeated = " ".join(["@include(if: true)"] * 51)
    error = await refused(
        client, agent_token, sql_statements, f"{{ viewer {{ role {repeated} }} }}"
    )
    assert error["extensions"]["code"] == "MAX_DIRECTIVES_EXCEEDED"


async def test_circular_fragments_are_refused(
    client: httpx.AsyncClient, agent_token: str, sql_statements: list[str]
) -> None:
    query = "{ viewer { ...A } } fragment A on Viewer { role ...B } fragment B on Viewer { ...A }"
    error = await refused(client, agent_token, sql_statements, query)
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert error["message"] == "Cannot spread fragment 'A' within itself via 'B'."


async def test_a_query_costing_too_much_is_refused_before_it_runs(
    client: httpx.AsyncClient, agent_token: str, sql_statements: list[str]
) -> None:
    # Each of the 600 edges holds an edge and a node: 1 + 600 * 2 points.
    query = "query Big($n: Int) { inbox(first: $n) { edges { node { id } } } }"
    sql_statements.clear()
    await post(client, agent_token, {"query": "{ viewer { notAField } }"})
    baseline = len(sql_statements)
    sql_statements.clear()
    body = (await post(client, agent_token, {"query": query, "variables": {"n": 600}})).json()
    assert len(sql_statements) == baseline
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {
        "code": "MAX_COST_EXCEEDED",
        "requestedQueryCost": 1201,
        "maxCost": 1000,
    }
    assert body["errors"][0]["message"] == (
        "The operation costs 1201 points; at most 1000 are allowed per operation."
    )
    assert body["extensions"]["cost"]["requestedQueryCost"] == 1201
    assert body["extensions"]["cost"]["actualQueryCost"] is None


async def test_batched_arrays_are_refused(client: httpx.AsyncClient, agent_token: str) -> None:
    batch = [{"query": "{ viewer { role } }"}] * 2
    response = await post(client, agent_token, batch)
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "Batching is not enabled", "extensions": {"code": "BAD_REQUEST"}}]
    }


async def test_mutations_over_get_are_refused(client: httpx.AsyncClient, agent_token: str) -> None:
    response = await client.get(
        "/graphql",
        params={"query": "mutation { viewer { role } }"},
        headers={"Authorization": f"Bearer {agent_token}"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "mutations are not allowed when using GET",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


async def test_urlencoded_posts_are_refused(client: httpx.AsyncClient, agent_token: str) -> None:
    response = await client.post(
        "/graphql",
        content="query=%7B+viewer+%7B+role+%7D+%7D",
        headers={
            "Authorization": f"Bearer {agent_token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_production_refuses_introspection_and_graphiql_and_hides_suggestions(
    services: Services, services_settings: Settings, agent_token: str
) -> None:
    production = services_settings.model_copy(update={"environment": "production"})
    app = create_app(production, services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        introspection = await post(http, agent_token, {"query": "{ __schema { types { name } } }"})
        by_type = await post(http, agent_token, {"query": '{ __type(name: "Viewer") { name } }'})
        typo = await post(http, agent_token, {"query": "{ viewer { rol } }"})
        ide = await http.get("/graphql", headers={"Accept": "text/html"})
        working = await post(http, agent_token, {"query": "{ viewer { role } }"})
    assert ide.status_code == 401
    assert working.json()["data"] == {"viewer": {"role": "AGENT"}}
    for response in (introspection, by_type):
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "INTROSPECTION_DISABLED"}
        assert "introspection has been disabled" in error["message"]
    assert typo.json()["errors"][0] == {
        "message": "Cannot query field 'rol' on type 'Viewer'.",
        "locations": [{"line": 1, "column": 12}],
        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
    }
    assert "did you mean" not in typo.text.lower()


async def test_development_keeps_introspection_and_suggestions(
    client: httpx.AsyncClient, agent_token: str
) -> None:
    introspection = await post(
        client, agent_token, {"query": "{ __schema { queryType { name } } }"}
    )
    typo = await post(client, agent_token, {"query": "{ viewer { rol } }"})
    assert introspection.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert introspection.json()["extensions"]["cost"]["requestedQueryCost"] == 0
    assert "Did you mean 'role'?" in typo.json()["errors"][0]["message"]


@pytest.mark.parametrize("body", ['"{ viewer { role } }"', "42", "null", "[1]", "{"])
async def test_json_bodies_that_are_not_an_operation_are_refused(
    app: Starlette, agent_token: str, body: str
) -> None:
    # Not through the `client` fixture: a crash must show as the 500 a client would get.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        response = await http.post(
            "/graphql",
            content=body,
            headers={"Authorization": f"Bearer {agent_token}", "Content-Type": "application/json"},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
