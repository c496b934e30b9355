"""Per-process memories of webhook URLs, so a delivery costs one short transaction.

Every POST used to open a transaction of its own only to find which tenant a URL
belongs to, then read and decrypt the channel or app behind it. Both change
rarely, so each API process remembers, per URL, the endpoint (`WebhookEndpoint`)
and the delivery target (`DeliveryTarget`: the channel or app and its decrypted
secrets) for `TTL_SECONDS`, at most `MAX_ENTRIES` of each (least recently used
first out).

What this delays, by at most `TTL_SECONDS` in each API process: a rotated secret
(deliveries signed with the old one are still accepted, with the new one refused,
until the entry expires), a removed channel or app, a URL moved to another
target. Unknown URLs and refusals are not remembered: a URL registered a moment
ago works at once.

Loads are shared: while one request loads a URL's value, other requests for the
same URL wait for that load instead of starting their own. Under a backlog
hundreds of requests are in flight when an entry expires, and each used to
reload it (about a quarter of all deliveries paid for a lookup). A failed load
fails the requests waiting for it too; a cancelled one lets each of them load
again.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

#: How long a found value is reused without asking the database again.
TTL_SECONDS = 5.0

#: The most values one cache remembers.
MAX_ENTRIES = 4096

Value = TypeVar("Value")


class TimedCache(Generic[Value]):
    """Values by `(source, key)`, each reused for `ttl_seconds` after it was loaded."""

    def __init__(
        self,
        *,
        ttl_seconds: float = TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_seconds = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[float, Value]] = OrderedDict()
        self._loading: dict[tuple[str, str], asyncio.Future[Value]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, source: str, key: str, load: Callable[[], Awaitable[Value]]) -> Value:
        """The remembered value, or `load()`'s (then remembered); `load`'s errors pass through.

        While a load of the same `(source, key)` is under way, its outcome is
        awaited instead of calling `load`.
        """
        entry = (source, key)
        found = self._entries.get(entry)
        if found is not None and found[0] > self._clock():
            self._entries.move_to_end(entry)
            return found[1]
        pending = self._loading.get(entry)
        if pending is not None:
            try:
                # Shielded: a waiter that is cancelled must not cancel the shared load.
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this waiter itself was cancelled
            # The shared load was cancelled with its request: load here instead.
        return await self._load(entry, load)

    async def _load(self, entry: tuple[str, str], load: Callable[[], Awaitable[Value]]) -> Value:
        shared: asyncio.Future[Value] = asyncio.get_running_loop().create_future()
        self._loading[entry] = shared
        try:
            value = await load()
        except Exception as error:
            shared.set_exception(error)
            shared.exception()  # retrieved: nobody waiting is not an unhandled error
            raise
        except BaseException:
            shared.cancel()
            raise
        finally:
            if self._loading.get(entry) is shared:
                del self._loading[entry]
        shared.set_result(value)
        now = self._clock()
        self._entries[entry] = (now + self._ttl_seconds, value)
        self._entries.move_to_end(entry)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return value
