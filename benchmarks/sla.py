"""SLA sweep benchmark: one sweep over 1,000,000 open conversations on PostgreSQL.

Run from the project root with a database you may empty (the test database is fine)::

    PARLEY_TEST_DATABASE_URL=... PARLEY_TEST_DATABASE_OWNER_URL=... \\
        .venv/bin/python benchmarks/sla.py [--conversations N] [--overdue-per-mille M]

The database is rebuilt (tables dropped, ``alembic upgrade head``) and emptied at the end.
One tenant and brand get N open conversations, each with a running first-response and
resolution clock (2N clocks) whose due times spread over the next 30 days; M per mille
of the conversations are already overdue. Rows are bulk-inserted with ``generate_series``
as the owner role; the sweep runs as the application role, under row-level security,
exactly as the worker runs it. Prints one JSON object:

1. seconds to insert the conversations and clocks, and ``VACUUM ANALYZE``;
2. the first sweep (claims every due breach and warning, writes their outbox events,
   escalates): seconds and counts;
3. a second sweep right after (nothing left to claim): seconds, i.e. the steady-state cost
   of a 15-second tick;
4. the claim query's plan (it must read the partial index, not the table).
"""

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.db.session import Database, create_engine  # noqa: E402
from domain.db.uow import UnitOfWork  # noqa: E402
from domain.shared.clock import utcnow  # noqa: E402
from domain.shared.crypto import SecretBox, generate_key  # noqa: E402
from domain.shared.tenancy import Actor  # noqa: E402
from domain.sla.sweep import sweep_sla_clocks  # noqa: E402
from migrations import runner  # noqa: E402
from tests.conftest import _drop_all_tables, truncate_all  # noqa: E402
from tests.integration.sla.conftest import build_world  # noqa: E402

ACTOR = Actor.system("benchmark:sla")

#: Due times: `overdue` per mille already past, the rest spread over the next 30 days.
_SPREAD = """
    CASE WHEN n % 1000 < CAST(:overdue AS int)
         THEN CAST(:now AS timestamptz) - interval '1 minute' * (1 + n % 60)
         ELSE CAST(:now AS timestamptz)
              + interval '1 second' * (60 + (CAST(n AS bigint) * 7919) % 2592000)
    END
"""
INSERT_CONVERSATIONS = """
INSERT INTO conversations (
    id, created_at, tenant_id, brand_id, channel_id, customer_id, kind, thread_key, status,
    priority, opened_at, last_message_at, message_count, sla_due_at)
SELECT md5('c' || n)::uuid, CAST(:now AS timestamptz), CAST(:tenant AS uuid),
       CAST(:brand AS uuid), CAST(:channel AS uuid), CAST(:customer AS uuid), 'direct',
       'bench-' || n, 'open', 'cold', CAST(:now AS timestamptz), CAST(:now AS timestamptz), 1,
       __SPREAD__
FROM generate_series(1, CAST(:count AS int)) AS n
""".replace("__SPREAD__", _SPREAD)
INSERT_CLOCKS = """
INSERT INTO sla_clocks (
    id, created_at, tenant_id, conversation_id, brand_id, kind, policy_id, policy_version,
    target_seconds, started_at, due_at, warn_at, paused_seconds)
SELECT md5(CAST(:kind AS text) || n)::uuid, CAST(:now AS timestamptz), CAST(:tenant AS uuid),
       md5('c' || n)::uuid, CAST(:brand AS uuid), CAST(:kind AS text), CAST(:policy AS uuid), 1,
       3600, CAST(:now AS timestamptz), due + CAST(:later AS interval),
       due + CAST(:later AS interval) - interval '15 minutes', 0
FROM (SELECT n, __SPREAD__ AS due FROM generate_series(1, CAST(:count AS int)) AS n) AS spread
""".replace("__SPREAD__", _SPREAD)
CLAIM_PLAN = """
EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)
SELECT id FROM sla_clocks
WHERE tenant_id = :tenant AND breached_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL
  AND due_at <= :now
ORDER BY due_at LIMIT 10000
"""


async def main(count: int, overdue_per_mille: int) -> dict[str, Any]:
    runtime_url = os.environ["PARLEY_TEST_DATABASE_URL"]
    owner_url = os.environ["PARLEY_TEST_DATABASE_OWNER_URL"]
    await _drop_all_tables(owner_url)
    await asyncio.to_thread(runner.upgrade, owner_url, "head")
    database = Database(create_engine(runtime_url), SecretBox([generate_key()]))
    owner = create_engine(owner_url)
    figures: dict[str, Any] = {"conversations": count, "clocks": 2 * count}
    try:
        world = await build_world(database, "bench-sla")
        now = utcnow()
        values = {
            "now": now,
            "tenant": world.tenant_id,
            "brand": world.brand_id,
            "channel": world.channel_id,
            "customer": world.customer_id,
            "policy": world.policy_id,
            "count": count,
            "overdue": overdue_per_mille,
        }
        started = time.perf_counter()
        async with owner.begin() as connection:
            # Row-level security is forced for the owner too: name the tenant.
            await connection.execute(
                text("SELECT set_config('app.tenant_id', :tenant, true)"),
                {"tenant": str(world.tenant_id)},
            )
            await connection.execute(text(INSERT_CONVERSATIONS), values)
            for kind, later in (
                ("first_response", timedelta(0)),
                ("resolution", timedelta(days=1)),
            ):
                await connection.execute(
                    text(INSERT_CLOCKS), {**values, "kind": kind, "later": later}
                )
        figures["insert_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        async with owner.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE conversations"))
            await connection.execute(text("VACUUM ANALYZE sla_clocks"))
        figures["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 1)

        for label in ("first_sweep", "second_sweep"):
            sweep_now = utcnow()
            started = time.perf_counter()
            async with UnitOfWork(database, actor=ACTOR, scope=world.scope) as uow:
                run = await sweep_sla_clocks(uow, now=sweep_now)
            figures[label] = {
                "seconds": round(time.perf_counter() - started, 3),
                "breaches": run.breaches,
                "warnings": run.warnings,
            }
        async with owner.begin() as connection:
            await connection.execute(
                text("SELECT set_config('app.tenant_id', :tenant, true)"),
                {"tenant": str(world.tenant_id)},
            )
            plan = await connection.execute(
                text(CLAIM_PLAN), {"tenant": world.tenant_id, "now": utcnow() + timedelta(days=1)}
            )
            figures["claim_plan"] = [row[0] for row in plan]
    finally:
        await owner.dispose()
        await database.dispose()
        cleanup = create_engine(owner_url)
        await truncate_all(cleanup)
        await cleanup.dispose()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--overdue-per-mille", type=int, default=10)
    arguments = parser.parse_args()
    print(
        json.dumps(
            asyncio.run(main(arguments.conversations, arguments.overdue_per_mille)), indent=2
        )
    )
