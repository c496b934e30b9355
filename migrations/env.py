"""Alembic environment: async engine, URL from the settings or the caller.

`parley migrate` passes the owner URL in `config.attributes["url"]`; plain
`alembic` commands build the settings (owner URL, else runtime URL, else SQLite).
"""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from domain.db.session import create_engine
from domain.models import Base
from domain.settings import Settings

config = context.config


def _url() -> str:
    url = config.attributes.get("url")
    if isinstance(url, str):
        return url
    return Settings().resolved_owner_database_url()


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        user_module_prefix="domain.db.types.",
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
        return
    asyncio.run(_run_async())


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
