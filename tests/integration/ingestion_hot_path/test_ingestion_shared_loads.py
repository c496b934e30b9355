"""Concurrent misses of one webhook URL share a single load of its value."""

import asyncio

import pytest

from api.webhooks.endpoint_cache import TimedCache


class GatedLoader:
    """Counts its calls; each call waits for `gate`, then returns or raises."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls = 0
        self.gate = asyncio.Event()
        self.error = error

    async def __call__(self) -> str:
        self.calls += 1
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        return f"value {self.calls}"


async def test_requests_missing_the_same_url_at_once_load_it_once() -> None:
    cache: TimedCache[str] = TimedCache()
    load = GatedLoader()

    waiting = [asyncio.create_task(cache.get("telegram", "a", load)) for _ in range(50)]
    await asyncio.sleep(0)
    load.gate.set()

    assert await asyncio.gather(*waiting) == ["value 1"] * 50
    assert load.calls == 1


async def test_different_urls_do_not_wait_for_each_other() -> None:
    cache: TimedCache[str] = TimedCache()
    slow = GatedLoader()

    async def fast() -> str:
        return "fast"

    stuck = asyncio.create_task(cache.get("telegram", "slow", slow))
    await asyncio.sleep(0)

    assert await cache.get("telegram", "other", fast) == "fast"
    slow.gate.set()
    assert await stuck == "value 1"


async def test_a_failed_shared_load_fails_its_waiters_and_is_not_remembered() -> None:
    cache: TimedCache[str] = TimedCache()
    load = GatedLoader(error=LookupError("no such webhook endpoint"))

    waiting = [asyncio.create_task(cache.get("generic", "missing", load)) for _ in range(3)]
    await asyncio.sleep(0)
    load.gate.set()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)

    assert [type(outcome) for outcome in outcomes] == [LookupError] * 3
    assert load.calls == 1
    assert len(cache) == 0
    with pytest.raises(LookupError):
        await cache.get("generic", "missing", load)
    assert load.calls == 2


async def test_a_cancelled_load_lets_its_waiters_load_again() -> None:
    cache: TimedCache[str] = TimedCache()
    load = GatedLoader()

    leader = asyncio.create_task(cache.get("vk", "a", load))
    await asyncio.sleep(0)
    follower = asyncio.create_task(cache.get("vk", "a", load))
    await asyncio.sleep(0)
    leader.cancel()
    await asyncio.sleep(0)
    load.gate.set()

    assert await follower == "value 2"
    assert leader.cancelled()
    assert load.calls == 2


async def test_a_cancelled_waiter_does_not_cancel_the_shared_load() -> None:
    cache: TimedCache[str] = TimedCache()
    load = GatedLoader()

    leader = asyncio.create_task(cache.get("meta", "app", load))
    await asyncio.sleep(0)
    follower = asyncio.create_task(cache.get("meta", "app", load))
    await asyncio.sleep(0)
    follower.cancel()
    await asyncio.sleep(0)
    load.gate.set()

    assert await leader == "value 1"
    assert follower.cancelled()
    assert load.calls == 1
