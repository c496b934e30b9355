"""PostgreSQL engines: a fixed pool, no ping at checkout, no TLS on loopback, recovery
from a dropped connection."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.db.session import DEFAULT_POOL_SIZE, _postgresql_connect_args, create_engine
from domain.settings import Settings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+asyncpg://app:pw@127.0.0.1:5432/parley", {"ssl": False}),
        ("postgresql+asyncpg://app:pw@localhost/parley", {"ssl": False}),
        ("postgresql+asyncpg://app:pw@[::1]:5432/parley", {"ssl": False}),
        ("postgresql+asyncpg://app:pw@localhost/parley?ssl=require", {}),
        ("postgresql+asyncpg://app:pw@127.0.0.1/parley?sslmode=verify-full", {}),
        ("postgresql+asyncpg://app:pw@db.internal.example:5432/parley", {}),
        ("postgresql+asyncpg://app:pw@10.0.0.12/parley", {}),
        ("sqlite+aiosqlite:///parley.db", {}),
    ],
)
def test_tls_is_skipped_only_for_loopback_urls_that_do_not_ask_for_it(
    url: str, expected: dict[str, object]
) -> None:
    assert _postgresql_connect_args(url) == expected


def test_a_postgresql_engine_keeps_a_fixed_pool_without_ping() -> None:
    engine = create_engine("postgresql+asyncpg://app:pw@127.0.0.1:5432/parley")
    pool = engine.sync_engine.pool

    assert pool.size() == DEFAULT_POOL_SIZE  # type: ignore[attr-defined]
    assert pool._max_overflow == 0  # type: ignore[attr-defined]
    assert pool._pre_ping is False


@pytest.mark.postgres
async def test_loopback_connections_are_not_encrypted(services_settings: Settings) -> None:
    engine = create_engine(str(services_settings.database_url))
    try:
        async with engine.connect() as connection:
            encrypted = (
                await connection.execute(
                    text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                )
            ).scalar_one()
    finally:
        await engine.dispose()

    assert encrypted is False


@pytest.mark.postgres
async def test_a_dropped_connection_fails_one_statement_then_the_pool_reconnects(
    services_settings: Settings,
) -> None:
    engine = create_engine(str(services_settings.database_url), pool_size=1)
    # A role may end its own sessions: the second engine plays the server dropping one.
    killer = create_engine(str(services_settings.database_url), pool_size=1)
    try:
        async with engine.connect() as connection:
            backend = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})

        with pytest.raises(DBAPIError) as dropped:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        async with engine.connect() as connection:
            again = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    finally:
        await engine.dispose()
        await killer.dispose()

    assert dropped.value.connection_invalidated is True
    assert again != backend
