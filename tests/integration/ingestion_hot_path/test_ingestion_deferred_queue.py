"""Jobs a delivery asks for reach the real queue only when `send` runs (after the response)."""

import logging
import uuid
from typing import Any

import pytest

from api.webhooks.deferred_queue import DeferredJobQueue

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
