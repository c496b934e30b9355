"""A large export is imported in constant memory: 200,000 rows cost what 20,000 rows cost.

Memory is the process's resident set (VmRSS), sampled while the file is read: tracemalloc
would double the run time of 220,000 imported rows. The bound is below the size of the
file itself (30 MiB of CSV; several times that as Python objects).
"""

import gc
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, cast

import pytest

from domain.db.session import Database
from domain.ingestion.processing import ExportFormat, import_export_file
from domain.shared.tenancy import Actor
from tests.integration.processing.conftest import Solvia

pytestmark = pytest.mark.postgres

SMALL_ROWS = 20_000
LARGE_ROWS = 200_000
MIB = 1024 * 1024
HEADER = (
    "\ufeffMention ID,Mention URL,Author,Author handle,Text,Date (UTC),Source,Reach,Sentiment,"
    "Language\r\n"
)


def resident_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert found is not None
    return int(found.group(1)) * 1024


class SampledStream:
    """A binary file whose `readline` also samples the resident set now and then."""

    def __init__(self, raw: IO[bytes], every: int = 500) -> None:
        self._raw = raw
        self._every = every
        self._calls = 0
        self.peak = resident_bytes()

    def readline(self, size: int = -1) -> bytes:
        self._calls += 1
        if self._calls % self._every == 0:
            self.peak = max(self.peak, resident_bytes())
        return self._raw.readline(size)


def write_export(path: Path, rows: int, prefix: str) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(HEADER)
        for number in range(rows):
            written = (start + timedelta(seconds=number)).strftime("%Y-%m-%d %H:%M:%S")
            file.write(
                f"{prefix}-{number},https://news.example/{prefix}/{number}?utm_source=feed,"
                f'Reporter {number % 97},,"Solvia Aura ANC, review {number}: ""good"" sound",'
                f"{written},news,{number},neutral,en\r\n"
            )


async def import_measured(
    database: Database, solvia: Solvia, path: Path, rows: int
) -> tuple[int, int]:
    """(rows created, resident-set growth in bytes while importing)."""
    gc.collect()
    before = resident_bytes()
    with path.open("rb") as raw:
        stream = SampledStream(cast(IO[bytes], raw))
        report = await import_export_file(
            database,
            actor=Actor.system("tests:import"),
            tenant_id=solvia.tenant_id,
            channel_id=solvia.channel("import"),
            stream=cast(IO[bytes], stream),
            file_format=ExportFormat.CSV,
        )
    assert (report.rows_read, report.duplicates, report.rejected) == (
        rows,
        0,
        0,
    )
    return report.created, max(stream.peak, resident_bytes()) - before


async def test_memory_does_not_grow_with_the_file(
    pg_database: Database, solvia: Solvia, tmp_path: Path
) -> None:
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_export(small, SMALL_ROWS, "s")
    write_export(large, LARGE_ROWS, "l")
    assert large.stat().st_size > 30 * MIB

    created_small, growth_small = await import_measured(pg_database, solvia, small, SMALL_ROWS)
    created_large, growth_large = await import_measured(pg_database, solvia, large, LARGE_ROWS)

    assert (created_small, created_large) == (SMALL_ROWS, LARGE_ROWS)
    print(
        f"resident growth: {growth_small / MIB:.1f} MiB for {SMALL_ROWS} rows, "
        f"{growth_large / MIB:.1f} MiB for {LARGE_ROWS} rows"
    )
    # Ten times the rows, (almost) no more memory; and less than the file itself.
    assert growth_large < growth_small + 16 * MIB
    assert growth_large < 24 * MIB
