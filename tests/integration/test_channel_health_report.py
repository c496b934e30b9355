"""The channel health report: silent and failing channels show up."""

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from domain.channels.health import channel_health_report
from domain.channels.models import ChannelHealth
from domain.channels.repository import ChannelRepository
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.models import InboundEvent, InboundEventStatus
from domain.mentions.models import Mention, MentionDirection
from domain.settings import Settings
from domain.shared.clock import utcnow
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_tenant

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Scene:
    tenant: uuid.UUID
    lively: uuid.UUID
    failing: uuid.UUID
    silent: uuid.UUID


@pytest.fixture
async def scene(pg_database: Database) -> Scene:
    """Three channels of one tenant (lively, failing, silent) and one of another."""
    now = utcnow()
    tenant = await make_tenant(pg_database, "agency-a")
    other = await make_tenant(pg_database, "agency-b")
    brand = await make_brand(pg_database, tenant, "alpha")
    lively = await make_channel(pg_database, tenant, brand.id, external_account_id="lively")
    failing = await make_channel(pg_database, tenant, brand.id, external_account_id="failing")
    silent = await make_channel(pg_database, tenant, brand.id, external_account_id="silent")
    await make_channel(
        pg_database,
        other,
        (await make_brand(pg_database, other, "beta")).id,
        external_account_id="elsewhere",
    )
    scope = TenantScope(tenant)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        channels = ChannelRepository(uow)
        (await channels.get(lively.id)).last_event_at = now - timedelta(minutes=2)
        stored_failing = await channels.get(failing.id)
        stored_failing.last_event_at = now - timedelta(minutes=1)
        stored_failing.error_count = 1
        stored_failing.last_error_at = now - timedelta(minutes=1)
        (await channels.get(silent.id)).last_event_at = now - timedelta(days=3)
        for number, minutes_ago in enumerate((5, 30, 90)):
            uow.session.add(
                Mention(
                    brand_id=brand.id,
                    channel_id=lively.id,
                    external_id=f"m{number}",
                    platform="facebook",
                    kind="comment",
                    direction=MentionDirection.INBOUND,
                    received_at=now - timedelta(minutes=minutes_ago),
                )
            )
        uow.session.add(
            InboundEvent(
                source="telegram",
                dedupe_key="broken",
                channel_id=failing.id,
                body=b"not json",
                received_at=now - timedelta(minutes=1),
                status=InboundEventStatus.FAILED,
                error="not JSON",
            )
        )
        await uow.commit()
    return Scene(tenant=tenant, lively=lively.id, failing=failing.id, silent=silent.id)


async def test_report_counts_the_window_and_flags_silent_and_failing_channels(
    pg_database: Database, scene: Scene
) -> None:
    scope = TenantScope(scene.tenant)
    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=scope) as uow:
        report = {row.channel_id: row for row in await channel_health_report(uow, now=utcnow())}
    lively, failing, silent = scene.lively, scene.failing, scene.silent
    assert set(report) == {lively, failing, silent}
    assert (report[lively].health, report[lively].mentions_in_window) == (
        ChannelHealth.HEALTHY,
        2,
    )
    assert (report[failing].health, report[failing].failed_events_in_window) == (
        ChannelHealth.FAILING,
        1,
    )
    assert (report[silent].health, report[silent].mentions_in_window) == (
        ChannelHealth.SILENT,
        0,
    )


def test_the_cli_prints_the_report(
    scene: Scene, services_settings: Settings, encryption_key: str, tmp_path: Path
) -> None:
    env = {
        "PARLEY_DATABASE_URL": str(services_settings.database_url),
        "PARLEY_DATA_DIR": str(tmp_path),
        "PARLEY_ENCRYPTION_KEYS": encryption_key,
    }
    result = CliRunner().invoke(
        main, ["channel", "health", "--tenant", "agency-a", "--json"], env=env
    )
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert sorted(
        (row["health"], row["mentions_in_window"], row["failed_events_in_window"])
        for row in printed["channels"]
    ) == [("failing", 0, 1), ("healthy", 2, 0), ("silent", 0, 0)]
