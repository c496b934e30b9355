"""The embedded default (SQLite): breach escalations are e-mailed and the raise sticks."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain.assignment.service import TeamFields, create_team
from domain.authz.policy import Role
from domain.conversations.models import Conversation
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.notifications.email import EmailDeliveryError, EmailMessage
from domain.sla.escalation import EscalationDelivery, deliver_escalations
from domain.sla.service import start_clocks_for_customer_message
from domain.sla.sweep import sweep_sla_clocks
from domain.triage.ingestion import refresh_conversation_priorities
from tests.factories import TEST_ACTOR, make_member
from tests.integration.sla.conftest import ADMIN, build_world, open_conversation

WEDNESDAY_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class RecordingSender:
    """An e-mail server stand-in (outside the project): accepts or refuses everything."""

    def __init__(self, *, accepting: bool) -> None:
        self.accepting = accepting
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        if not self.accepting:
            raise EmailDeliveryError("SMTP delivery failed: SMTPConnectError")
        self.sent.append(message)


async def test_escalation_delivery_and_sticky_priority_on_sqlite(
    sqlite_database: Database,
) -> None:
    world = await build_world(sqlite_database, "osadzona", raise_priority=True, notify_lead=True)
    lead = await make_member(sqlite_database, world.tenant_id, "lead@osadzona.example", Role.AGENT)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await create_team(
            uow,
            ADMIN,
            brand_id=world.brand_id,
            fields=TeamFields(name="Care", lead_user_id=lead, member_ids=(lead,)),
        )
        await uow.commit()
    conversation_id = await open_conversation(
        sqlite_database, world, at=WEDNESDAY_10, priority="cold"
    )
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await start_clocks_for_customer_message(
            uow, conversation_id=conversation_id, at=WEDNESDAY_10
        )
        await uow.commit()
    breached = WEDNESDAY_10 + timedelta(minutes=61)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        assert (await sweep_sla_clocks(uow, now=breached)).leads_notified == 1

    refusing = RecordingSender(accepting=False)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        run = await deliver_escalations(
            uow, sender=refusing, public_base_url="http://127.0.0.1:8000", now=breached
        )
    assert run == EscalationDelivery(claimed=1, sent=0, dropped=0, postponed=1)

    accepting = RecordingSender(accepting=True)
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        run = await deliver_escalations(
            uow,
            sender=accepting,
            public_base_url="http://127.0.0.1:8000",
            now=breached + timedelta(seconds=5),
        )
    assert run == EscalationDelivery(claimed=1, sent=1, dropped=0, postponed=0)
    [message] = accepting.sent
    assert message.to == "lead@osadzona.example"
    assert f"http://127.0.0.1:8000/conversations/{conversation_id}\n" in message.text

    # No mentions at all: triage alone would clear the priority; the breach keeps it hot.
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await refresh_conversation_priorities(
            uow, conversation_ids=[conversation_id], now=breached + timedelta(minutes=1)
        )
        await uow.commit()
    async with UnitOfWork(sqlite_database, actor=TEST_ACTOR, scope=world.scope) as uow:
        priority = await uow.session.scalar(
            select(Conversation.priority).where(Conversation.id == conversation_id)
        )
    assert priority == "hot"
