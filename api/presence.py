"""Collision presence in Redis with a TTL (the `PresenceStore` port of `domain.assignment`).

One sorted set per conversation, `parley:presence:{tenant_id}:{conversation_id}`:
members are `{user_id}|{activity}`, scores the expiry as a Unix timestamp.
Reads drop expired members first; the key itself expires with its last entry,
so an abandoned conversation leaves nothing behind. Without Redis (the
embedded default) presence lives in the API process's memory.
"""

import uuid
import weakref
from datetime import UTC, datetime

from redis.asyncio import Redis

from api.services import Services
from domain.assignment.presence import (
    InMemoryPresenceStore,
    Presence,
    PresenceActivity,
    PresenceStore,
)


def presence_key(tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> str:
    return f"parley:presence:{tenant_id}:{conversation_id}"


class RedisPresenceStore:
    """A `PresenceStore` on Redis sorted sets (see the module docstring)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def touch(
        self,
        *,
        tenant_id: uuid.UUID,
        conversation_id: uuid.UUID,
        user_id: uuid.UUID,
        activity: PresenceActivity,
        ttl_seconds: int,
        now: datetime,
    ) -> None:
        key = presence_key(tenant_id, conversation_id)
        expires = now.timestamp() + ttl_seconds
        async with self._redis.pipeline(transaction=True) as pipe:
            for other in PresenceActivity:
                pipe.zrem(key, f"{user_id}|{other.value}")
            pipe.zadd(key, {f"{user_id}|{activity.value}": expires})
            pipe.expire(key, ttl_seconds + 1)
            await pipe.execute()

    async def leave(
        self, *, tenant_id: uuid.UUID, conversation_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        key = presence_key(tenant_id, conversation_id)
        await self._redis.zrem(
            key, *(f"{user_id}|{activity.value}" for activity in PresenceActivity)
        )

    async def present(
        self, *, tenant_id: uuid.UUID, conversation_id: uuid.UUID, now: datetime
    ) -> list[Presence]:
        key = presence_key(tenant_id, conversation_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now.timestamp())
            pipe.zrange(key, 0, -1, withscores=True)
            _, entries = await pipe.execute()
        found = []
        for member, score in entries:
            text = member.decode() if isinstance(member, bytes) else str(member)
            user, _, activity = text.partition("|")
            found.append(
                Presence(
                    user_id=uuid.UUID(user),
                    activity=PresenceActivity(activity),
                    expires_at=datetime.fromtimestamp(float(score), UTC),
                )
            )
        return sorted(found, key=lambda entry: str(entry.user_id))


#: In-memory stores by `id(services)`, dropped when their `Services` is collected.
_IN_MEMORY: dict[int, InMemoryPresenceStore] = {}


def presence_store(services: Services) -> PresenceStore:
    """Redis presence when the API has Redis, else one in-memory store per API process."""
    if services.redis is not None:
        return RedisPresenceStore(services.redis)
    key = id(services)
    store = _IN_MEMORY.get(key)
    if store is None:
        store = _IN_MEMORY[key] = InMemoryPresenceStore()
        weakref.finalize(services, _IN_MEMORY.pop, key, None)
    return store
