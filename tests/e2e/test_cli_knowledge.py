"""`parley qna import`, `parley qna suggest` and `parley tone check` on the real services."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from api.cli import main
from domain.authz.policy import Role
from domain.db.session import Database, create_engine
from domain.db.uow import UnitOfWork
from domain.knowledge.models import QnaEntry, QnaVersion
from domain.settings import Settings
from domain.shared.crypto import SecretBox
from domain.shared.tenancy import TenantScope
from search.documents import LOGICAL_INDICES
from search.indices import template_name
from search.opensearch import create_opensearch_client
from tests.factories import TEST_ACTOR, make_brand, make_member, make_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.opensearch]

QNA_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "qna.jsonl"
SUGGESTION_KEYS = {
    "id",
    "entry_id",
    "version",
    "score",
    "matched_variant",
    "matched_variant_highlight",
    "language",
    "is_fallback_language",
    "question",
    "coverage",
    "fits_well",
    "is_stale",
}


@dataclass(frozen=True)
class CliWorld:
    env: dict[str, str]
    database: Database
    tenant_id: uuid.UUID


@pytest.fixture
async def cli_world(
    pg_database: Database,
    services_settings: Settings,
    opensearch_url: str,
    encryption_key: str,
    tmp_path: Path,
) -> AsyncIterator[CliWorld]:
    tenant_id = await make_tenant(pg_database, "acme")
    await make_brand(pg_database, tenant_id, "wierzba")
    await make_brand(pg_database, tenant_id, "biryuza")
    await make_member(
        pg_database, tenant_id, "anna@wierzba.example", Role.CLIENT_APPROVER, ("wierzba",)
    )
    await make_member(
        pg_database, tenant_id, "boris@biryuza.example", Role.CLIENT_APPROVER, ("biryuza",)
    )
    prefix = f"{services_settings.search_index_prefix}-cli-{uuid.uuid4().hex[:8]}"
    env = {
        "PARLEY_DATABASE_URL": str(services_settings.database_url),
        "PARLEY_DATABASE_OWNER_URL": str(services_settings.database_owner_url),
        "PARLEY_REDIS_URL": str(services_settings.redis_url),
        "PARLEY_OPENSEARCH_URL": opensearch_url,
        "PARLEY_SEARCH_INDEX_PREFIX": prefix,
        "PARLEY_DATA_DIR": str(tmp_path),
        "PARLEY_ENCRYPTION_KEYS": encryption_key,
    }
    yield CliWorld(env=env, database=pg_database, tenant_id=tenant_id)
    client = create_opensearch_client(opensearch_url)
    try:
        await client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        for index_name in LOGICAL_INDICES:
            await client.indices.delete_index_template(
                name=template_name(prefix, index_name), ignore=[404]
            )
    finally:
        await client.close()


class Counter:
    """Counts rows from sync tests: each call runs in a fresh event loop of its own."""

    def __init__(self, world: CliWorld) -> None:
        self.url = world.env["PARLEY_DATABASE_URL"]
        self.tenant_id = world.tenant_id
        self.key = world.env["PARLEY_ENCRYPTION_KEYS"]

    def __call__(self) -> tuple[int, int]:
        async def count() -> tuple[int, int]:
            database = Database(create_engine(self.url), SecretBox([self.key]))
            try:
                async with UnitOfWork(
                    database, actor=TEST_ACTOR, scope=TenantScope(self.tenant_id)
                ) as uow:
                    entries = await uow.session.execute(select(func.count()).select_from(QnaEntry))
                    versions = await uow.session.execute(
                        select(func.count()).select_from(QnaVersion)
                    )
                    return entries.scalar_one(), versions.scalar_one()
            finally:
                await database.dispose()

        return asyncio.run(count())


@pytest.fixture
async def stored_counts(cli_world: CliWorld) -> Counter:
    return Counter(cli_world)


def run(env: dict[str, str], *arguments: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(arguments), env=env, input=stdin, catch_exceptions=False)


def json_lines(result: Result) -> list[dict[str, object]]:
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.strip().splitlines()]


def test_qna_import_is_idempotent_and_needs_a_real_approver(
    cli_world: CliWorld, stored_counts: Counter, tmp_path: Path
) -> None:
    env = cli_world.env
    base = ("qna", "import", "--tenant", "acme", "--brand", "wierzba")

    refused = run(env, *base, "--approved-by", "boris@biryuza.example", str(QNA_FILE))
    assert refused.exit_code != 0
    assert refused.stdout == ""
    assert "boris@biryuza.example is not a client approver of this brand" in refused.stderr
    assert stored_counts() == (0, 0)

    [drafts] = json_lines(run(env, *base, "--json", str(QNA_FILE)))
    assert drafts == {
        "tenant": "acme",
        "brand": "wierzba",
        "entries": 20,
        "created": 20,
        "new_versions": 0,
        "approved": 0,
        "unchanged": 0,
        "other_brands": 77,
        "approved_by": None,
        "index_pending": False,
    }
    [again] = json_lines(run(env, *base, "--json", str(QNA_FILE)))
    assert (again["created"], again["unchanged"]) == (0, 20)
    assert stored_counts() == (20, 20)

    [signed] = json_lines(
        run(env, *base, "--approved-by", "Anna@Wierzba.example", "--json", str(QNA_FILE))
    )
    assert (signed["approved"], signed["approved_by"]) == (20, "anna@wierzba.example")
    [third] = json_lines(
        run(env, *base, "--approved-by", "anna@wierzba.example", "--json", str(QNA_FILE))
    )
    assert (third["approved"], third["unchanged"]) == (0, 20)
    assert stored_counts() == (20, 20)

    # The export is the approved content in the import's shape: importing it changes nothing.
    exported = run(env, "qna", "export", "--tenant", "acme", "--brand", "wierzba")
    assert exported.exit_code == 0, exported.stderr
    lines = exported.stdout.splitlines()
    shared = {
        record["id"]: record
        for record in map(json.loads, QNA_FILE.read_text("utf-8").splitlines())
        if record["brand"] == "wierzba"
    }
    assert {record["id"]: record for record in map(json.loads, lines)} == shared
    exported_file = tmp_path / "wierzba.jsonl"
    exported_file.write_text(exported.stdout, encoding="utf-8")
    [reimported] = json_lines(run(env, *base, "--json", str(exported_file)))
    assert (reimported["unchanged"], reimported["other_brands"]) == (20, 0)
    assert stored_counts() == (20, 20)


def test_qna_suggest_prints_json_lines_and_says_when_nothing_fits(cli_world: CliWorld) -> None:
    env = cli_world.env
    base = ("--tenant", "acme", "--brand", "wierzba")
    # Drafts only: nothing is suggested.
    run(env, "qna", "import", *base, str(QNA_FILE))
    question = "Jak zgłosić szkodę, gdy sprawca ma OC w Wierzbie?"
    assert json_lines(run(env, "qna", "suggest", *base, "--language", "pl", question)) == [
        {"no_good_match": True}
    ]

    run(env, "qna", "import", *base, "--approved-by", "anna@wierzba.example", str(QNA_FILE))
    suggestions = json_lines(run(env, "qna", "suggest", *base, "--language", "pl", question))
    assert 1 <= len(suggestions) <= 5
    assert all(set(line) == SUGGESTION_KEYS for line in suggestions)
    top = suggestions[0]
    assert (top["id"], top["version"], top["language"], top["fits_well"]) == (
        "qna-wierzba-001",
        1,
        "pl",
        True,
    )
    assert top["matched_variant"] == "Jak zgłosić szkodę, jeśli sprawca ma OC w Wierzbie?"
    assert top["question"] == "Jak zgłosić szkodę, jeśli sprawca ma OC w Wierzbie?"
    well = [line for line in suggestions if line["fits_well"]]
    assert suggestions[: len(well)] == well  # well-fitting entries come first
    scores = [float(str(line["score"])) for line in well]
    assert scores == sorted(scores, reverse=True)

    unrelated = json_lines(
        run(env, "qna", "suggest", *base, "--language", "pl", "Jaka będzie jutro pogoda?")
    )
    assert unrelated[-1] == {"no_good_match": True}
    assert all(line.get("fits_well") is False for line in unrelated[:-1])

    # Another brand of the tenant has nothing approved: nothing of wierzba leaks into it.
    assert json_lines(
        run(env, "qna", "suggest", "--tenant", "acme", "--brand", "biryuza", question)
    ) == [{"no_good_match": True}]

    unknown = run(env, "qna", "suggest", "--tenant", "acme", "--brand", "nope", question)
    assert unknown.exit_code != 0
    assert "no brand 'nope'" in unknown.stderr


def test_tone_check_prints_the_findings_as_json(cli_world: CliWorld) -> None:
    env = cli_world.env
    draft = "Napisz do nas na priv 🙂"
    result = run(
        env,
        *("tone", "check", "--tenant", "acme", "--brand", "wierzba", "--channel", "x"),
        *("--language", "pl", "--context", "complaint"),
        stdin=draft,
    )
    [report] = json_lines(result)
    assert set(report) == {"brand", "language", "guidelines", "guideline_version", "findings"}
    assert (report["brand"], report["language"], report["guidelines"]) == (
        "wierzba",
        "pl",
        "built_in_demo",
    )
    assert report["guideline_version"] is None
    findings = report["findings"]
    assert isinstance(findings, list)
    assert [(f["kind"], f["severity"], f["span"], f["text"], set(f)) for f in findings] == [
        (
            "empty_redirect",
            "error",
            {"start": 0, "end": 23},
            "Napisz do nas na priv 🙂",
            {"kind", "severity", "message", "span", "text"},
        ),
        (
            "wrong_address_form",
            "error",
            {"start": 0, "end": 6},
            "Napisz",
            {"kind", "severity", "message", "span", "text"},
        ),
        (
            "emoji_policy",
            "error",
            {"start": 22, "end": 23},
            "🙂",
            {"kind", "severity", "message", "span", "text"},
        ),
    ]
    assert "private messages" in findings[0]["message"]
    assert "informally" in findings[1]["message"]

    clean = run(
        env,
        *("tone", "check", "--tenant", "acme", "--brand", "wierzba", "--language", "pl"),
        stdin="Dzień dobry, prosimy o numer szkody w wiadomości prywatnej – sprawdzimy status "
        "i odpowiemy w ciągu 2 dni roboczych.",
    )
    assert json_lines(clean)[0]["findings"] == []
