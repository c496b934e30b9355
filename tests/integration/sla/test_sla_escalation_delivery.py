"""Breach escalations reach the team lead by e-mail (real aiosmtpd on loopback, PostgreSQL),
once per escalation even with two deliveries at once, and are never lost while SMTP is down."""

import asyncio
import logging
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from domain.assignment.service import TeamFields, create_team
from domain.authz.policy import Role
from domain.db.outbox import OutboxMessage
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.settings import Settings
from domain.shared.tenancy import Actor
from domain.sla.escalation import EscalationDelivery, deliver_escalations
from domain.sla.service import start_clocks_for_customer_message
from domain.sla.sweep import SLA_ESCALATION_TOPIC, sweep_sla_clocks
from tests.factories import TEST_ACTOR, make_member
from tests.integration.sla.conftest import ADMIN, SlaWorld, build_world, open_conversation
from workers.jobs.sla import deliver_sla_escalations
from workers.notifications.smtp import SmtpEmailSender

pytestmark = pytest.mark.postgres

#: A Wednesday 10:00 in Warsaw, in the past, so the jobs (which run at the real time)
#: find the escalations due.
WEDNESDAY_10 = datetime(2025, 12, 3, 9, 0, tzinfo=UTC)
BREACH_SWEEP = WEDNESDAY_10 + timedelta(minutes=61)
BASE_URL = "https://parley.example"
DELIVERY_ACTOR = Actor.system("tests:sla-escalation")
LEAD_EMAIL = "lead@eskalacja.example"


class Mailbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:  # a free loopback port (the controller cannot take 0)
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def _sender(port: int) -> SmtpEmailSender:
    return SmtpEmailSender(
        host="127.0.0.1", port=port, sender="parley@agency.example", timeout_seconds=5
    )


def _text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8").replace("\r\n", "\n")


async def _breached_world(database: Database, slug: str) -> tuple[SlaWorld, uuid.UUID]:
    """A brand whose team has a lead, one conversation, its first response breached."""
    world = await build_world(database, slug, raise_priority=True, notify_lead=True)
    lead = await make_member(database, world.tenant_id, LEAD_EMAIL, Role.AGENT)
    agent = await make_member(database, world.tenant_id, f"agent@{slug}.example", Role.AGENT)
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await create_team(
            uow,
            ADMIN,
            brand_id=world.brand_id,
            fields=TeamFields(name="Care", lead_user_id=lead, member_ids=(lead, agent)),
        )
        await uow.commit()
    conversation_id = await open_conversation(database, world, at=WEDNESDAY_10)
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        await start_clocks_for_customer_message(
            uow, conversation_id=conversation_id, at=WEDNESDAY_10
        )
        await uow.commit()
    async with UnitOfWork(database, actor=Actor.system("sweep"), scope=world.scope) as uow:
        run = await sweep_sla_clocks(uow, now=BREACH_SWEEP)
    assert (run.breaches, run.leads_notified) == (1, 1)
    return world, conversation_id


async def _deliver(
    database: Database, world: SlaWorld, sender: SmtpEmailSender, now: datetime
) -> EscalationDelivery:
    async with UnitOfWork(database, actor=DELIVERY_ACTOR, scope=world.scope) as uow:
        return await deliver_escalations(uow, sender=sender, public_base_url=BASE_URL, now=now)


async def _escalation_rows(database: Database, world: SlaWorld) -> list[OutboxMessage]:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=world.scope) as uow:
        result = await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == SLA_ESCALATION_TOPIC)
        )
        return list(result.scalars())


async def test_a_breach_emails_the_team_lead_once_even_with_two_deliveries(
    pg_database: Database, smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    world, conversation_id = await _breached_world(pg_database, "eskalacja")
    sender = _sender(port)
    delivered_at = WEDNESDAY_10 + timedelta(minutes=75)

    first, second = await asyncio.gather(
        _deliver(pg_database, world, sender, delivered_at),
        _deliver(pg_database, world, sender, delivered_at),
    )

    assert first.sent + second.sent == 1
    assert first.postponed + second.postponed == 0
    [(recipients, message)] = mailbox.messages
    assert recipients == [LEAD_EMAIL]
    assert message["To"] == LEAD_EMAIL
    assert message["Subject"] == "Parley: SLA breached for eskalacja brand (first response)"
    assert _text(message) == (
        "A conversation of eskalacja brand breached its first response target.\n"
        "\n"
        "Due: 2025-12-03 10:00 UTC\n"
        "Late by: 15 min\n"
        f"Conversation: {BASE_URL}/conversations/{conversation_id}\n"
        "\n"
        "You receive this as a team lead of the brand.\n"
    )
    [row] = await _escalation_rows(pg_database, world)
    assert row.done_at == delivered_at
    assert (row.attempts, row.last_error) == (0, None)

    # Delivered rows are never sent again.
    assert await _deliver(pg_database, world, sender, delivered_at + timedelta(hours=1)) == (
        EscalationDelivery(claimed=0, sent=0, dropped=0, postponed=0)
    )
    assert len(mailbox.messages) == 1


async def test_smtp_down_keeps_the_row_pending_until_smtp_returns(
    pg_database: Database, smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    world, conversation_id = await _breached_world(pg_database, "awaria")
    down = _sender(_free_port())  # nothing listens there: connection refused
    failed_at = WEDNESDAY_10 + timedelta(minutes=62)

    assert await _deliver(pg_database, world, down, failed_at) == EscalationDelivery(
        claimed=1, sent=0, dropped=0, postponed=1
    )
    [row] = await _escalation_rows(pg_database, world)
    assert row.done_at is None
    assert row.attempts == 1
    assert row.next_attempt_at == failed_at + timedelta(seconds=5)
    assert row.last_error == "EmailDeliveryError: SMTP delivery failed: SMTPConnectError"

    # Still down at the next attempt: the backoff doubles.
    retried_at = failed_at + timedelta(seconds=5)
    assert (await _deliver(pg_database, world, down, retried_at)).postponed == 1
    [row] = await _escalation_rows(pg_database, world)
    assert (row.attempts, row.next_attempt_at) == (2, retried_at + timedelta(seconds=10))

    # SMTP is back, but the row waits for its time.
    up = _sender(port)
    assert (await _deliver(pg_database, world, up, retried_at + timedelta(seconds=9))).claimed == 0
    assert mailbox.messages == []

    delivered = await _deliver(pg_database, world, up, retried_at + timedelta(seconds=10))
    assert (delivered.sent, delivered.postponed) == (1, 0)
    [(recipients, message)] = mailbox.messages
    assert recipients == [LEAD_EMAIL]
    assert f"{BASE_URL}/conversations/{conversation_id}" in _text(message)
    [row] = await _escalation_rows(pg_database, world)
    assert row.done_at == retried_at + timedelta(seconds=10)


async def test_the_job_delivers_with_smtp_and_waits_without(
    pg_database: Database,
    smtp_server: tuple[Mailbox, int],
    services_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailbox, port = smtp_server
    world, conversation_id = await _breached_world(pg_database, "cron")
    unconfigured = services_settings.model_copy(update={"smtp_host": None})

    with caplog.at_level(logging.WARNING, logger="parley.jobs.sla"):
        totals = await deliver_sla_escalations({"settings": unconfigured, "database": pg_database})
    assert totals == {"sent": 0, "dropped": 0, "postponed": 0, "waiting_tenants": 1}
    warnings = [record for record in caplog.records if record.name == "parley.jobs.sla"]
    assert [record.getMessage() for record in warnings] == [
        "sla escalations of 1 tenant(s) wait: smtp_host is not configured"
    ]
    [row] = await _escalation_rows(pg_database, world)
    assert (row.done_at, row.attempts) == (None, 0)
    assert mailbox.messages == []

    configured = services_settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_sender": "parley@agency.example",
            "public_base_url": f"{BASE_URL}/",
        }
    )
    context = {"settings": configured, "database": pg_database}
    first, second = await asyncio.gather(
        deliver_sla_escalations(context), deliver_sla_escalations(context)
    )
    assert first["sent"] + second["sent"] == 1
    [(recipients, message)] = mailbox.messages
    assert recipients == [LEAD_EMAIL]
    body = _text(message)
    assert f"{BASE_URL}/conversations/{conversation_id}\n" in body
    assert "Late by: " in body
    [row] = await _escalation_rows(pg_database, world)
    assert row.done_at is not None
