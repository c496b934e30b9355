"""The in-process message broker of the embedded default.

With Redis, workers publish inbox events on Redis pub/sub and every API
process subscribes there. The embedded default runs jobs and the API in one
process without Redis: the job publishes on `local_broker()` and the API's
subscriptions read from the same object.
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Final

logger = logging.getLogger("parley.realtime")

#: Messages one subscriber may have waiting; a slower one loses the newest.
SUBSCRIBER_BUFFER: Final = 1000


class LocalBroker:
    """Fan-out of published messages to this process's subscribers, per channel.

    Implements `EventPublisher`. Delivery is best effort, like Redis pub/sub:
    only subscribers present at publish time receive a message.
    """

    def __init__(self, *, buffer: int = SUBSCRIBER_BUFFER) -> None:
        self._buffer = buffer
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)

    async def publish(self, channel: str, message: str) -> None:
        for subscriber in list(self._subscribers.get(channel, ())):
            try:
                subscriber.put_nowait(message)
            except asyncio.QueueFull:
                logger.warning("a slow subscriber of %s missed a message", channel)

    async def publish_many(self, channel: str, messages: Sequence[str]) -> None:
        for message in messages:
            await self.publish(channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator["asyncio.Queue[str]"]:
        """A queue receiving every message published on `channel` while the block runs."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=self._buffer)
        self._subscribers[channel].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                del self._subscribers[channel]

    def subscriber_count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))


_local: LocalBroker | None = None


def local_broker() -> LocalBroker:
    """This process's broker, created on first use (one per process, by design)."""
    global _local
    if _local is None:
        _local = LocalBroker()
    return _local
