"""A third-party frontend runs every contract operation with tokens from the real endpoints.

Authorization code + PKCE through authlib's `AsyncOAuth2Client` and a browser
that signs in and consents; then every query and mutation registered in
`frontend_contract/operations/` runs with that token against a seeded world
(subscriptions only validate here; they run over WebSockets elsewhere). Then a
client-credentials token runs the read operations its role and scopes allow.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.constants import job_key_prefix
from authlib.common.security import generate_token
from graphql import OperationDefinitionNode, OperationType, parse, validate
from graphql.language import FieldNode
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from api.services import Services, build_services
from domain.authz.policy import ALL_SCOPES, Grantee, Permission, Role, decide
from domain.db.session import Database
from domain.settings import Settings
from tests.api.authz.cases import CASES, refused, schema
from tests.api.authz.conftest import CLIENT_BRAND, World, build_world, gid
from tests.api.oauth.conftest import (
    AUTHORIZE_URL,
    BASE_URL,
    TOKEN_URL,
    AsyncOAuth2Client,
    Browser,
    make_api_client,
    make_password_member,
    oauth_client,
)
from workers.queue import ArqJobQueue

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]

OPERATIONS = Path(__file__).resolve().parents[3] / "frontend_contract" / "operations"
FRONTEND_USER = "frontend-owner@agency.example"
#: What a client-credentials integration is registered as: an agent that reads.
INTEGRATION_ROLE = Role.AGENT
INTEGRATION_SCOPES = ("inbox:read",)


def contract_operations() -> list[tuple[str, OperationDefinitionNode, str]]:
    """(file name, operation, the file's text) for every named operation."""
    found = []
    for path in sorted(OPERATIONS.glob("*.graphql")):
        source = path.read_text("utf-8")
        for definition in parse(source).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                found.append((path.name, definition, source))
    return found


def root_field(operation: OperationDefinitionNode) -> str:
    first = operation.selection_set.selections[0]
    assert isinstance(first, FieldNode)
    root = {
        OperationType.QUERY: "Query",
        OperationType.MUTATION: "Mutation",
        OperationType.SUBSCRIPTION: "Subscription",
    }[operation.operation]
    return f"{root}.{first.name.value}"


Override = Callable[[World], Awaitable[dict[str, Any]]]


def given(build: Callable[[World], dict[str, Any]]) -> Override:
    async def variables(world: World) -> dict[str, Any]:
        return build(world)

    return variables


#: Operations whose variables are not the root field's arguments by the same names.
OVERRIDES: dict[str, Override] = {
    "AdminFailedInboundEvents": given(
        lambda w: {"channelId": gid("Channel", w.channel_ids[CLIENT_BRAND])}
    ),
    "AdminChannels": given(lambda w: {"brandId": gid("Brand", w.brand_ids[CLIENT_BRAND])}),
    "ApprovalRequest": given(lambda w: {"id": w.extra["approval"]}),
    "QnaVersionDiff": given(lambda w: {"id": w.extra["qnaVersion"], "against": None}),
    "ConversationSla": given(
        lambda w: {"id": gid("Conversation", w.conversation_ids[CLIENT_BRAND])}
    ),
}


#: Operations that also read a field guarded by a permission of its own.
NESTED_PERMISSIONS: dict[str, Permission] = {
    # The tenant's settings are for its owners (`Tenant.settings`).
    "AdminOverview": Permission.TENANT_MANAGE,
    # A channel's failed inbound events are for its managers (`Channel.failedInboundEvents`).
    "AdminFailedInboundEvents": Permission.CHANNEL_MANAGE,
}


async def variables_for(world: World, operation: OperationDefinitionNode) -> dict[str, Any]:
    """The operation's variables: its root field's matrix case, reshaped to what it declares."""
    assert operation.name is not None
    if operation.name.value in OVERRIDES:
        return await OVERRIDES[operation.name.value](world)
    built = await CASES[root_field(operation)].variables(world)
    declared = [variable.variable.name.value for variable in operation.variable_definitions or ()]
    if "input" in built and "input" not in declared:
        built = {**built["input"], "id": built["input"].get("conversationId")}
    return {name: built[name] for name in declared if name in built}


@pytest.fixture
def queue_name() -> str:
    return f"parley-test-contract-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def services(
    pg_database: Database, services_settings: Settings, redis_url: str, queue_name: str
) -> AsyncIterator[Services]:
    """The API's services with a job queue of this test's own (sends enqueue jobs)."""
    built = build_services(services_settings, queue=None)
    await built.search.ensure_ready()
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    built.queue = ArqJobQueue(pool, queue_name=queue_name)
    yield built
    job_ids = [member.decode() for member in await pool.zrange(queue_name, 0, -1)]
    await pool.delete(queue_name, *(job_key_prefix + job_id for job_id in job_ids))
    await built.aclose()


@pytest.fixture
async def world(
    services: Services,
    client: httpx.AsyncClient,
    owner_engine: AsyncEngine,
    redis_url: str,
    queue_name: str,
) -> AsyncIterator[World]:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    built = await build_world(services, client, owner_engine, redis, queue_name)
    await make_password_member(services.database, built.tenant_id, FRONTEND_USER, Role.OWNER)
    yield built
    await redis.aclose()


async def run(
    http: httpx.AsyncClient, token: str, source: str, name: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": source, "operationName": name, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, (name, response.text)
    body: dict[str, Any] = response.json()
    return body


def test_every_contract_operation_has_variables_and_validates() -> None:
    for file_name, operation, source in contract_operations():
        assert validate(schema(), parse(source)) == [], file_name
        assert operation.name is not None
        assert operation.name.value in OVERRIDES or root_field(operation) in CASES, file_name


async def test_code_flow_token_runs_every_contract_operation(
    app: Starlette, services: Services, world: World, browser: Browser, client: httpx.AsyncClient
) -> None:
    created = await make_api_client(
        services.database,
        world.tenant_id,
        scopes=ALL_SCOPES,
        role=Role.OWNER,
        name="Agency Console",
    )
    async with oauth_client(app, created, scope=" ".join(ALL_SCOPES)) as oauth:
        verifier = generate_token(64)
        url, _state = oauth.create_authorization_url(AUTHORIZE_URL, code_verifier=verifier)
        location = await browser.authorize(url, tenant="agency", email=FRONTEND_USER)
        token = await oauth.fetch_token(
            TOKEN_URL, authorization_response=location, code_verifier=verifier
        )
    assert set(token["scope"].split()) == set(ALL_SCOPES)

    ran = []
    for _file_name, operation, source in contract_operations():
        assert operation.name is not None
        if operation.operation is OperationType.SUBSCRIPTION:
            continue
        name = operation.name.value
        variables = await variables_for(world, operation)
        body = await run(client, token["access_token"], source, name, variables)
        assert "errors" not in body, (name, variables, body)
        assert body["data"] is not None, name
        ran.append(name)
    runnable = [
        operation
        for _file, operation, _source in contract_operations()
        if operation.operation is not OperationType.SUBSCRIPTION
    ]
    assert len(ran) == len(runnable) > 50


async def test_client_credentials_token_runs_the_read_operations_its_scopes_allow(
    app: Starlette, services: Services, world: World, client: httpx.AsyncClient
) -> None:
    created = await make_api_client(
        services.database,
        world.tenant_id,
        grant_types=("client_credentials",),
        scopes=INTEGRATION_SCOPES,
        role=INTEGRATION_ROLE,
        name="CRM sync",
    )
    async with AsyncOAuth2Client(
        client_id=created.client.client_id,
        client_secret=created.client_secret,
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
    ) as oauth:
        token = await oauth.fetch_token(TOKEN_URL, grant_type="client_credentials")
    integration = Grantee(
        role=INTEGRATION_ROLE, brand_ids=frozenset(), scopes=frozenset(INTEGRATION_SCOPES)
    )

    allowed, forbidden = [], []
    for _file_name, operation, source in contract_operations():
        if operation.operation is not OperationType.QUERY:
            continue
        assert operation.name is not None
        name = operation.name.value
        body = await run(
            client, token["access_token"], source, name, await variables_for(world, operation)
        )
        fields = root_fields_of(operation)
        nested = NESTED_PERMISSIONS.get(name)
        if not all(CASES[field].allows(integration) for field in fields):
            listing = all(CASES[field].listing for field in fields)
            assert refused(body, fields[0].split(".")[1], listing=listing), (name, body)
            forbidden.append(name)
        elif nested is not None and not decide(integration, nested).allowed:
            # The root field answers; the guarded field is refused on its own.
            assert {error["extensions"]["code"] for error in body["errors"]} == {"FORBIDDEN"}
            forbidden.append(name)
        else:
            assert "errors" not in body, (name, body)
            allowed.append(name)
    print(f"client credentials: {len(allowed)} read operations ran, {len(forbidden)} refused")
    assert "Viewer" in allowed
    assert "AgentInbox" in allowed
    assert "MentionSearch" in allowed
    assert "AdminApiClients" in forbidden


def root_fields_of(operation: OperationDefinitionNode) -> list[str]:
    return [
        f"Query.{selection.name.value}"
        for selection in operation.selection_set.selections
        if isinstance(selection, FieldNode)
    ]
