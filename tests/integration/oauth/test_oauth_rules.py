"""The authorization server's pure rules: ids, scopes, redirect URIs, registrations, throttle."""

import uuid

import pytest

from domain.authz.policy import Role
from domain.oauth.errors import InvalidClientRegistrationError
from domain.oauth.rules import (
    ClientRegistration,
    LoginThrottle,
    check_client_registration,
    check_redirect_uri,
    client_id_for,
    format_scopes,
    grantable_scopes,
    granted_scopes,
    hash_opaque_token,
    tenant_of_client_id,
)

TENANT = uuid.UUID("0123456789abcdef0123456789abcdef")


def test_a_client_id_names_its_tenant_and_is_never_a_uuid() -> None:
    client_id = client_id_for(TENANT, "Zx-_9")
    assert client_id == "pc_0123456789abcdef0123456789abcdef_Zx-_9"
    assert tenant_of_client_id(client_id) == TENANT
    with pytest.raises(ValueError, match="badly formed"):
        uuid.UUID(client_id)


@pytest.mark.parametrize(
    "client_id",
    [
        None,
        "",
        "pc_",
        "0123456789abcdef0123456789abcdef_x",
        "pc_0123456789abcdef0123456789abcdef",
        "pc_0123456789abcdef0123456789abcdef_",
        "pc_0123456789ABCDEF0123456789abcdef_x",
        "pc_0123456789abcdef0123456789abcdeg_x",
        "pc_0123456789abcdef0123456789abcd_x",
        "pc_{0123456789abcdef0123456789abcd}_x",
    ],
)
def test_anything_else_names_no_tenant(client_id: str | None) -> None:
    assert tenant_of_client_id(client_id) is None


def test_opaque_tokens_are_hashed_with_sha256() -> None:
    assert hash_opaque_token("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_granted_scopes_are_requested_within_client_within_role() -> None:
    client_allowed = {"inbox:read", "inbox:write", "admin", "openid"}
    assert granted_scopes(
        requested={"inbox:read", "admin"}, client_allowed=client_allowed, role=Role.AGENT
    ) == {"inbox:read"}
    assert granted_scopes(requested=(), client_allowed=client_allowed, role=Role.ADMIN) == {
        "inbox:read",
        "inbox:write",
        "admin",
        "openid",
    }
    assert (
        granted_scopes(requested={"replies:send"}, client_allowed=client_allowed, role=Role.OWNER)
        == frozenset()
    )
    assert (
        granted_scopes(
            requested={"inbox:read"}, client_allowed=client_allowed, role=Role.CLIENT_VIEWER
        )
        == frozenset()
    )
    assert grantable_scopes(Role.CLIENT_VIEWER) == {"reports:read", "openid", "profile", "email"}
    assert format_scopes({"b", "a"}) == "a b"


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example/callback",
        "https://app.example:8443/cb?tenant=1",
        "http://127.0.0.1:5173/cb",
        "http://localhost/cb",
        "http://[::1]:8000/cb",
        "com.example.agentapp:/oauth/callback",
    ],
)
def test_redirect_uris_that_may_receive_codes(uri: str) -> None:
    assert check_redirect_uri(uri) == uri


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("http://app.example/cb", "http only on a loopback host"),
        ("https://app.example/cb#x", "has a fragment"),
        ("https:///cb", "has no host"),
        ("https://app.example/c b", "contains whitespace"),
        ("javascript:alert(1)", "use https"),
        ("ftp://app.example/cb", "use https"),
        ("", "empty or too long"),
        ("https://app.example/" + "x" * 2000, "empty or too long"),
    ],
)
def test_redirect_uris_that_may_not(uri: str, problem: str) -> None:
    with pytest.raises(InvalidClientRegistrationError, match=problem) as raised:
        check_redirect_uri(uri)
    assert raised.value.field == "redirect_uris"


def test_a_code_client_gets_refresh_tokens_and_sorted_scopes() -> None:
    registration = check_client_registration(
        grant_types=["authorization_code"],
        redirect_uris=["https://a.example/cb", "https://a.example/cb"],
        scopes=["inbox:write", "admin", "inbox:read"],
        role=Role.AGENT,
        is_public=True,
        brand_count=0,
    )
    assert registration == ClientRegistration(
        grant_types=("authorization_code", "refresh_token"),
        redirect_uris=("https://a.example/cb",),
        scopes=("admin", "inbox:read", "inbox:write"),
        role=Role.AGENT,
        is_public=True,
    )


def test_a_machine_client_is_bounded_by_its_role() -> None:
    registration = check_client_registration(
        grant_types=["client_credentials"],
        redirect_uris=[],
        scopes=["reports:read"],
        role=Role.CLIENT_VIEWER,
        is_public=False,
        brand_count=2,
    )
    assert registration.grant_types == ("client_credentials",)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"grant_types": []}, "grant_types", "grant types"),
        ({"grant_types": ["password"]}, "grant_types", "grant types"),
        ({"grant_types": ["refresh_token"]}, "grant_types", "grant types"),
        ({"is_public": True}, "public", "public client"),
        (
            {"redirect_uris": ["https://a.example/cb"]},
            "redirect_uris",
            "only for authorization_code",
        ),
        ({"scopes": []}, "scopes", "at least one scope"),
        ({"scopes": ["inbox:read", "root"]}, "scopes", "unknown scopes: root"),
        ({"scopes": ["admin"]}, "scopes", "role agent cannot use scopes: admin"),
        ({"role": Role.CLIENT_APPROVER, "scopes": ["approvals"]}, "brands", "at least one brand"),
        ({"brand_count": 1}, "brands", "brands are for client roles"),
    ],
)
def test_registrations_that_break_a_rule(
    changes: dict[str, object], field: str, message: str
) -> None:
    arguments: dict[str, object] = {
        "grant_types": ["client_credentials"],
        "redirect_uris": [],
        "scopes": ["inbox:read"],
        "role": Role.AGENT,
        "is_public": False,
        "brand_count": 0,
    }
    arguments.update(changes)
    with pytest.raises(InvalidClientRegistrationError, match=message) as raised:
        check_client_registration(**arguments)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_the_login_throttle_locks_per_account_and_per_address() -> None:
    throttle = LoginThrottle()
    assert not throttle.is_locked(account_failures=4, address_failures=19)
    assert throttle.is_locked(account_failures=5, address_failures=0)
    assert throttle.is_locked(account_failures=0, address_failures=20)
