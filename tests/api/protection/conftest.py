"""An agency, an agent's token and an SQL statement counter for the protection tests."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from api.services import Services
from domain.authz.policy import Role, scopes_for_role
from tests.factories import make_brand, make_member, make_tenant

#: Brands of the agency the protection tests run in.
BRAND_SLUGS = ("acme", "globex", "initech")


@pytest.fixture
async def agent_token(services: Services) -> str:
    """A token of an agent of the agency `protected-agency` with three brands."""
    tenant_id = await make_tenant(services.database, "protected-agency")
    for slug in BRAND_SLUGS:
        await make_brand(services.database, tenant_id, slug)
    agent_id = await make_member(
        services.database, tenant_id, "agent@protected.example", Role.AGENT
    )
    return services.tokens.issue(
        subject=str(agent_id),
        tenant_id=tenant_id,
        scopes=frozenset(scopes_for_role(Role.AGENT)),
        ttl_seconds=300,
    )


@pytest.fixture
def sql_statements(services: Services) -> Iterator[list[str]]:
    """Every SQL statement the API's engine runs while the test runs."""
    statements: list[str] = []
    engine = services.database.engine.sync_engine

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)
