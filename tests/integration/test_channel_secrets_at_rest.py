"""Channel secrets are encrypted at rest: not readable in a database dump."""

import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

from domain.channels.repository import ChannelRepository
from domain.channels.service import read_channel_secrets
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.settings import Settings
from domain.shared.tenancy import TenantScope
from tests.factories import TEST_ACTOR, make_brand, make_channel, make_tenant

pytestmark = pytest.mark.postgres

APP_SECRET = "f3a1c9e27b4d8a6f0c5e2b9d7a4f1c38"
VERIFY_TOKEN = "solvia-verify-7d3f"


def pg_dump(database_name: str) -> str:
    """A data-only dump as the cluster superuser, as a backup would be taken.

    The owner role cannot dump: FORCE ROW LEVEL SECURITY applies to it too, and
    pg_dump refuses to dump a table whose rows RLS would filter.
    """
    runuser, executable = shutil.which("runuser"), shutil.which("pg_dump")
    assert runuser is not None
    assert executable is not None, "pg_dump comes with the PostgreSQL client package"
    completed = subprocess.run(
        [runuser, "-u", "postgres", "--", executable, "--data-only", "--dbname", database_name],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


async def test_secrets_are_not_in_the_dump_and_decrypt_through_the_service(
    pg_database: Database, services_settings: Settings
) -> None:
    tenant = await make_tenant(pg_database, "agency-a")
    brand = await make_brand(pg_database, tenant, "alpha")
    channel = await make_channel(
        pg_database,
        tenant,
        brand.id,
        external_account_id="104729384756120",
        secrets={"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN},
    )

    dump = pg_dump(urlsplit(str(services_settings.database_owner_url)).path.lstrip("/"))
    assert "104729384756120" in dump  # the dump did include the channel row
    assert APP_SECRET not in dump
    assert VERIFY_TOKEN not in dump

    async with UnitOfWork(pg_database, actor=TEST_ACTOR, scope=TenantScope(tenant)) as uow:
        stored = await ChannelRepository(uow).get(channel.id)
        assert read_channel_secrets(uow, stored) == {
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
        }
