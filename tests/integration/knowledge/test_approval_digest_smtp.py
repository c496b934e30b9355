"""The approvers' e-mail digest over real SMTP (aiosmtpd on loopback) and PostgreSQL."""

import asyncio
import uuid
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest

from domain.approvals.service import request_approval, send_approval_digests
from domain.db.session import Database
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor
from tests.integration.knowledge.conftest import Mailbox
from tests.integration.knowledge.knowledge_world import World, make_world
from workers.notifications.smtp import SmtpEmailSender

pytestmark = pytest.mark.postgres

DIGEST_ACTOR = Actor.system("tests:digest")
BASE_URL = "https://parley.example"
HOUR = timedelta(hours=1)


def _text(message: Message) -> str:
    """The plain-text body, with SMTP's CRLF line ends read back as newlines."""
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8").replace("\r\n", "\n")


async def _pending(database: Database, world: World, brand_id: uuid.UUID, summary: str) -> str:
    async with world.uow(database) as uow:
        request = await request_approval(
            uow, brand_id=brand_id, subject_kind="reply", subject_id=uuid.uuid4(), summary=summary
        )
        await uow.commit()
    return str(request.id)


async def test_each_approver_gets_one_digest_of_their_brands_never_twice(
    pg_database: Database, smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    sender = SmtpEmailSender(
        host="127.0.0.1", port=port, sender="parley@agency.example", timeout_seconds=5
    )
    world = await make_world(pg_database)
    first = await _pending(pg_database, world, world.wierzba.id, "Reply to a claim question")
    second = await _pending(pg_database, world, world.wierzba.id, "Reply about instalments")
    now = utcnow()

    async def run(at: Any) -> tuple[int, int, int]:
        result = await send_approval_digests(
            pg_database,
            tenant_id=world.tenant_id,
            actor=DIGEST_ACTOR,
            sender=sender,
            public_base_url=BASE_URL,
            interval=HOUR,
            now=at,
        )
        return result.sent, result.items, result.failed

    assert await run(now) == (1, 2, 0)
    await asyncio.sleep(0)
    [(recipients, message)] = mailbox.messages
    assert recipients == ["anna@wierzba.example"]
    assert message["To"] == "anna@wierzba.example"
    assert message["From"] == "parley@agency.example"
    assert message["Subject"] == "Parley: 2 items awaiting your approval"
    body = _text(message)
    assert body == (
        "2 items awaiting your approval in Parley.\n"
        "\n"
        "Wierzba:\n"
        "- Reply: Reply to a claim question\n"
        f"  {BASE_URL}/approvals/{first}\n"
        "- Reply: Reply about instalments\n"
        f"  {BASE_URL}/approvals/{second}\n"
        "\n"
        "You receive at most one digest per interval; each item is listed once.\n"
    )

    # Nothing new: nothing sent, even after the interval.
    assert await run(now + 2 * HOUR) == (0, 0, 0)
    # A new item within the interval waits; after it, only the new item is sent.
    third = await _pending(pg_database, world, world.wierzba.id, "Reply to a complaint")
    assert await run(now + timedelta(minutes=30)) == (0, 0, 0)
    assert await run(now + HOUR) == (1, 1, 0)
    assert len(mailbox.messages) == 2
    later = _text(mailbox.messages[1][1])
    assert f"/approvals/{third}" in later
    assert first not in later
    assert second not in later
    # The approver of the other brand and the other tenant's approver got nothing.
    assert {rcpt for rcpts, _ in mailbox.messages for rcpt in rcpts} == {"anna@wierzba.example"}


async def test_a_refused_digest_is_sent_again_later(pg_database: Database) -> None:
    world = await make_world(pg_database)
    await _pending(pg_database, world, world.biryuza.id, "Reply in Russian")
    unreachable = SmtpEmailSender(host="127.0.0.1", port=9, sender="p@a.example", timeout_seconds=2)

    failed = await send_approval_digests(
        pg_database,
        tenant_id=world.tenant_id,
        actor=DIGEST_ACTOR,
        sender=unreachable,
        public_base_url=BASE_URL,
        interval=HOUR,
    )
    assert (failed.sent, failed.items, failed.failed) == (0, 0, 1)

    class Accepting:
        def __init__(self) -> None:
            self.sent: list[str] = []

        async def send(self, message: Any) -> None:
            self.sent.append(message.to)

    accepting = Accepting()
    retried = await send_approval_digests(
        pg_database,
        tenant_id=world.tenant_id,
        actor=DIGEST_ACTOR,
        sender=accepting,
        public_base_url=BASE_URL,
        interval=HOUR,
    )
    assert (retried.sent, retried.items, retried.failed) == (1, 1, 0)
    assert accepting.sent == ["boris@biryuza.example"]
