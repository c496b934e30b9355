"""Every query and mutation of the schema × every caller, as the policy says.

Callers: anonymous (HTTP 401), the admin of another tenant (no data of tenant
A), each role without the permission (FORBIDDEN, nothing changed, no job), an
admin whose token carries only `inbox:read` (its scopes narrow its role) and
the permitted roles (data, or the change made).
"""

from typing import Any

import pytest

from domain.authz.policy import CLIENT_ROLES, Grantee, Role
from tests.api.authz.cases import (
    CASES,
    MUTATIONS,
    QUERIES,
    REFUSAL_CODES,
    document,
    has_content,
    refused,
    root_fields,
)
from tests.api.authz.conftest import CLIENT_BRAND, World, error_codes, gid, ids_in

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]


def test_every_root_field_of_the_schema_has_a_case() -> None:
    served = set(root_fields())
    assert sorted(served - set(CASES)) == [], "add these fields to tests/api/authz/cases.py"
    assert sorted(set(CASES) - served) == [], "these cases name fields the schema lacks"


def test_allowed_roles_are_derived_from_the_policy() -> None:
    assert CASES["Mutation.approvalDecide"].allowed_roles == {
        Role.OWNER,
        Role.ADMIN,
        Role.CLIENT_APPROVER,
    }
    assert CASES["Mutation.membershipCreate"].allowed_roles == {Role.OWNER, Role.ADMIN}
    assert CASES["Query.inbox"].allowed_roles == {
        Role.OWNER,
        Role.ADMIN,
        Role.AGENT,
        Role.ANALYST,
    }
    assert CASES["Query.brands"].allowed_roles == frozenset(Role)


#: An admin's token narrowed to reading the inbox: its scopes, not its role, refuse the rest.
NARROWED_SCOPES = frozenset({"inbox:read"})
NARROWED = Grantee(role=Role.ADMIN, brand_ids=frozenset(), scopes=NARROWED_SCOPES)


def second_brand_ids(world: World) -> set[Any]:
    """Ids of globex's objects, which the client roles (granted acme only) must never see."""
    return {
        world.brand_ids["globex"],
        world.channel_ids["globex"],
        world.conversation_ids["globex"],
        world.mention_ids["globex"],
    }


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_a_query_answers_each_caller_as_the_policy_says(world: World, name: str) -> None:
    key = f"Query.{name}"
    case = CASES[key]
    variables = await case.variables(world)
    query = document(key, variables)

    anonymous = await world.ask(None, query, variables)
    assert anonymous.status_code == 401, anonymous.text

    other = (await world.ask(world.other_token(), query, variables)).json()
    assert not ids_in(other.get("data")) & world.tenant_a_ids, other
    assert set(error_codes(other)) <= REFUSAL_CODES, other

    for role in Role:
        body = (await world.ask(world.token(role), query, variables)).json()
        if role in case.allowed_roles:
            assert "errors" not in body, (role, body)
            data = body["data"][name]
            assert data is not None, (role, body)
            assert case.empty_ok or has_content(data), (role, body)
            if role in CLIENT_ROLES:
                assert not ids_in(data) & second_brand_ids(world), (role, body)
        else:
            assert refused(body, name, listing=case.listing), (role, body)

    narrowed = (await world.ask(world.token(Role.ADMIN, NARROWED_SCOPES), query, variables)).json()
    if case.allows(NARROWED):
        assert "errors" not in narrowed, narrowed
    else:
        assert refused(narrowed, name, listing=case.listing), narrowed


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_a_mutation_refused_changes_nothing_and_queues_nothing(
    world: World, name: str
) -> None:
    key = f"Mutation.{name}"
    case = CASES[key]
    variables = await case.variables(world)
    mutation = document(key, variables)
    before, jobs_before = await world.fingerprint(), await world.queued_jobs()

    anonymous = await world.ask(None, mutation, variables)
    assert anonymous.status_code == 401, anonymous.text

    other = (await world.ask(world.other_token(), mutation, variables)).json()
    assert not ids_in(other.get("data")) & world.tenant_a_ids, other
    if ids_in(variables) & world.tenant_a_ids:
        # Acting on tenant A's objects: unknown to another tenant.
        assert refused(other, name, listing=False), other

    for role in sorted(set(Role) - case.allowed_roles):
        body = (await world.ask(world.token(role), mutation, variables)).json()
        assert refused(body, name, listing=False), (role, body)
        assert "FORBIDDEN" in set(error_codes(body)) | {
            error["code"] for error in (body["data"] or {}).get(name, {}).get("userErrors", [])
        }, (role, body)

    if not case.allows(NARROWED):
        narrowed = (
            await world.ask(world.token(Role.ADMIN, NARROWED_SCOPES), mutation, variables)
        ).json()
        assert refused(narrowed, name, listing=False), narrowed

    assert await world.fingerprint() == before
    assert await world.queued_jobs() == jobs_before

    permitted = case.permitted_role
    body = (await world.ask(world.token(permitted), mutation, variables)).json()
    assert "errors" not in body, (permitted, body)
    payload = body["data"][name]
    assert payload["userErrors"] == [], (permitted, body)
    assert await world.fingerprint() != before, f"{permitted} changed nothing: {body}"
    # The queue probe sees jobs: the permitted calls that send something enqueue one.
    assert await world.queued_jobs() - jobs_before == (1 if case.queues_job else 0), body


@pytest.mark.parametrize(
    ("type_name", "object_of"),
    [
        ("Brand", lambda w: w.brand_ids["globex"]),
        ("Channel", lambda w: w.channel_ids["globex"]),
        ("Conversation", lambda w: w.conversation_ids["globex"]),
        ("Mention", lambda w: w.mention_ids["globex"]),
    ],
)
@pytest.mark.parametrize("role", sorted(CLIENT_ROLES))
async def test_client_roles_get_null_for_nodes_of_a_brand_not_granted(
    world: World, role: Role, type_name: str, object_of: Any
) -> None:
    hidden = gid(type_name, object_of(world))
    granted = gid("Brand", world.brand_ids[CLIENT_BRAND])
    body = (
        await world.ask(
            world.token(role),
            "query ($id: ID!, $ids: [ID!]!) { node(id: $id) { id } nodes(ids: $ids) { id } }",
            {"id": hidden, "ids": [hidden, granted]},
        )
    ).json()
    assert "errors" not in body, body
    assert body["data"] == {"node": None, "nodes": [None, {"id": granted}]}


@pytest.mark.parametrize("role", sorted(CLIENT_ROLES))
async def test_client_roles_list_only_their_brand(world: World, role: Role) -> None:
    body = (
        await world.ask(
            world.token(role), "{ brands { nodes { slug } } viewer { brands { slug } } }"
        )
    ).json()
    assert "errors" not in body, body
    assert body["data"] == {
        "brands": {"nodes": [{"slug": CLIENT_BRAND}]},
        "viewer": {"brands": [{"slug": CLIENT_BRAND}]},
    }
