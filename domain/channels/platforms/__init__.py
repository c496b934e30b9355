"""Pure platform code: webhook authenticity checks, payload parsing, dedupe keys.

No I/O and no third-party imports: callers pass raw bytes and header values in, and get
normalised values out.
"""

from collections.abc import Callable, Mapping
from types import MappingProxyType

from domain.channels.platforms import export, facebook, generic, instagram, telegram, vk, x
from domain.channels.platforms.dedupe import event_dedupe_keys, mention_key
from domain.channels.platforms.meta import meta_platform
from domain.channels.platforms.signatures import (
    is_vk_confirmation,
    meta_challenge_response,
    sign_generic,
    verify_generic,
    verify_meta_signature,
    verify_telegram_secret,
    verify_x_signature,
    vk_secret_matches,
    x_crc_response_token,
)
from domain.channels.platforms.types import (
    Author,
    EventAction,
    MalformedPayload,
    MentionKind,
    NormalizedMention,
    ParseResult,
)

#: Webhook body parser per platform name.
PARSERS: Mapping[str, Callable[[bytes], ParseResult]] = MappingProxyType(
    {
        facebook.PLATFORM: facebook.parse,
        instagram.PLATFORM: instagram.parse,
        x.PLATFORM: x.parse,
        telegram.PLATFORM: telegram.parse,
        vk.PLATFORM: vk.parse,
        generic.PLATFORM: generic.parse,
    }
)

#: Tenant-routing ids (Page, IG account, X user, VK group, Telegram surface) per platform.
ACCOUNT_ID_READERS: Mapping[str, Callable[[bytes], tuple[str, ...]]] = MappingProxyType(
    {
        facebook.PLATFORM: facebook.account_ids,
        instagram.PLATFORM: instagram.account_ids,
        x.PLATFORM: x.account_ids,
        telegram.PLATFORM: telegram.account_ids,
        vk.PLATFORM: vk.account_ids,
        generic.PLATFORM: generic.account_ids,
    }
)

__all__ = [
    "ACCOUNT_ID_READERS",
    "PARSERS",
    "Author",
    "EventAction",
    "MalformedPayload",
    "MentionKind",
    "NormalizedMention",
    "ParseResult",
    "event_dedupe_keys",
    "export",
    "is_vk_confirmation",
    "mention_key",
    "meta_challenge_response",
    "meta_platform",
    "sign_generic",
    "verify_generic",
    "verify_meta_signature",
    "verify_telegram_secret",
    "verify_x_signature",
    "vk_secret_matches",
    "x_crc_response_token",
]
