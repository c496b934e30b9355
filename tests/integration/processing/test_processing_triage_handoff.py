"""The triage port receives new and edited customer mentions, in the ingesting transaction."""

import uuid
from collections.abc import Sequence

import pytest

from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion import processing
from domain.shared.tenancy import Actor, TenantScope
from tests.integration.processing.conftest import Solvia, mention, store_event
from tests.unit.channels.webhook_fixture_manifests import body

pytestmark = pytest.mark.postgres


class RecordingTriage:
    """A triage port that remembers what it was given (and checks it got a live transaction)."""

    def __init__(self) -> None:
        self.calls: list[list[uuid.UUID]] = []

    async def mentions_stored(self, uow: UnitOfWork, *, mention_ids: Sequence[uuid.UUID]) -> None:
        assert uow.session.in_transaction()
        self.calls.append(list(mention_ids))


async def process(database: Database, solvia: Solvia, prefix: str, triage: RecordingTriage) -> None:
    event_id = await store_event(
        database, solvia.tenant_id, source="meta", payload=body("facebook", prefix)
    )
    scope = TenantScope(solvia.tenant_id)
    async with UnitOfWork(database, actor=Actor.system("tests"), scope=scope) as uow:
        await processing.process_inbound_event(uow, event_id=event_id, triage=triage)
        await uow.commit()


async def test_new_and_edited_customer_mentions_go_to_triage(
    pg_database: Database, solvia: Solvia
) -> None:
    triage = RecordingTriage()
    for prefix in ("01_", "02_", "03_", "04_", "05_", "06_"):
        await process(pg_database, solvia, prefix, triage)
    c1 = await mention(pg_database, solvia.tenant_id, "122158734409283716_1187723409865521")
    batch = [
        (await mention(pg_database, solvia.tenant_id, external_id)).id
        for external_id in (
            "122158734409283716_1187790045123390",
            "122158734409283716_1187792218837645",
            "122158734409283716_1187801159734482",
            "122117300845601938_663201987412056",
        )
    ]
    assert triage.calls == [
        [],  # the page's own post
        [c1.id],  # a customer comment
        [],  # the page's reply
        [c1.id],  # its edit
        batch,
        [],  # a hide changes no content
    ]
    assert {c1.triage_status.value} == {"pending"}
