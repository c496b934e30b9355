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
"""

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

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, source: str, key: str, load: Callable[[], Awaitable[Value]]) -> Value:
        """The remembered value, or `load()`'s (then remembered); `load`'s errors pass through."""
        now = self._clock()
        entry = (source, key)
        found = self._entries.get(entry)
        if found is not None and found[0] > now:
            self._entries.move_to_end(entry)
            return found[1]
        value = await load()
        self._entries[entry] = (now + self._ttl_seconds, value)
        self._entries.move_to_end(entry)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return value
