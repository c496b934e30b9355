"""Counters of failed sign-ins on the login form, in Redis or in this process.

Keys are hashed (never an e-mail address in clear) and expire with the
throttle's window, which starts at the first failure. With Redis configured
every API process shares the counts; the embedded default counts per process.
"""

import hashlib
import time
from collections.abc import Sequence
from typing import Protocol

from redis.asyncio import Redis

REDIS_PREFIX = "parley:oauth:login-failures:"
MAX_MEMORY_KEYS = 10_000


def failure_key(*parts: str) -> str:
    """An opaque counter key for e.g. (tenant id, e-mail) or (tenant id, address)."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


class LoginFailureCounter(Protocol):
    async def counts(self, keys: Sequence[str]) -> list[int]:
        """The current failure count of each key (0 when unknown or expired)."""
        ...

    async def record_failure(self, keys: Sequence[str], *, window_seconds: int) -> None:
        """Add one failure to each key."""
        ...

    async def reset(self, key: str) -> None:
        """Forget a key's failures (after a successful sign-in)."""
        ...


class RedisLoginFailureCounter:
    """Fixed-window counters in Redis (INCR, EXPIRE NX)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def counts(self, keys: Sequence[str]) -> list[int]:
        values = await self._redis.mget([REDIS_PREFIX + key for key in keys])
        return [int(value) if value is not None else 0 for value in values]

    async def record_failure(self, keys: Sequence[str], *, window_seconds: int) -> None:
        async with self._redis.pipeline(transaction=True) as pipeline:
            for key in keys:
                pipeline.incr(REDIS_PREFIX + key)
                pipeline.expire(REDIS_PREFIX + key, window_seconds, nx=True)
            await pipeline.execute()

    async def reset(self, key: str) -> None:
        await self._redis.delete(REDIS_PREFIX + key)


class MemoryLoginFailureCounter:
    """Fixed-window counters in this process (the embedded default has one process)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, float]] = {}

    def _live(self, key: str, now: float) -> int:
        count, expires_at = self._entries.get(key, (0, 0.0))
        return count if expires_at > now else 0

    async def counts(self, keys: Sequence[str]) -> list[int]:
        now = time.monotonic()
        return [self._live(key, now) for key in keys]

    async def record_failure(self, keys: Sequence[str], *, window_seconds: int) -> None:
        now = time.monotonic()
        if len(self._entries) >= MAX_MEMORY_KEYS:
            live = [(key, entry) for key, entry in self._entries.items() if entry[1] > now]
            # Still full of live counters: forget the oldest half rather than grow forever.
            keep = live if len(live) < MAX_MEMORY_KEYS else live[len(live) // 2 :]
            self._entries = dict(keep)
        for key in keys:
            count, expires_at = self._entries.get(key, (0, 0.0))
            if expires_at <= now:
                count, expires_at = 0, now + window_seconds
            self._entries[key] = (count + 1, expires_at)

    async def reset(self, key: str) -> None:
        self._entries.pop(key, None)
