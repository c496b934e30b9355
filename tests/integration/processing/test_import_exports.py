"""Imports of listening-tool exports: exact counts, cross-source dedupe, rejected rows, CLI."""

import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from api.cli import main
from domain.channels.models import ChannelKind
from domain.channels.platforms import MalformedPayload
from domain.channels.service import create_channel
from domain.conversations.models import Conversation
from domain.customers.models import Customer
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion.processing import ExportFormat, ImportReport, import_export_file
from domain.settings import Settings
from domain.shared.errors import NotFoundError, ValidationError
from domain.shared.tenancy import Actor, TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import (
    Solvia,
    count,
    deliver,
    make_solvia,
    mentions_of,
    outbox_of,
)
from tests.unit.channels.webhook_fixture_manifests import FIXTURES_DIR, WEBHOOK_PLATFORMS, fixtures

pytestmark = pytest.mark.postgres

CSV = FIXTURES_DIR / "export" / "mentions_export.csv"
JSONL = FIXTURES_DIR / "export" / "mentions_export.jsonl"
IMPORTER = Actor.system("tests:import")
HEADER = (
    "Mention ID,Mention URL,Author,Author handle,Text,Date (UTC),Source,Reach,Sentiment,Language"
)


async def run_import(
    database: Database,
    solvia: Solvia,
    data: bytes,
    file_format: ExportFormat,
    *,
    channel: str = "import",
    batch_rows: int = 500,
) -> dict[str, Any]:
    report: ImportReport = await import_export_file(
        database,
        actor=IMPORTER,
        tenant_id=solvia.tenant_id,
        channel_id=solvia.channel(channel),
        stream=io.BytesIO(data),
        file_format=file_format,
        batch_rows=batch_rows,
    )
    return report.as_dict()


def counts(report: dict[str, Any]) -> tuple[int, int, int, int]:
    return (report["rows_read"], report["created"], report["duplicates"], report["rejected"])


async def test_an_export_into_a_new_tenant(any_database: Database, solvia_anywhere: Solvia) -> None:
    solvia = solvia_anywhere
    # Small batches: the syndicated copy (m-0015) is checked against an earlier batch.
    report = await run_import(
        any_database, solvia, CSV.read_bytes(), ExportFormat.CSV, batch_rows=7
    )
    assert report == {
        "rows_read": 20,
        "created": 19,
        "duplicates": 1,
        "rejected": 0,
        "rejections": [],
        "rejections_listed": 0,
    }
    rows = await mentions_of(any_database, solvia.tenant_id)
    assert [row.external_id for row in rows] == [f"m-{n:04d}" for n in range(1, 21) if n != 15]
    assert {(row.channel_id, row.brand_id, row.platform) for row in rows} == {
        (solvia.channel("import"), solvia.polska, "export")
    }
    first = rows[0]
    assert (first.kind, first.object_key, first.author_name, first.author_handle) == (
        "comment",
        "facebook:1187723409865521",
        "Katarzyna Wiśniewska",
        None,
    )
    assert first.text.endswith("dziękuję za szybką reakcję 👍")
    assert first.extra["sentiment"] == "negative"
    assert (first.customer_id, first.conversation_id, first.triage_status.value) == (
        None,
        None,
        "pending",
    )
    # Listening-tool authors have no platform id: no customer, no conversation.
    assert await count(any_database, solvia.tenant_id, Customer) == 0
    assert await count(any_database, solvia.tenant_id, Conversation) == 0
    index = await outbox_of(any_database, solvia.tenant_id, "index_mention")
    assert sorted(message["mention_id"] for message in index) == sorted(str(row.id) for row in rows)


async def test_importing_again_gives_only_duplicates(pg_database: Database, solvia: Solvia) -> None:
    first = await run_import(pg_database, solvia, CSV.read_bytes(), ExportFormat.CSV)
    again = await run_import(pg_database, solvia, CSV.read_bytes(), ExportFormat.CSV)
    same_rows_as_jsonl = await run_import(
        pg_database, solvia, JSONL.read_bytes(), ExportFormat.JSONL
    )
    assert counts(first) == (20, 19, 1, 0)
    assert counts(again) == (20, 0, 20, 0)
    assert counts(same_rows_as_jsonl) == (20, 0, 20, 0)
    assert len(await mentions_of(pg_database, solvia.tenant_id)) == 19


async def test_jsonl_export_gives_the_same_mentions(pg_database: Database, solvia: Solvia) -> None:
    report = await run_import(pg_database, solvia, JSONL.read_bytes(), ExportFormat.JSONL)
    assert counts(report) == (20, 19, 1, 0)


async def test_rows_already_ingested_by_webhook_are_duplicates(
    pg_database: Database, solvia: Solvia
) -> None:
    for platform in WEBHOOK_PLATFORMS:
        await deliver(pg_database, solvia, platform, *[f.file[:3] for f in fixtures(platform)])
    before = {row.external_id for row in await mentions_of(pg_database, solvia.tenant_id)}

    report = await run_import(pg_database, solvia, CSV.read_bytes(), ExportFormat.CSV)

    created = {row.external_id for row in await mentions_of(pg_database, solvia.tenant_id)} - before
    # m-0001..m-0013 name objects the Polish brand's channels hold (m-0008 the deleted Tweet,
    # m-0010 the edited Tweet's new id), except m-0003 (the Italian page) and m-0006 (an
    # Instagram post URL names no object id); m-0015 is m-0014 with tracking parameters.
    assert created == {f"m-{n:04d}" for n in (3, 6, 14, 16, 17, 18, 19, 20)}
    assert counts(report) == (20, 8, 12, 0)


async def test_export_copies_are_retired_when_the_platform_event_arrives_later(
    pg_database: Database, solvia: Solvia
) -> None:
    report = await run_import(pg_database, solvia, CSV.read_bytes(), ExportFormat.CSV)
    assert counts(report) == (20, 19, 1, 0)

    for platform in WEBHOOK_PLATFORMS:
        await deliver(pg_database, solvia, platform, *[f.file[:3] for f in fixtures(platform)])

    rows = await mentions_of(pg_database, solvia.tenant_id)
    by_id = {row.id: row for row in rows}
    retired = {row.external_id for row in rows if row.platform == "export" and row.deleted_at}
    # The same objects the opposite order keeps out (see the test above): all of
    # m-0001..m-0013 but m-0003 (the Italian page) and m-0006 (no object id).
    assert retired == {f"m-{n:04d}" for n in (1, 2, 4, 5, 7, 8, 9, 10, 11, 12, 13)}
    for row in rows:
        if row.external_id in retired:
            replacement = by_id[uuid.UUID(row.extra["merged_into"])]
            assert replacement.platform != "export"
            assert replacement.brand_id == row.brand_id
            assert row.version == 2
    live_exports = {
        row.external_id for row in rows if row.platform == "export" and not row.deleted_at
    }
    assert live_exports == {f"m-{n:04d}" for n in (3, 6, 14, 16, 17, 18, 19, 20)}
    reindexed = {
        payload["mention_id"]
        for payload in await outbox_of(pg_database, solvia.tenant_id, "index_mention")
        if payload["version"] == 2
    }
    assert {str(row.id) for row in rows if row.external_id in retired} <= reindexed


async def test_cross_source_dedupe_stays_inside_the_brand(
    pg_database: Database, solvia: Solvia
) -> None:
    await deliver(pg_database, solvia, "facebook", "02_", "05_")
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        italian_import = await create_channel(
            uow, None, brand_id=solvia.italia, kind=ChannelKind.IMPORT, name="italia import"
        )
        await uow.commit()
    solvia.channels["italia_import"] = italian_import.id
    before = {row.external_id for row in await mentions_of(pg_database, solvia.tenant_id)}
    report = await run_import(
        pg_database, solvia, CSV.read_bytes(), ExportFormat.CSV, channel="italia_import"
    )
    created = {row.external_id for row in await mentions_of(pg_database, solvia.tenant_id)} - before
    # Only m-0003 is the Italian page's comment; m-0001/m-0002 belong to the Polish brand.
    assert "m-0003" not in created
    assert {"m-0001", "m-0002"} <= created
    assert counts(report) == (20, 18, 2, 0)


async def test_bad_rows_are_rejected_with_their_line_numbers(
    pg_database: Database, solvia: Solvia
) -> None:
    good = "https://news.example/a,Reporter,,Fine text,2025-03-14 09:00:00,news,10,neutral,en"
    csv_text = "\r\n".join(
        [
            "\ufeff" + HEADER,
            f"n-1,{good}",  # line 2
            "n-2,https://news.example/b,Reporter,,Text,14/03/2025,news,10,neutral,en",  # line 3
            "n-3,https://news.example/c,Reporter",  # line 4
            'n-4,https://news.example/d,Reporter,,"Two\nlines",2025-03-14 09:00:00,news,x,neutral,'
            "en",  # lines 5-6, with a bad reach
            f"n-5,{good}",  # line 7: a duplicate object (same URL as n-1)
            "",
            "n-6,https://news.example/f,Reporter,,Text,2025-03-14 09:00:00,news,10,neutral,en",
        ]
    ).encode("utf-8")
    csv_text = csv_text.replace(
        b"n-6,https://news.example/f,Reporter,,Text",
        b"n-6,https://news.example/f,Reporter,,T\xffxt",
    )
    report = await run_import(pg_database, solvia, csv_text, ExportFormat.CSV)
    assert report == {
        "rows_read": 6,
        "created": 1,
        "duplicates": 1,
        "rejected": 4,
        "rejections": [
            {
                "line": 3,
                "reason": "CSV line 3: Date (UTC) '14/03/2025' is not %Y-%m-%d %H:%M:%S",
            },
            {"line": 4, "reason": "CSV line 4: wrong number of fields"},
            {"line": 5, "reason": "CSV line 5.reach: expected an integer, got string"},
            {"line": 9, "reason": "line 9 is not UTF-8 (byte 39)"},
        ],
        "rejections_listed": 4,
    }

    jsonl_text = b"\n".join(
        [
            json.dumps(
                {
                    "mention_id": "j-1",
                    "url": "https://blog.example/1",
                    "author": "A",
                    "author_handle": None,
                    "text": "ok",
                    "date": "2025-03-14T09:00:00Z",
                    "source": "blog",
                    "reach": 1,
                    "sentiment": "neutral",
                    "lang": "en",
                }
            ).encode(),
            b'{"mention_id": "j-2", ',
            b"[1, 2]",
            b"",
            json.dumps({"mention_id": "j-3", "date": "2025-03-14 09:00:00"}).encode(),
        ]
    )
    report = await run_import(pg_database, solvia, jsonl_text, ExportFormat.JSONL)
    assert counts(report) == (4, 1, 0, 3)
    assert [(item["line"], item["reason"]) for item in report["rejections"]] == [
        (
            2,
            "JSONL line 2: not valid JSON (Expecting property name enclosed in double quotes: "
            "line 1 column 23 (char 22))",
        ),
        (3, "JSONL line 3: expected an object, got array"),
        (5, "JSONL line 5: date '2025-03-14 09:00:00' has no UTC offset"),
    ]


async def test_an_unreadable_header_imports_nothing(pg_database: Database, solvia: Solvia) -> None:
    with pytest.raises(MalformedPayload, match="CSV header lacks Source, Reach"):
        await run_import(
            pg_database,
            solvia,
            b"Mention ID,Mention URL,Author,Author handle,Text,Date (UTC),Sentiment,Language\r\n",
            ExportFormat.CSV,
        )
    assert await mentions_of(pg_database, solvia.tenant_id) == []


async def test_only_an_import_channel_of_the_tenant_takes_imports(
    pg_database: Database, solvia: Solvia
) -> None:
    with pytest.raises(ValidationError, match="not an import channel"):
        await run_import(
            pg_database, solvia, CSV.read_bytes(), ExportFormat.CSV, channel="fb_polska"
        )
    other = await make_solvia(pg_database, "other-agency")
    with pytest.raises(NotFoundError):
        await import_export_file(
            pg_database,
            actor=IMPORTER,
            tenant_id=solvia.tenant_id,
            channel_id=other.channel("import"),
            stream=io.BytesIO(CSV.read_bytes()),
            file_format=ExportFormat.CSV,
        )


# --- the command line -------------------------------------------------------------------


@pytest.fixture
def cli_env(
    solvia: Solvia, services_settings: Settings, encryption_key: str, tmp_path: Path
) -> dict[str, str]:
    return {
        "PARLEY_DATABASE_URL": str(services_settings.database_url),
        "PARLEY_DATABASE_OWNER_URL": str(services_settings.database_owner_url),
        "PARLEY_DATA_DIR": str(tmp_path),
        "PARLEY_ENCRYPTION_KEYS": encryption_key,
    }


def parley(env: dict[str, str], *arguments: str) -> Result:
    return CliRunner().invoke(main, list(arguments), env=env, catch_exceptions=False)


def test_cli_import_prints_one_json_report(
    cli_env: dict[str, str], solvia: Solvia, tmp_path: Path
) -> None:
    channel = str(solvia.channel("import"))
    first = parley(cli_env, "import", "--channel", channel, str(CSV), "--json")
    assert first.exit_code == 0, first.stderr
    (line,) = first.stdout.splitlines()
    assert json.loads(line) == {
        "channel_id": channel,
        "tenant_id": str(solvia.tenant_id),
        "file": "mentions_export.csv",
        "format": "csv",
        "rows_read": 20,
        "created": 19,
        "duplicates": 1,
        "rejected": 0,
        "rejections": [],
        "rejections_listed": 0,
    }
    # With the tenant named, from a file whose extension says nothing: --format.
    renamed = tmp_path / "export.txt"
    renamed.write_bytes(JSONL.read_bytes())
    again = parley(
        cli_env,
        *("import", "--channel", channel, "--tenant", "solvia", "--format", "jsonl"),
        str(renamed),
    )
    assert again.exit_code == 0, again.stderr
    assert again.stdout == "20 rows read: 0 created, 20 duplicates, 0 rejected\n"


def test_cli_import_errors(cli_env: dict[str, str], solvia: Solvia, tmp_path: Path) -> None:
    unknown = str(uuid.uuid4())
    missing = parley(cli_env, "import", "--channel", unknown, str(CSV), "--json")
    assert missing.exit_code == 1
    assert missing.stdout == ""
    assert f"no channel {unknown}" in missing.stderr

    wrong_kind = parley(cli_env, "import", "--channel", str(solvia.channel("x")), str(CSV))
    assert wrong_kind.exit_code == 1
    assert "not an import channel" in wrong_kind.stderr

    odd = tmp_path / "export.dat"
    odd.write_bytes(b"")
    no_format = parley(cli_env, "import", "--channel", str(solvia.channel("import")), str(odd))
    assert no_format.exit_code == 2
    assert "pass --format" in no_format.stderr
