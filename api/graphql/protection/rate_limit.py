"""Per-client rate limits in cost points: a token bucket per client.

A bucket holds at most `capacity` points and refills at `restore_rate` points
per second. An operation takes its requested cost before it runs (refused when
the bucket holds less) and gives back the difference to its actual cost after.
In Redis the whole read-refill-take step is one Lua script, so concurrent
requests of one client can never both spend the same points; the embedded
default (no Redis) keeps buckets in the process.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

KEY_PREFIX = "parley:graphql:cost"
_MAX_LOCAL_BUCKETS = 10_000


@dataclass(frozen=True, slots=True)
class BucketPolicy:
    """How big a client's bucket is and how fast it refills."""

    capacity: float
    restore_rate: float


@dataclass(frozen=True, slots=True)
class ThrottleStatus:
    """A bucket's state after a step, as reported in `extensions.cost.throttleStatus`."""

    maximum_available: float
    currently_available: float
    restore_rate: float

    def as_json(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available,
            "restoreRate": self.restore_rate,
        }


@dataclass(frozen=True, slots=True)
class BucketStep:
    """The outcome of asking a bucket for points."""

    granted: bool
    status: ThrottleStatus


class CostBuckets(Protocol):
    """Token buckets by client key."""

    async def take(
        self, key: str, points: float, policy: BucketPolicy, *, force: bool = False
    ) -> BucketStep:
        """Refill, then take `points` if the bucket holds that many (else take nothing).

        `force` takes them anyway, down to an empty bucket (for work already
        done). Negative `points` give points back (never above capacity); 0
        only reads.
        """
        ...


# KEYS[1] bucket; ARGV capacity, restore rate, points, force (1/0). Redis' own clock keeps
# every API process on one time line. Floats go back as strings (Lua numbers
# would be truncated to integers).
_TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local points = tonumber(ARGV[3])
local force = ARGV[4] == '1'
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'available', 'at')
local available = tonumber(state[1])
local at = tonumber(state[2])
if available == nil or at == nil then
  available = capacity
  at = now
end
available = math.min(capacity, available + math.max(0, now - at) * rate)
local granted = 0
if points <= available then
  available = math.min(capacity, available - points)
  granted = 1
elseif force then
  available = 0
  granted = 1
end
redis.call('HSET', KEYS[1], 'available', tostring(available), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {granted, tostring(available)}
"""


class RedisCostBuckets:
    """Buckets shared by every API process, one Redis hash per client."""

    def __init__(self, redis: Redis, *, prefix: str = KEY_PREFIX) -> None:
        self._script = redis.register_script(_TAKE_SCRIPT)
        self._prefix = prefix

    async def take(
        self, key: str, points: float, policy: BucketPolicy, *, force: bool = False
    ) -> BucketStep:
        granted, available = await self._script(
            keys=[f"{self._prefix}:{key}"],
            args=[policy.capacity, policy.restore_rate, points, 1 if force else 0],
        )
        return BucketStep(
            granted=bool(int(granted)),
            status=_status(float(available), policy),
        )


class MemoryCostBuckets:
    """Buckets of one process, for the embedded default without Redis."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(
        self, key: str, points: float, policy: BucketPolicy, *, force: bool = False
    ) -> BucketStep:
        # No await between read and write: steps of one event loop cannot interleave.
        now = self._clock()
        available, at = self._buckets.get(key, (policy.capacity, now))
        available = min(policy.capacity, available + max(0.0, now - at) * policy.restore_rate)
        granted = points <= available or force
        if granted:
            available = max(0.0, min(policy.capacity, available - points))
        if len(self._buckets) >= _MAX_LOCAL_BUCKETS:
            self._buckets.clear()  # forgetting buckets only ever lets clients do more
        self._buckets[key] = (available, now)
        return BucketStep(granted=granted, status=_status(available, policy))


def _status(available: float, policy: BucketPolicy) -> ThrottleStatus:
    return ThrottleStatus(
        maximum_available=policy.capacity,
        currently_available=round(available, 3),
        restore_rate=policy.restore_rate,
    )
