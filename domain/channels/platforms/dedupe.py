"""Idempotency keys: per delivered event, and per mention.

Event keys let the receiver drop redeliveries (every platform retries; only Telegram and VK
send an event id, so Meta and X are keyed on content). Mention keys give one row per piece
of content within a tenant's channel, however many events (edits, hides) it gets.
"""

from collections.abc import Callable, Mapping
from types import MappingProxyType

from domain.channels.platforms import facebook, generic, instagram, telegram, vk, x
from domain.channels.platforms.types import MentionKind, NormalizedMention

_EVENT_KEY_READERS: Mapping[str, Callable[[bytes], tuple[str, ...]]] = MappingProxyType(
    {
        facebook.PLATFORM: facebook.dedupe_keys,
        instagram.PLATFORM: instagram.dedupe_keys,
        x.PLATFORM: x.dedupe_keys,
        telegram.PLATFORM: telegram.dedupe_keys,
        vk.PLATFORM: vk.dedupe_keys,
        generic.PLATFORM: generic.dedupe_keys,
    }
)


def event_dedupe_keys(platform: str, body: bytes) -> tuple[str, ...]:
    """The keys identifying the events in `body`, in payload order, without repeats.

    A redelivery yields the same keys as the original; an edit yields new keys. A body is a
    duplicate when all its keys were seen before. Raises `MalformedPayload` for a body that
    cannot be read, `ValueError` for an unknown platform.
    """
    reader = _EVENT_KEY_READERS.get(platform)
    if reader is None:
        raise ValueError(f"no dedupe keys for platform {platform!r}")
    return reader(body)


def mention_key(mention: NormalizedMention) -> str:
    """``<platform>:<dm|public>:<external_id>``: the same for every event about one item.

    Edits keep the key (X edits too: `external_id` is the initial Tweet id). DMs and public
    content live in separate namespaces because some platforms number them independently.
    Tenant and channel are not part of the key; the store scopes it by both.
    """
    space = "dm" if mention.kind is MentionKind.DM else "public"
    return f"{mention.platform}:{space}:{mention.external_id}"
