"""The per-process memory of webhook URLs: reuse within the TTL, reload after, bounded."""

import pytest

from api.webhooks.endpoint_cache import TimedCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Loader:
    """Counts its calls and returns a new value each time."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        return f"value {self.calls}"


async def test_a_value_is_reused_until_its_ttl_runs_out() -> None:
    clock = FakeClock()
    cache: TimedCache[str] = TimedCache(ttl_seconds=5.0, clock=clock)
    load = Loader()

    first = await cache.get("telegram", "channel-a", load)
    clock.now += 4.9
    again = await cache.get("telegram", "channel-a", load)
    clock.now += 0.1
    reloaded = await cache.get("telegram", "channel-a", load)

    assert (first, again, reloaded) == ("value 1", "value 1", "value 2")
    assert load.calls == 2


async def test_sources_and_keys_are_remembered_apart() -> None:
    cache: TimedCache[str] = TimedCache(clock=FakeClock())
    load = Loader()

    values = [
        await cache.get("telegram", "a", load),
        await cache.get("vk", "a", load),
        await cache.get("telegram", "b", load),
        await cache.get("telegram", "a", load),
    ]

    assert values == ["value 1", "value 2", "value 3", "value 1"]


async def test_the_least_recently_used_value_leaves_first() -> None:
    cache: TimedCache[str] = TimedCache(max_entries=2, clock=FakeClock())
    load = Loader()
    await cache.get("meta", "one", load)
    await cache.get("meta", "two", load)
    await cache.get("meta", "one", load)  # "two" is now the least recently used

    await cache.get("meta", "three", load)

    assert len(cache) == 2
    assert await cache.get("meta", "one", load) == "value 1"
    assert await cache.get("meta", "two", load) == "value 4"


async def test_a_failed_load_is_not_remembered() -> None:
    cache: TimedCache[str] = TimedCache(clock=FakeClock())
    attempts = 0

    async def unknown() -> str:
        nonlocal attempts
        attempts += 1
        raise LookupError("no such webhook endpoint")

    for _ in range(2):
        with pytest.raises(LookupError):
            await cache.get("generic", "missing", unknown)

    assert attempts == 2
    assert len(cache) == 0
