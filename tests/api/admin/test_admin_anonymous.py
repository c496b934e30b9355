"""Without a token every admin query and mutation is refused with 401, and nothing changes."""

import httpx
import pytest

from tests.api.admin.conftest import error_codes, gql

pytestmark = pytest.mark.postgres

DUMMY_ID = "QnJhbmQ6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"
OPERATIONS = [
    "query { tenant { slug } }",
    "query { memberships { nodes { id } } }",
    "query { users { nodes { id } } }",
    "query { apiClients { nodes { id } } }",
    "query { brands { nodes { id } } }",
    f'query {{ brand(id: "{DUMMY_ID}") {{ id }} }}',
    "query { channels { nodes { id } } }",
    'mutation { brandCreate(input: {slug: "x", name: "X"}) { userErrors { code } } }',
    f'mutation {{ brandUpdate(input: {{brandId: "{DUMMY_ID}", name: "X"}}) '
    "{ userErrors { code } } }",
    f'mutation {{ channelCreate(input: {{brandId: "{DUMMY_ID}", kind: TELEGRAM, '
    'externalAccountId: "1"}) { userErrors { code } } }',
    f'mutation {{ channelUpdate(input: {{channelId: "{DUMMY_ID}", name: "x"}}) '
    "{ userErrors { code } } }",
    'mutation { membershipCreate(input: {email: "a@b.example", role: AGENT}) '
    "{ userErrors { code } } }",
    f'mutation {{ membershipUpdate(input: {{membershipId: "{DUMMY_ID}", role: AGENT}}) '
    "{ userErrors { code } } }",
    f'mutation {{ membershipDeactivate(input: {{membershipId: "{DUMMY_ID}"}}) '
    "{ userErrors { code } } }",
    'mutation { apiClientCreate(input: {name: "x", grantTypes: [CLIENT_CREDENTIALS], '
    'scopes: ["inbox:read"]}) { clientSecret userErrors { code } } }',
    f'mutation {{ apiClientRevoke(input: {{apiClientId: "{DUMMY_ID}"}}) '
    "{ userErrors { code } } }",
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda text: text.split("{")[1].strip())
async def test_anonymous_callers_get_401(client: httpx.AsyncClient, operation: str) -> None:
    body = await gql(client, None, operation)
    assert body["status_code"] == 401
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body.get("data") is None
