"""Abuse protection: limits, production hardening, transport rules."""

import httpx
import pytest
from graphql import GraphQLError

from api.app import create_app
from api.graphql.errors import ForbiddenError
from api.graphql.schema import _should_mask
from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from domain.demo.seed import seed_demo
from domain.settings import Settings

pytestmark = pytest.mark.postgres


async def agent_token(services: Services) -> str:
    seed = await seed_demo(services.database)
    agent = next(user for user in seed.users if user.role is Role.AGENT)
    return services.tokens.issue(
        subject=str(agent.user_id),
        tenant_id=seed.tenant_id,
        scopes=frozenset(scopes_for_role(Role.AGENT)),
        ttl_seconds=300,
    )


async def post(client: httpx.AsyncClient, token: str, query: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )


async def test_too_many_aliases_are_refused(client: httpx.AsyncClient, services: Services) -> None:
    token = await agent_token(services)
    aliases = " ".join(f"a{i}: viewer {{ role }}" for i in range(40))
    body = (await post(client, token, f"{{ {aliases} }}")).json()
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_too_many_tokens_are_refused(client: httpx.AsyncClient, services: Services) -> None:
    token = await agent_token(services)
    fields = " ".join(["role"] * 3000)
    body = (await post(client, token, f"{{ viewer {{ {fields} }} }}")).json()
    assert body["data"] is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_duplicated_fields_and_directives_stay_bounded(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await agent_token(services)
    directives = " ".join(["@include(if: true)"] * 2000)
    body = (await post(client, token, f"{{ viewer {{ role {directives} }} }}")).json()
    assert body["data"] is None


async def test_urlencoded_posts_are_refused(client: httpx.AsyncClient, services: Services) -> None:
    token = await agent_token(services)
    response = await client.post(
        "/graphql",
        content="query=%7B+viewer+%7B+role+%7D+%7D",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code in (400, 415)


async def test_unexpected_errors_are_masked_in_production_only() -> None:
    assert _should_mask(GraphQLError("boom", original_error=RuntimeError("db password"))) is True
    assert _should_mask(GraphQLError("nope", original_error=ForbiddenError())) is False
    assert _should_mask(GraphQLError("Syntax Error")) is False


async def test_production_hides_introspection_suggestions_and_graphiql(
    services: Services, services_settings: Settings
) -> None:
    token = await agent_token(services)
    production = services_settings.model_copy(update={"environment": "production"})
    app = create_app(production, services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as http:
        introspection = await post(http, token, "{ __schema { types { name } } }")
        typo = await post(http, token, "{ viewer { rol } }")
        ide = await http.get("/graphql", headers={"Accept": "text/html"})
        working = await post(http, token, "{ viewer { role } }")
    assert introspection.json()["data"] is None
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    assert "did you mean" not in typo.text.lower()
    assert ide.status_code == 401
    assert working.json() == {"data": {"viewer": {"role": "AGENT"}}}


async def test_development_keeps_suggestions(client: httpx.AsyncClient, services: Services) -> None:
    token = await agent_token(services)
    typo = await post(client, token, "{ viewer { rol } }")
    assert "did you mean 'role'" in typo.text.lower()
