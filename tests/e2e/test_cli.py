"""The `parley` CLI against the real services: one JSON object per command, errors on stderr."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import main
from api.services import build_token_service
from domain.db.session import Database
from domain.settings import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.opensearch]


@pytest.fixture
def cli_env(
    pg_database: Database, services_settings: Settings, encryption_key: str, tmp_path: Path
) -> dict[str, str]:
    return {
        "PARLEY_DATABASE_URL": str(services_settings.database_url),
        "PARLEY_DATABASE_OWNER_URL": str(services_settings.database_owner_url),
        "PARLEY_REDIS_URL": str(services_settings.redis_url),
        "PARLEY_OPENSEARCH_URL": str(services_settings.opensearch_url),
        "PARLEY_SEARCH_INDEX_PREFIX": services_settings.search_index_prefix,
        "PARLEY_DATA_DIR": str(tmp_path),
        "PARLEY_ENCRYPTION_KEYS": encryption_key,
    }


def run(env: dict[str, str], *arguments: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(arguments), env=env, input=stdin, catch_exceptions=False)


def one_json_object(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    parsed = json.loads(lines[0])
    assert isinstance(parsed, dict)
    return parsed


def test_tenant_user_and_token_commands(cli_env: dict[str, str], tmp_path: Path) -> None:
    created = one_json_object(
        run(cli_env, "tenant", "create", "--slug", "acme-care", "--name", "Acme Care", "--json")
    )
    assert (created["slug"], created["name"]) == ("acme-care", "Acme Care")

    duplicate = run(cli_env, "tenant", "create", "--slug", "acme-care", "--name", "x", "--json")
    assert duplicate.exit_code != 0
    assert duplicate.stdout == ""
    assert "tenant 'acme-care' exists" in duplicate.stderr

    member = one_json_object(
        run(
            cli_env,
            *("user", "create", "--tenant", "acme-care", "--email", "Lead@Acme.example"),
            *("--role", "admin", "--password-stdin", "--json"),
            stdin="a long enough password\n",
        )
    )
    assert (member["email"], member["role"]) == ("lead@acme.example", "admin")

    issued = one_json_object(
        run(
            cli_env,
            *("token", "issue", "--tenant", "acme-care", "--user", "lead@acme.example"),
            *("--scopes", "inbox:read,admin", "--ttl", "30m", "--json"),
        )
    )
    assert issued["expires_in"] == 1800
    assert issued["scope"] == "admin inbox:read"
    settings = Settings(_env_file=None, data_dir=tmp_path)
    token = build_token_service(settings).validate(str(issued["access_token"]))
    assert str(token.tenant_id) == created["id"]
    assert str(token.user_id) == member["user_id"]


def test_client_roles_need_brands_and_scopes_stay_within_the_role(
    cli_env: dict[str, str],
) -> None:
    seeded = one_json_object(run(cli_env, "seed", "demo", "--json"))
    brands = seeded["brands"]
    assert isinstance(brands, dict)
    assert sorted(brands) == ["biryuza", "forchetta", "kestrel", "nilgoon", "wierzba"]

    no_brand = run(
        cli_env,
        *("user", "create", "--tenant", "northwind-social", "--email", "c@brand.example"),
        *("--role", "client_viewer"),
    )
    assert no_brand.exit_code != 0
    assert "client_viewer needs at least one --brand" in no_brand.stderr

    unknown_brand = run(
        cli_env,
        *("user", "create", "--tenant", "northwind-social", "--email", "c@brand.example"),
        *("--role", "client_viewer", "--brand", "nope"),
    )
    assert unknown_brand.exit_code != 0
    assert "no brand 'nope'" in unknown_brand.stderr

    too_much = run(
        cli_env,
        *("token", "issue", "--tenant", "northwind-social"),
        *("--user", "viewer@northwind-social.example", "--scopes", "admin"),
    )
    assert too_much.exit_code != 0
    assert "role client_viewer cannot use scopes: admin" in too_much.stderr

    stranger = run(
        cli_env, "token", "issue", "--tenant", "northwind-social", "--user", "x@nowhere.example"
    )
    assert stranger.exit_code != 0
    assert "no user 'x@nowhere.example'" in stranger.stderr


def test_seed_demo_twice_is_idempotent(cli_env: dict[str, str]) -> None:
    first = one_json_object(run(cli_env, "seed", "demo", "--json"))
    second = one_json_object(run(cli_env, "seed", "demo", "--json"))
    assert first == second


def test_doctor_reports_the_real_services(cli_env: dict[str, str]) -> None:
    report = one_json_object(run(cli_env, "doctor", "--json"))
    assert report == {
        "database": {"backend": "postgresql", "answers": True},
        "queue": {"backend": "redis (arq)", "answers": True},
        "search": {"backend": "opensearch", "answers": True},
    }


def test_doctor_fails_when_a_service_does_not_answer(cli_env: dict[str, str]) -> None:
    broken = {**cli_env, "PARLEY_REDIS_URL": "redis://127.0.0.1:9/0"}
    result = run(broken, "doctor", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["queue"] == {"backend": "redis (arq)", "answers": False}
