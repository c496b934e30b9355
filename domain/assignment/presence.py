"""Collision presence: who views or types in a conversation right now.

Presence is short-lived and not worth a database row: it lives behind the
`PresenceStore` port, kept in Redis with a TTL by the API process
(`api/presence.py`), or in memory in the embedded default. An entry that is
not refreshed within its TTL disappears.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

#: Seconds a presence entry lives unless refreshed (clients refresh every ~10 s).
DEFAULT_PRESENCE_TTL_SECONDS = 30


class PresenceActivity(StrEnum):
    VIEWING = "viewing"
    TYPING = "typing"


@dataclass(frozen=True, slots=True)
class Presence:
    """One agent in one conversation, until `expires_at`."""

    user_id: uuid.UUID
    activity: PresenceActivity
    expires_at: datetime


class PresenceStore(Protocol):
    """Where presence lives (Redis with TTL, or memory)."""

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
        """Record (or refresh) the agent's presence for `ttl_seconds` from `now`."""
        ...

    async def leave(
        self, *, tenant_id: uuid.UUID, conversation_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        """Remove the agent's presence at once."""
        ...

    async def present(
        self, *, tenant_id: uuid.UUID, conversation_id: uuid.UUID, now: datetime
    ) -> list[Presence]:
        """Unexpired presence entries of the conversation, by user id."""
        ...


class InMemoryPresenceStore:
    """A `PresenceStore` in process memory (the embedded default, and unit tests)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[uuid.UUID, uuid.UUID], dict[uuid.UUID, Presence]] = {}

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
        entries = self._entries.setdefault((tenant_id, conversation_id), {})
        entries[user_id] = Presence(user_id, activity, now + timedelta(seconds=ttl_seconds))

    async def leave(
        self, *, tenant_id: uuid.UUID, conversation_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        self._entries.get((tenant_id, conversation_id), {}).pop(user_id, None)

    async def present(
        self, *, tenant_id: uuid.UUID, conversation_id: uuid.UUID, now: datetime
    ) -> list[Presence]:
        entries = self._entries.get((tenant_id, conversation_id), {})
        for user_id in [key for key, entry in entries.items() if entry.expires_at <= now]:
            del entries[user_id]
        return sorted(entries.values(), key=lambda entry: str(entry.user_id))
