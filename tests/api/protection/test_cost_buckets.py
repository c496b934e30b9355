"""Token buckets in cost points: in Redis (atomic) and in process."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from api.graphql.protection.rate_limit import (
    BucketPolicy,
    CostBuckets,
    MemoryCostBuckets,
    RedisCostBuckets,
    ThrottleStatus,
)

SLOW = BucketPolicy(capacity=1000, restore_rate=0.001)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    return f"parley-test:cost:{uuid.uuid4().hex}"


@pytest.mark.redis
async def test_concurrent_requests_never_spend_the_same_points(redis: Redis, prefix: str) -> None:
    buckets = RedisCostBuckets(redis, prefix=prefix)
    steps = await asyncio.gather(*(buckets.take("client", 100, SLOW) for _ in range(25)))
    assert sum(step.granted for step in steps) == 10
    last = await buckets.take("client", 0, SLOW)
    assert last.granted
    assert last.status.currently_available < 1
    assert last.status.maximum_available == 1000


@pytest.mark.redis
async def test_refused_takes_spend_nothing_and_give_backs_cap_at_capacity(
    redis: Redis, prefix: str
) -> None:
    buckets = RedisCostBuckets(redis, prefix=prefix)
    first = await buckets.take("client", 900, SLOW)
    refused = await buckets.take("client", 200, SLOW)
    returned = await buckets.take("client", -5000, SLOW)
    assert (first.granted, refused.granted, returned.granted) == (True, False, True)
    assert 99 < refused.status.currently_available < 101
    assert returned.status == ThrottleStatus(1000, 1000, 0.001)
    assert 0 < await redis.ttl(f"{prefix}:client") <= 1_000_001


@pytest.mark.redis
async def test_buckets_restore_over_time_and_are_per_client(redis: Redis, prefix: str) -> None:
    buckets = RedisCostBuckets(redis, prefix=prefix)
    fast = BucketPolicy(capacity=10, restore_rate=100)
    assert (await buckets.take("a", 10, fast)).granted
    assert not (await buckets.take("a", 10, fast)).granted
    assert (await buckets.take("b", 10, fast)).granted
    await asyncio.sleep(0.15)
    assert (await buckets.take("a", 10, fast)).granted


async def test_in_process_buckets_follow_the_same_rules() -> None:
    now = [0.0]
    buckets = MemoryCostBuckets(clock=lambda: now[0])
    policy = BucketPolicy(capacity=100, restore_rate=10)
    assert (await buckets.take("a", 80, policy)).status.currently_available == 20
    refused = await buckets.take("a", 30, policy)
    assert not refused.granted
    assert refused.status == ThrottleStatus(100, 20, 10)
    now[0] = 1.5
    assert (await buckets.take("a", 30, policy)).status.currently_available == 5
    assert (await buckets.take("b", 100, policy)).granted
    assert (await buckets.take("a", -500, policy)).status.currently_available == 100


@pytest.mark.redis
async def test_forced_takes_charge_work_already_done_down_to_empty(
    redis: Redis, prefix: str
) -> None:
    now = [0.0]
    stores: list[CostBuckets] = [
        RedisCostBuckets(redis, prefix=prefix),
        MemoryCostBuckets(clock=lambda: now[0]),
    ]
    for buckets in stores:
        assert (await buckets.take("client", 990, SLOW)).granted
        unforced = await buckets.take("client", 30, SLOW)
        forced = await buckets.take("client", 30, SLOW, force=True)
        assert (unforced.granted, forced.granted) == (False, True)
        assert forced.status.currently_available == pytest.approx(0, abs=0.01)
