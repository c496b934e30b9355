"""Run migrations from code (the CLI and the tests), with an explicit URL."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

_SCRIPT_LOCATION = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """An Alembic configuration for this project's migrations against `url`."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` (blocking; call from a thread inside a loop)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at `url` to `revision` ("base" drops everything)."""
    command.downgrade(alembic_config(url), revision)


async def upgrade_in_thread(url: str, revision: str = "head") -> None:
    """`upgrade` from inside a running event loop (Alembic's env runs its own loop)."""
    await asyncio.to_thread(upgrade, url, revision)


async def downgrade_in_thread(url: str, revision: str) -> None:
    """`downgrade` from inside a running event loop."""
    await asyncio.to_thread(downgrade, url, revision)
