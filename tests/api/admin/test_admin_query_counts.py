"""The admin lists load their relations in batches: statements do not grow with the page."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from api.services import Services
from domain.authz.policy import Role
from tests.api.admin.conftest import Agency, gql
from tests.factories import make_channel

pytestmark = pytest.mark.postgres

CHANNELS = """
query Channels($first: Int) {
  channels(first: $first) {
    nodes {
      name brand { slug } health { status }
      failedInboundEvents(first: 5) { nodes { dedupeKey } }
    }
  }
}
"""
# Client viewers only: every row of either page has brands to load.
MEMBERSHIPS = """
query Members($first: Int) {
  memberships(first: $first, filter: {role: CLIENT_VIEWER}) {
    nodes { role user { email } brands { slug } }
  }
}
"""
CREATE_MEMBER = """
mutation Create($input: MembershipCreateInput!) {
  membershipCreate(input: $input) { userErrors { code } }
}
"""
CLIENTS = (
    "query Clients($first: Int) { apiClients(first: $first) { nodes { name brands { slug } } } }"
)
CREATE_CLIENT = """
mutation Create($input: ApiClientCreateInput!) {
  apiClientCreate(input: $input) { userErrors { code } }
}
"""


@contextmanager
def counted_statements(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = services.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def statements_for(
    client: httpx.AsyncClient, services: Services, token: str, query: str, first: int
) -> int:
    with counted_statements(services) as statements:
        body = await gql(client, token, query, {"first": first})
    assert "errors" not in body, body
    return len(statements)


async def test_lists_cost_the_same_number_of_statements_for_any_page_size(
    client: httpx.AsyncClient, services: Services, agency: Agency
) -> None:
    for index in range(6):
        brand = agency.brand_ids["acme" if index % 2 else "bolt"]
        await make_channel(
            services.database, agency.tenant_id, brand, external_account_id=f"page-{index}"
        )
        await gql(
            client,
            agency.token(Role.ADMIN),
            CREATE_CLIENT,
            {
                "input": {
                    "name": f"portal {index}",
                    "grantTypes": ["CLIENT_CREDENTIALS"],
                    "scopes": ["reports:read"],
                    "role": "CLIENT_VIEWER",
                    "brandIds": [agency.brand_gid("acme"), agency.brand_gid("bolt")],
                }
            },
        )
        await gql(
            client,
            agency.token(Role.ADMIN),
            CREATE_MEMBER,
            {
                "input": {
                    "email": f"viewer-{index}@client.example",
                    "role": "CLIENT_VIEWER",
                    "brandIds": [agency.brand_gid("bolt")],
                }
            },
        )
    token = agency.token(Role.OWNER)
    for query in (CHANNELS, MEMBERSHIPS, CLIENTS):
        small = await statements_for(client, services, token, query, 1)
        large = await statements_for(client, services, token, query, 6)
        assert small == large, query
