"""The embedded default's services (SQLite, FTS5, optionally in-process jobs) for tests."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from api.cli import embedded_settings
from api.services import Services, build_services
from domain.settings import Settings
from migrations import runner
from workers.main import in_process_queue


@asynccontextmanager
async def embedded_services(
    data_dir: Path, encryption_key: str, *, in_process_jobs: bool = False, **overrides: Any
) -> AsyncIterator[Services]:
    """Services of the embedded default on a fresh, migrated `data_dir`, search ready.

    With `in_process_jobs` jobs run in this process as `parley demo` runs them;
    without, nothing is enqueued. `overrides` replace settings (`triage_enabled=False`).
    """
    base = Settings(_env_file=None, encryption_keys=SecretStr(encryption_key))
    settings = embedded_settings(base, data_dir).model_copy(update=overrides)
    await runner.upgrade_in_thread(settings.resolved_owner_database_url())
    services = build_services(settings, queue=None)
    if in_process_jobs:
        services.queue = in_process_queue(
            {"settings": settings, "database": services.database, "search": services.search}
        )
    try:
        await services.search.ensure_ready()
        yield services
    finally:
        await services.aclose()
