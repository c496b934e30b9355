"""Event publishers: Redis pub/sub, and an in-process fan-out for the embedded default."""

import asyncio
from collections import defaultdict
from collections.abc import Sequence

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

    async def publish_many(self, channel: str, messages: Sequence[str]) -> None:
        """All of `messages` in one round trip (a pipeline, not a transaction)."""
        try:
            async with self._redis.pipeline(transaction=False) as pipeline:
                for message in messages:
                    pipeline.publish(channel, message)
                await pipeline.execute()
        except (RedisConnectionError, RedisTimeoutError) as error:
            raise ConnectionError(str(error)) from error


class InProcessEventPublisher:
    """Delivers to subscribers in this process (the embedded default has one process)."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)

    async def publish(self, channel: str, message: str) -> None:
        for subscriber in list(self._subscribers.get(channel, ())):
            subscriber.put_nowait(message)

    async def publish_many(self, channel: str, messages: Sequence[str]) -> None:
        for message in messages:
            await self.publish(channel, message)

    def subscribe(self, channel: str) -> "asyncio.Queue[str]":
        """A queue that receives every later message on `channel`."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._subscribers[channel].add(queue)
        return queue

    def unsubscribe(self, channel: str, queue: "asyncio.Queue[str]") -> None:
        self._subscribers[channel].discard(queue)
