"""Jobs a delivery asks for reach the real queue only when `send` runs (after the response)."""

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest

from api.webhooks.deferred_queue import DeferredJobQueue, SendBudget

TENANT = uuid.UUID("6f1d2c3b-0000-4000-8000-000000000001")


class RecordingQueue:
    """A stand-in for Redis: keeps what it was asked to enqueue, or fails every time."""

    def __init__(self, *, failing: bool = False) -> None:
        self.failing = failing
        self.enqueued: list[tuple[str, uuid.UUID, str | None, dict[str, Any]]] = []

    async def enqueue(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str | None = None, **kwargs: Any
    ) -> None:
        if self.failing:
            raise ConnectionError("redis is down")
        self.enqueued.append((job_name, tenant_id, job_id, kwargs))

    async def ping(self) -> bool:
        return not self.failing

    async def close(self) -> None:
        return None


async def test_jobs_wait_for_send_and_keep_their_order() -> None:
    target = RecordingQueue()
    deferred = DeferredJobQueue(target)

    await deferred.enqueue(
        "process_inbound_event", tenant_id=TENANT, job_id="inbound:1", event_id="1"
    )
    await deferred.enqueue(
        "process_inbound_event", tenant_id=TENANT, job_id="inbound:2", event_id="2"
    )
    assert target.enqueued == []

    await deferred.send()

    assert target.enqueued == [
        ("process_inbound_event", TENANT, "inbound:1", {"event_id": "1"}),
        ("process_inbound_event", TENANT, "inbound:2", {"event_id": "2"}),
    ]
    assert deferred.jobs == []


async def test_a_failed_enqueue_is_logged_without_content_and_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    deferred = DeferredJobQueue(RecordingQueue(failing=True))
    await deferred.enqueue(
        "process_inbound_event", tenant_id=TENANT, job_id="inbound:7", event_id="7"
    )

    with caplog.at_level(logging.WARNING, logger="parley.webhooks"):
        await deferred.send()

    assert [record.getMessage() for record in caplog.records] == [
        "job process_inbound_event (inbound:7) not enqueued: ConnectionError"
    ]
    assert deferred.jobs == []


class BlockedQueue(RecordingQueue):
    """Enqueues wait until `release` is set, like a Redis that cannot keep up."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def enqueue(
        self, job_name: str, *, tenant_id: uuid.UUID, job_id: str | None = None, **kwargs: Any
    ) -> None:
        await self.release.wait()
        await super().enqueue(job_name, tenant_id=tenant_id, job_id=job_id, **kwargs)


async def deferred_with_one_job(target: RecordingQueue, number: int) -> DeferredJobQueue:
    deferred = DeferredJobQueue(target)
    await deferred.enqueue(
        "process_inbound_event", tenant_id=TENANT, job_id=f"inbound:{number}", event_id=str(number)
    )
    return deferred


async def test_sends_past_the_budget_are_shed_and_the_budget_comes_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    target = BlockedQueue()
    budget = SendBudget(limit=2)
    caplog.set_level(logging.WARNING, logger="parley.webhooks")

    first = budget.background(await deferred_with_one_job(target, 1))
    second = budget.background(await deferred_with_one_job(target, 2))
    assert first is not None
    assert second is not None
    running = [asyncio.create_task(task()) for task in (first, second)]
    await asyncio.sleep(0)

    # Two sends wait on the queue: the third delivery's job is left for the worker.
    assert budget.background(await deferred_with_one_job(target, 3)) is None
    assert (budget.waiting, budget.shed) == (2, 1)
    assert "not enqueued" in caplog.text

    target.release.set()
    await asyncio.gather(*running)
    assert budget.waiting == 0
    # Once the backlog eased, the shed delivery got a catch-up job (any id).
    enqueued = [(job_id, kwargs) for _, _, job_id, kwargs in target.enqueued]
    assert sorted(enqueued, key=str) == [
        ("inbound:1", {"event_id": "1"}),
        ("inbound:2", {"event_id": "2"}),
        (None, {"event_id": "3", "catch_up": True}),
    ]
    assert budget.background(await deferred_with_one_job(target, 4)) is not None


class JoiningQueue(RecordingQueue):
    """Records joins apart from plain enqueues."""

    def __init__(self) -> None:
        super().__init__()
        self.joined: list[tuple[str, uuid.UUID, str, dict[str, Any]]] = []

    async def enqueue_or_join(
        self,
        job_name: str,
        *,
        tenant_id: uuid.UUID,
        group: str,
        gather: timedelta = timedelta(0),
        **kwargs: Any,
    ) -> bool:
        self.joined.append((job_name, tenant_id, group, {**kwargs, "gather": gather}))
        return True


async def test_a_join_reaches_a_queue_that_can_join_and_is_a_plain_enqueue_elsewhere() -> None:
    joining, plain = JoiningQueue(), RecordingQueue()
    for target in (joining, plain):
        deferred = DeferredJobQueue(target)
        await deferred.enqueue_or_join(
            "process_inbound_event",
            tenant_id=TENANT,
            group="inbound-batch:t",
            gather=timedelta(milliseconds=100),
            event_id="1",
        )
        await deferred.send()

    assert joining.joined == [
        (
            "process_inbound_event",
            TENANT,
            "inbound-batch:t",
            {"event_id": "1", "gather": timedelta(milliseconds=100)},
        )
    ]
    assert joining.enqueued == []
    assert plain.enqueued == [("process_inbound_event", TENANT, None, {"event_id": "1"})]


async def test_a_shed_join_comes_back_as_one_catch_up_join() -> None:
    target = JoiningQueue()
    budget = SendBudget(limit=0)
    deferred = DeferredJobQueue(target)
    await deferred.enqueue_or_join(
        "process_inbound_event",
        tenant_id=TENANT,
        group="inbound-batch:t",
        event_id="1",
        catch_up=True,
    )
    assert budget.background(deferred) is None

    budget.limit = 2
    task = budget.background(DeferredJobQueue(target))
    assert task is not None
    await task()

    assert target.joined == [
        (
            "process_inbound_event",
            TENANT,
            "inbound-batch:t",
            {"event_id": "1", "catch_up": True, "gather": timedelta(0)},
        )
    ]
