"""Conversation placement over time: reopening, new conversations, merging customers."""

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from domain.conversations.models import Conversation, ConversationStatus
from domain.customers.models import Customer
from domain.customers.service import merge_customers
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.ingestion import processing
from domain.shared.errors import ConflictError, NotFoundError, ValidationError
from domain.shared.tenancy import Actor, TenantScope
from tests.factories import TEST_ACTOR
from tests.integration.processing.conftest import (
    RECEIVED_AT,
    Solvia,
    conversations_of,
    customers_of,
    deliver,
    events_of,
    facebook_comment,
    identities_of,
    mention,
    mentions_of,
    outbox_of,
    run_job,
    store_event,
)

pytestmark = pytest.mark.postgres

FIRST = RECEIVED_AT - timedelta(days=30)


async def comment(
    database: Database, solvia: Solvia, number: int, written: datetime, **fields: str
) -> dict[str, object]:
    event_id = await store_event(
        database,
        solvia.tenant_id,
        source="meta",
        payload=facebook_comment(comment_id=f"p_{number}", created=written, **fields),
        received_at=written + timedelta(seconds=5),
    )
    outcome: dict[str, object] = await run_job(database, solvia.tenant_id, event_id)
    return outcome


async def set_status(
    database: Database,
    solvia: Solvia,
    conversation_id: uuid.UUID,
    status: ConversationStatus,
    resolved_at: datetime | None = None,
) -> None:
    async with UnitOfWork(database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)) as uow:
        found = await uow.session.get(Conversation, conversation_id)
        assert found is not None
        found.status = status
        found.resolved_at = resolved_at
        await uow.commit()


@pytest.mark.parametrize(
    ("status", "later"),
    [
        (ConversationStatus.RESOLVED, timedelta(days=3)),
        (ConversationStatus.CLOSED, timedelta(days=7)),
    ],
)
async def test_a_message_within_the_window_reopens(
    pg_database: Database, solvia: Solvia, status: ConversationStatus, later: timedelta
) -> None:
    await comment(pg_database, solvia, 1, FIRST)
    (conversation,) = await conversations_of(pg_database, solvia.tenant_id)
    resolved_at = FIRST + timedelta(hours=1)
    await set_status(pg_database, solvia, conversation.id, status, resolved_at)

    await comment(pg_database, solvia, 2, resolved_at + later)

    (reopened,) = await conversations_of(pg_database, solvia.tenant_id)
    assert (reopened.id, reopened.status, reopened.resolved_at) == (
        conversation.id,
        ConversationStatus.OPEN,
        None,
    )
    assert (reopened.message_count, reopened.last_customer_message_at) == (2, resolved_at + later)
    second = await mention(pg_database, solvia.tenant_id, "p_2")
    assert await events_of(pg_database, solvia.tenant_id, conversation.id) == [
        ("opened", {"mention_id": str((await mention(pg_database, solvia.tenant_id, "p_1")).id)}),
        (
            "message_added",
            {"mention_id": str((await mention(pg_database, solvia.tenant_id, "p_1")).id)},
        ),
        ("reopened", {"mention_id": str(second.id), "from_status": status.value}),
        ("message_added", {"mention_id": str(second.id)}),
    ]
    inbox = await outbox_of(pg_database, solvia.tenant_id, "inbox_event")
    assert [message["kind"] for message in inbox] == [
        "opened",
        "message_added",
        "reopened",
        "message_added",
    ]


async def test_a_message_beyond_the_window_opens_a_new_conversation(
    pg_database: Database, solvia: Solvia
) -> None:
    await comment(pg_database, solvia, 1, FIRST)
    (old,) = await conversations_of(pg_database, solvia.tenant_id)
    resolved_at = FIRST + timedelta(hours=1)
    await set_status(pg_database, solvia, old.id, ConversationStatus.RESOLVED, resolved_at)

    await comment(pg_database, solvia, 2, resolved_at + timedelta(days=7, minutes=1))
    # And the next message goes to the new one, not the resolved one.
    await comment(pg_database, solvia, 3, resolved_at + timedelta(days=8))

    first, second = await conversations_of(pg_database, solvia.tenant_id)
    assert (first.id, first.status, first.message_count) == (old.id, ConversationStatus.RESOLVED, 1)
    assert (second.status, second.message_count, second.thread_key) == (
        ConversationStatus.NEW,
        2,
        old.thread_key,
    )
    assert second.customer_id == old.customer_id
    assert [m.conversation_id for m in await mentions_of(pg_database, solvia.tenant_id)] == [
        old.id,
        second.id,
        second.id,
    ]


async def test_the_window_is_passed_as_a_value(pg_database: Database, solvia: Solvia) -> None:
    await comment(pg_database, solvia, 1, FIRST)
    (old,) = await conversations_of(pg_database, solvia.tenant_id)
    await set_status(pg_database, solvia, old.id, ConversationStatus.RESOLVED, FIRST)
    event_id = await store_event(
        pg_database,
        solvia.tenant_id,
        source="meta",
        payload=facebook_comment(comment_id="p_2", created=FIRST + timedelta(days=2)),
    )
    actor = Actor.system("tests")
    async with UnitOfWork(pg_database, actor=actor, scope=TenantScope(solvia.tenant_id)) as uow:
        outcome = await processing.process_inbound_event(
            uow, event_id=event_id, reopen_window=timedelta(days=1)
        )
        await uow.commit()
    assert outcome.conversation_events == 2  # opened + message_added
    assert len(await conversations_of(pg_database, solvia.tenant_id)) == 2


async def test_a_customer_answer_puts_a_waiting_conversation_back_to_open(
    pg_database: Database, solvia: Solvia
) -> None:
    await comment(pg_database, solvia, 1, FIRST)
    (conversation,) = await conversations_of(pg_database, solvia.tenant_id)
    await set_status(pg_database, solvia, conversation.id, ConversationStatus.PENDING_CUSTOMER)
    await comment(pg_database, solvia, 2, FIRST + timedelta(days=20))
    (answered,) = await conversations_of(pg_database, solvia.tenant_id)
    assert (answered.id, answered.status) == (conversation.id, ConversationStatus.OPEN)
    second = await mention(pg_database, solvia.tenant_id, "p_2")
    assert (await events_of(pg_database, solvia.tenant_id, conversation.id))[-1] == (
        "message_added",
        {"mention_id": str(second.id), "from_status": "pending_customer", "to_status": "open"},
    )


async def test_the_brands_reply_never_reopens(pg_database: Database, solvia: Solvia) -> None:
    await deliver(pg_database, solvia, "facebook", "02_")
    (conversation,) = await conversations_of(pg_database, solvia.tenant_id)
    await set_status(
        pg_database, solvia, conversation.id, ConversationStatus.RESOLVED, FIRST + timedelta(days=1)
    )
    await deliver(pg_database, solvia, "facebook", "03_")
    (after,) = await conversations_of(pg_database, solvia.tenant_id)
    assert (after.status, after.message_count) == (ConversationStatus.RESOLVED, 2)


async def test_merge_customers_moves_identities_conversations_and_mentions(
    pg_database: Database, solvia: Solvia
) -> None:
    # Katarzyna's feed comment (02) and, under another platform id, her Messenger DM (11).
    await deliver(pg_database, solvia, "facebook", "02_", "11_")
    feed = await mention(pg_database, solvia.tenant_id, "122158734409283716_1187723409865521")
    dm = await mention(
        pg_database,
        solvia.tenant_id,
        "m_X8l3qoKBhdZDUBSrr3hO_NpoY2JyAAeUszPrPRxFo_J3TTFU5Eaidnu4W4tzpNRwf1sWAx3jp-tK_wnWOXAiZQ",
    )
    assert feed.customer_id is not None
    assert dm.customer_id is not None
    survivor_id, merged_id = feed.customer_id, dm.customer_id
    dm_conversation = dm.conversation_id
    assert dm_conversation is not None

    async with UnitOfWork(
        pg_database, actor=Actor.user(uuid.UUID(int=7)), scope=TenantScope(solvia.tenant_id)
    ) as uow:
        result = await merge_customers(uow, survivor_id=survivor_id, merged_id=merged_id)
        await uow.commit()
    assert (result.identities_moved, result.conversations_moved, result.mentions_moved) == (1, 1, 1)

    identities = await identities_of(pg_database, solvia.tenant_id)
    owners = {i.platform_user_id: i.customer_id for i in identities}
    assert owners["8412093375521064"] == owners["6650391827740125"] == survivor_id
    # The other customer writing in the same Messenger batch is untouched.
    assert owners["25019384756102934"] not in (survivor_id, merged_id)
    assert (await mention(pg_database, solvia.tenant_id, dm.external_id)).customer_id == survivor_id
    conversations = {c.id: c for c in await conversations_of(pg_database, solvia.tenant_id)}
    assert conversations[dm_conversation].customer_id == survivor_id
    assert (await events_of(pg_database, solvia.tenant_id, dm_conversation))[-1] == (
        "customer_merged",
        {"from_customer_id": str(merged_id), "to_customer_id": str(survivor_id)},
    )
    customers = {c.id: c for c in await customers_of(pg_database, solvia.tenant_id)}
    assert customers[merged_id].merged_into_id == survivor_id
    assert customers[merged_id].merged_at is not None
    assert customers[survivor_id].merged_into_id is None

    # New messages under the merged identity go to the survivor and its conversation.
    await deliver(
        pg_database,
        solvia,
        "facebook",
        "11_",
        received_at=RECEIVED_AT + timedelta(days=1),
    )
    assert len(conversations) == len(await conversations_of(pg_database, solvia.tenant_id))

    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        with pytest.raises(ConflictError):
            await merge_customers(uow, survivor_id=survivor_id, merged_id=merged_id)
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        with pytest.raises(ValidationError):
            await merge_customers(uow, survivor_id=survivor_id, merged_id=survivor_id)
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        with pytest.raises(NotFoundError):
            await merge_customers(uow, survivor_id=survivor_id, merged_id=uuid.uuid4())


async def test_a_new_identity_of_a_merged_customer_resolves_to_the_survivor(
    pg_database: Database, solvia: Solvia
) -> None:
    await comment(pg_database, solvia, 1, FIRST, author_id="111", author_name="A")
    await comment(pg_database, solvia, 2, FIRST, author_id="222", author_name="B")
    first = await mention(pg_database, solvia.tenant_id, "p_1")
    second = await mention(pg_database, solvia.tenant_id, "p_2")
    assert first.customer_id is not None
    assert second.customer_id is not None
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        await merge_customers(uow, survivor_id=first.customer_id, merged_id=second.customer_id)
        await uow.commit()
    await comment(pg_database, solvia, 3, FIRST + timedelta(hours=1), author_id="222")
    third = await mention(pg_database, solvia.tenant_id, "p_3")
    assert third.customer_id == first.customer_id
    async with UnitOfWork(
        pg_database, actor=TEST_ACTOR, scope=TenantScope(solvia.tenant_id)
    ) as uow:
        survivor = (
            await uow.session.execute(select(Customer).where(Customer.id == first.customer_id))
        ).scalar_one()
    assert survivor.last_seen_at == FIRST + timedelta(hours=1)
