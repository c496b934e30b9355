"""`parley idp add`, `parley idp list` and `parley idp disable` against PostgreSQL."""

import asyncio
import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from api.commands.idp import idp
from domain.db.session import Database
from domain.settings import Settings
from tests.factories import make_tenant

pytestmark = pytest.mark.postgres

ISSUER = "https://login.acme-sso.example"


async def parley_idp(settings: Settings, *arguments: str) -> Result:
    """`parley idp …` in a worker thread (the command runs its own event loop)."""
    return await asyncio.to_thread(
        CliRunner().invoke, idp, list(arguments), obj={"settings": settings}
    )


def json_lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.strip().splitlines()]


async def test_add_list_and_disable(pg_database: Database, services_settings: Settings) -> None:
    await make_tenant(pg_database, "acme-idp")
    added = await parley_idp(
        services_settings,
        "add", "--tenant", "acme-idp", "--issuer", ISSUER, "--audience", "parley", "--json",
    )  # fmt: skip
    (provider,) = json_lines(added)
    assert {key: value for key, value in provider.items() if key != "id"} == {
        "tenant": "acme-idp",
        "issuer": ISSUER,
        "audience": "parley",
        "algorithms": ["RS256"],
        "claim": "email",
        "enabled": True,
    }
    second = await parley_idp(
        services_settings,
        "add", "--tenant", "acme-idp", "--issuer", "http://127.0.0.1:8081/realms/care",
        "--audience", "parley", "--claim", "sub", "--algorithm", "ES256", "--algorithm", "RS256",
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    assert second.stdout == (
        "added http://127.0.0.1:8081/realms/care  audience=parley  claim=sub"
        "  algorithms=ES256,RS256  enabled\n"
    )

    listed = await parley_idp(services_settings, "list", "--tenant", "acme-idp")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        "http://127.0.0.1:8081/realms/care  audience=parley  claim=sub"
        "  algorithms=ES256,RS256  enabled",
        f"{ISSUER}  audience=parley  claim=email  algorithms=RS256  enabled",
    ]

    disabled = await parley_idp(
        services_settings, "disable", "--tenant", "acme-idp", "--issuer", ISSUER, "--json"
    )
    assert json_lines(disabled)[0]["enabled"] is False
    listed = await parley_idp(services_settings, "list", "--tenant", "acme-idp", "--json")
    assert [(item["issuer"], item["enabled"]) for item in json_lines(listed)] == [
        ("http://127.0.0.1:8081/realms/care", True),
        (ISSUER, False),
    ]


async def test_refusals_are_errors_with_a_reason(
    pg_database: Database, services_settings: Settings
) -> None:
    await make_tenant(pg_database, "acme-idp")
    await make_tenant(pg_database, "bravo-idp")
    add = ("add", "--issuer", ISSUER, "--audience", "parley")
    assert (await parley_idp(services_settings, *add, "--tenant", "acme-idp")).exit_code == 0

    cases = [
        ((*add, "--tenant", "acme-idp"), "this tenant already trusts the issuer"),
        ((*add, "--tenant", "bravo-idp"), "the issuer and audience are registered already"),
        (
            ("add", "--tenant", "acme-idp", "--issuer", "http://sso.example", "--audience", "x"),
            "the issuer must be an https:// URL",
        ),
        (
            ("add", "--tenant", "acme-idp", "--issuer", f"{ISSUER}?x=1", "--audience", "x"),
            "the issuer must be a URL without query or fragment",
        ),
        (("disable", "--tenant", "bravo-idp", "--issuer", ISSUER), "no identity provider"),
        (("list", "--tenant", "nowhere"), "no tenant 'nowhere'"),
    ]
    for arguments, message in cases:
        result = await parley_idp(services_settings, *arguments)
        assert result.exit_code == 1, (arguments, result.output)
        assert message in result.stderr, (arguments, result.stderr)

    # The same issuer for another audience belongs to another tenant without conflict.
    other = await parley_idp(
        services_settings,
        "add", "--tenant", "bravo-idp", "--issuer", ISSUER, "--audience", "parley-bravo",
    )  # fmt: skip
    assert other.exit_code == 0, other.output
    acme = await parley_idp(services_settings, "list", "--tenant", "acme-idp", "--json")
    bravo = await parley_idp(services_settings, "list", "--tenant", "bravo-idp", "--json")
    assert [item["audience"] for item in json_lines(acme)] == ["parley"]
    assert [item["audience"] for item in json_lines(bravo)] == ["parley-bravo"]
