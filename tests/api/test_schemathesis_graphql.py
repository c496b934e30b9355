"""schemathesis (GraphQL mode) against the app: no HTTP 500, no internal error.

Queries and mutations generated from the app's own introspection (valid ones,
and invalid ones schemathesis derives from them) go through the real ASGI app
with an agent's token on the real services. Mutations may refuse with
`userErrors` or a coded error; what must never happen is a 500 or an error the
server did not expect (`INTERNAL_SERVER_ERROR`, masked in production).

Hypothesis only generates here (inside a synchronous `@given` function); the
requests are sent afterwards on the test's event loop, which the app's
database pool belongs to. The example budget is split over the operations so
the run stays bounded as the schema grows.
"""

import dataclasses
import json
from typing import Any

import httpx
import pytest
import schemathesis
from graphql import get_introspection_query
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.generation.case import Case

from api.app import create_app
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.settings import Settings
from tests.factories import make_brand, make_member, make_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

#: Requests per run, over all operations and both generation modes.
REQUEST_BUDGET = 300


def generate_cases(operations: list[Any], per_operation: int) -> list[Case[Any]]:
    """Cases hypothesis generates for each operation, positive and negative."""
    cases: list[Case[Any]] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @given(case=strategy)
            @settings(
                max_examples=per_operation,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                # The same cases every run: a finding reproduces, CI does not flicker.
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def collect(case: Case[Any]) -> None:
                cases.append(case)

            collect()
    return cases


def unexpected_problems(response: httpx.Response) -> list[str]:
    """What is wrong with one answer: a 5xx, a non-JSON body, an uncoded or internal error."""
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}: {response.text[:200]}"]
    try:
        body = response.json()
    except ValueError:
        return [f"HTTP {response.status_code} without JSON: {response.text[:200]}"]
    problems = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code is None or code == "INTERNAL_SERVER_ERROR":
            problems.append(f"{code}: {error.get('message')}")
    return problems


async def test_generated_operations_never_fail_on_the_server(
    services: Services, services_settings: Settings
) -> None:
    await services.search.ensure_ready()  # what start-up does: the indices exist
    tenant_id = await make_tenant(services.database, "fuzzed-agency")
    await make_brand(services.database, tenant_id, "acme")
    agent_id = await make_member(services.database, tenant_id, "agent@fuzzed.example", Role.AGENT)
    token = services.tokens.issue(
        subject=str(agent_id),
        tenant_id=tenant_id,
        scopes=frozenset(scopes_for_role(Role.AGENT)),
        ttl_seconds=600,
    )
    # Rate limits would turn most of the run into THROTTLED answers.
    unlimited = services_settings.model_copy(
        update={"graphql_rate_limit_points": 10**9, "graphql_rate_limit_restore_per_second": 10**9}
    )
    app = create_app(unlimited, services=dataclasses.replace(services, settings=unlimited))
    headers = {"Authorization": f"Bearer {token}"}
    # A crash is an HTTP 500 to the client, and a finding here.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        introspection = await http.post(
            "/graphql", json={"query": get_introspection_query()}, headers=headers
        )
        schema = schemathesis.graphql.from_dict(introspection.json())
        operations = [
            result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)
        ]
        per_operation = max(2, REQUEST_BUDGET // (2 * len(operations)))
        cases = generate_cases(operations, per_operation)
        problems: dict[str, list[str]] = {}
        for case in cases:
            body = schema.prepare_request_body(case)
            response = await http.post("/graphql", json=body, headers=headers)
            found = unexpected_problems(response)
            if found:
                problems[json.dumps(body)[:300]] = found
    assert len(cases) >= len(operations)
    assert problems == {}
