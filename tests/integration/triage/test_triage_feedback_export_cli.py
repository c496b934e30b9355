"""`parley triage feedback export`: a tenant's corrections as JSON lines."""

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from domain.authz.policy import Role
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.settings import Settings
from domain.shared.tenancy import TenantScope
from domain.triage.ingestion import PipelineTriage
from domain.triage.service import correct_triage
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import RECEIVED_AT, make_solvia
from tests.integration.triage.conftest import grantee, ingest_comment

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Corrected:
    mention_id: uuid.UUID
    brand_id: uuid.UUID


@pytest.fixture
async def corrected(pg_database: Database, pipeline_triage: PipelineTriage) -> Corrected:
    """Tenant "agency-a" with one mention whose category (so its priority) and sentiment
    an agent corrected;
    tenant "agency-b" with a correction of its own."""
    found = []
    for slug in ("agency-a", "agency-b"):
        solvia = await make_solvia(pg_database, slug)
        mention = await ingest_comment(
            pg_database,
            solvia,
            pipeline_triage,
            comment_id="122158734409283716_600001",
            message="Your delivery guy parked on my lawn again",
            created=RECEIVED_AT - timedelta(hours=2),
            author_id="6000000000000001",
        )
        async with UnitOfWork(
            pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
        ) as uow:
            await correct_triage(
                uow,
                grantee=grantee(Role.AGENT),
                mention_id=mention.id,
                category="complaint",
                sentiment="negative",
                note="damage by the courier",
            )
        found.append(Corrected(mention.id, solvia.polska))
    return found[0]


def test_export_prints_one_line_per_changed_label(
    corrected: Corrected, services_settings: Settings, encryption_key: str, tmp_path: Path
) -> None:
    env = {
        "PARLEY_DATABASE_URL": str(services_settings.database_url),
        "PARLEY_DATA_DIR": str(tmp_path),
        "PARLEY_ENCRYPTION_KEYS": encryption_key,
    }
    result = CliRunner().invoke(
        main, ["triage", "feedback", "export", "--tenant", "agency-a"], env=env
    )
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted((line["field"], line["old_value"], line["new_value"]) for line in lines) == [
        ("category", "general_mention", "complaint"),
        ("priority", "cold", "hot"),
        ("sentiment", "neutral", "negative"),
    ]
    for line in lines:
        assert (line["mention_id"], line["brand_id"], line["note"]) == (
            str(corrected.mention_id),
            str(corrected.brand_id),
            "damage by the courier",
        )
        assert (line["actor_kind"], line["actor_id"]) == (TEST_ACTOR.kind.value, TEST_ACTOR.id)
        assert set(line) == {
            "id",
            "correction_id",
            "mention_id",
            "brand_id",
            "field",
            "old_value",
            "new_value",
            "note",
            "actor_kind",
            "actor_id",
            "created_at",
        }

    later = CliRunner().invoke(
        main,
        ["triage", "feedback", "export", "--tenant", "agency-a", "--since", "2999-01-01"],
        env=env,
    )
    assert (later.exit_code, later.stdout) == (0, "")
    unknown = CliRunner().invoke(
        main, ["triage", "feedback", "export", "--tenant", "nobody"], env=env
    )
    assert unknown.exit_code == 1
