"""Event publishers: Redis pub/sub, and an in-process fan-out for the embedded default."""

import asyncio
from collections import defaultdict

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class RedisEventPublisher:
    """Publishes on Redis pub/sub; API processes subscribe to the tenant channels."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def publish(self, channel: str, message: str) -> None:
        try:
            await self._redis.publish(channel, message)
        except (RedisConnectionError, RedisTimeoutError) as error:
            raise ConnectionError(str(error)) from error


class InProcessEventPublisher:
    """Delivers to subscribers in this process (the embedded default has one process)."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)

    async def publish(self, channel: str, message: str) -> None:
        for subscriber in list(self._subscribers.get(channel, ())):
            subscriber.put_nowait(message)

    def subscribe(self, channel: str) -> "asyncio.Queue[str]":
        """A queue that receives every later message on `channel`."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._subscribers[channel].add(queue)
        return queue

    def unsubscribe(self, channel: str, queue: "asyncio.Queue[str]") -> None:
        self._subscribers[channel].discard(queue)
