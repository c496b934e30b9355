"""Events of the brand calendar reach triage: an active outage window makes an outage
complaint hot and is named in its reasons; outside the window, or on another channel,
it is not."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from domain.authz.policy import Role
from domain.brand_events.models import BrandEventKind, ExpectedImpact
from domain.brand_events.service import BrandEventFields, create_brand_event
from domain.brands.models import Brand
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.mentions.models import Mention
from domain.shared.tenancy import TenantScope
from domain.triage.ingestion import PipelineTriage
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import RECEIVED_AT, Solvia, make_solvia
from tests.integration.triage.conftest import grantee, ingest_comment

pytestmark = pytest.mark.postgres

MAINTENANCE = "Planned maintenance: card payments"
EVENT_START = RECEIVED_AT - timedelta(hours=1)
EVENT_END = RECEIVED_AT + timedelta(hours=1)
COMPLAINT = "Card payment is not working, the app shows an error every time I pay!"
EVENT_REASON = f"during outage window '{MAINTENANCE}'"


async def add_event(
    database: Database,
    solvia: Solvia,
    *,
    title: str = MAINTENANCE,
    kind: BrandEventKind = BrandEventKind.OUTAGE_WINDOW,
    channel_ids: tuple[uuid.UUID, ...] = (),
    impact: ExpectedImpact = ExpectedImpact.RAISES,
) -> None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)) as uow:
        await create_brand_event(
            uow,
            grantee(Role.ADMIN),
            brand_id=solvia.polska,
            fields=BrandEventFields(
                kind=kind,
                title=title,
                starts_at=EVENT_START,
                ends_at=EVENT_END,
                planned=True,
                affected_channel_ids=channel_ids,
                expected_impact=impact,
                sla_factor=0.5,
            ),
        )
        await uow.commit()


async def complain(
    database: Database, solvia: Solvia, triage: PipelineTriage, *, number: int, at_offset: timedelta
) -> Mention:
    return await ingest_comment(
        database,
        solvia,
        triage,
        comment_id=f"122158734409283716_9{number:05d}",
        message=COMPLAINT,
        created=RECEIVED_AT + at_offset,
        author_id=f"77001{number:05d}",
    )


def reasons_naming(mention: Mention, text: str) -> list[str]:
    return [reason for reason in mention.reasons if text in reason]


async def test_an_active_outage_window_makes_the_complaint_hot_and_is_named(
    any_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(any_database)
    await add_event(any_database, solvia)

    during = await complain(any_database, solvia, pipeline_triage, number=1, at_offset=timedelta())
    after = await complain(
        any_database, solvia, pipeline_triage, number=2, at_offset=timedelta(hours=3)
    )

    assert during.labels["category"] == "outage"
    assert during.labels["priority"] == "hot"
    [priority_reason] = reasons_naming(during, EVENT_REASON)
    assert priority_reason.startswith("hot: ")
    assert after.labels["category"] == "outage"
    assert reasons_naming(after, MAINTENANCE) == []
    # The event adds to the urgency score of the complaint it concerns.
    assert during.labels["score"] == after.labels["score"] + 10


async def test_an_event_of_another_channel_or_brand_is_not_named(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database)
    # The comment arrives on the Polish Facebook page; the event concerns Instagram only.
    await add_event(pg_database, solvia, channel_ids=(solvia.channel("ig_official"),))
    other = await make_solvia(pg_database, slug="solvia-other")
    await add_event(pg_database, other, title="Maintenance of another tenant")

    mention = await complain(pg_database, solvia, pipeline_triage, number=3, at_offset=timedelta())

    assert mention.labels["priority"] == "hot"
    assert reasons_naming(mention, MAINTENANCE) == []
    assert reasons_naming(mention, "another tenant") == []


async def test_the_calendar_wins_over_a_settings_event_of_the_same_title(
    any_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(any_database)
    settings_event = {
        "id": "settings-maintenance",
        "type": "outage_window",
        "title": MAINTENANCE.upper(),
        "start": (RECEIVED_AT - timedelta(days=30)).isoformat(),
        "end": (RECEIVED_AT + timedelta(days=30)).isoformat(),
    }
    async with UnitOfWork(
        any_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        await uow.session.execute(
            update(Brand)
            .where(Brand.id == solvia.polska)
            .values(settings={"events": [settings_event]})
        )
        await uow.commit()
    # The calendar's event of that title lowers expectations: named, but no bonus.
    await add_event(any_database, solvia, impact=ExpectedImpact.LOWERS)

    during = await complain(any_database, solvia, pipeline_triage, number=4, at_offset=timedelta())
    after = await complain(
        any_database, solvia, pipeline_triage, number=5, at_offset=timedelta(hours=3)
    )

    assert len(reasons_naming(during, EVENT_REASON)) == 1
    assert reasons_naming(during, MAINTENANCE.upper()) == []
    assert during.labels["score"] == after.labels["score"]
    # The settings event is still on three hours later, but the calendar replaced it.
    assert reasons_naming(after, MAINTENANCE) == []
    assert reasons_naming(after, MAINTENANCE.upper()) == []


async def test_a_price_increase_is_named_on_price_complaints_only(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database)
    await add_event(pg_database, solvia, title="Tariff 2026", kind=BrandEventKind.PRICE_INCREASE)

    price = await ingest_comment(
        pg_database,
        solvia,
        pipeline_triage,
        comment_id="122158734409283716_800001",
        message="The new fees are a disgrace, the price went up again without any warning!",
        created=RECEIVED_AT,
        author_id="7700200001",
    )
    parcel = await ingest_comment(
        pg_database,
        solvia,
        pipeline_triage,
        comment_id="122158734409283716_800002",
        message="My parcel arrived with a broken lid and nobody answers my emails",
        created=RECEIVED_AT + timedelta(minutes=1),
        author_id="7700200002",
    )

    assert price.labels["priority"] == "hot"
    assert len(reasons_naming(price, "during price increase 'Tariff 2026'")) == 1
    assert reasons_naming(parcel, "Tariff 2026") == []


@contextmanager
def statements_on(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_batch_reads_the_calendar_once(
    pg_database: Database, pipeline_triage: PipelineTriage
) -> None:
    solvia = await make_solvia(pg_database)
    await add_event(pg_database, solvia)
    mentions = [
        await complain(
            pg_database, solvia, pipeline_triage, number=10 + n, at_offset=timedelta(minutes=40 * n)
        )
        for n in range(-1, 3)
    ]
    # Inside, inside, inside (the window's last minutes), and 20 minutes after it.
    assert [bool(reasons_naming(item, EVENT_REASON)) for item in mentions] == [
        True,
        True,
        True,
        False,
    ]

    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        with statements_on(pg_database) as statements:
            await pipeline_triage.mentions_stored(uow, mention_ids=[item.id for item in mentions])
        await uow.commit()

    calendar_reads = [text for text in statements if "FROM brand_events" in text]
    assert len(calendar_reads) == 1
