"""Emoji in a draft and a draft's length as each platform counts it."""

import re
from collections.abc import Sequence
from typing import Final

from domain.tone.lexicon import EMOTICONS
from domain.tone.matching import Span

# Pictographs that render as emoji. Arrows (→), check marks (✓) and other text
# symbols used in instructions ("Profil → Dokumenty") are not emoji.
_PICTOGRAPH: Final = (
    "[\U0001f300-\U0001f5ff\U0001f600-\U0001f64f\U0001f680-\U0001f6ff"
    "\U0001f900-\U0001f9ff\U0001fa70-\U0001faff\U0001f004\U0001f0cf\U0001f18e"
    "\U0001f191-\U0001f19a\U0001f201\U0001f21a\U0001f22f\U0001f232-\U0001f23a"
    "\U0001f250\U0001f251\u2600-\u26ff\u2702\u2705\u2708-\u270d\u270f\u2712\u2714"
    "\u2716\u271d\u2721\u2728\u2733\u2734\u2744\u2747\u274c\u274e\u2753-\u2755"
    "\u2757\u2763\u2764\u2795-\u2797\u27a1\u27b0\u27bf\u2b05-\u2b07\u2b1b\u2b1c"
    "\u2b50\u2b55\u231a\u231b\u23e9-\u23f3\u23f8-\u23fa\u203c\u2049\u3030\u303d"
    "\u3297\u3299]"
)
_MODIFIERS: Final = "[\ufe0f\U0001f3fb-\U0001f3ff]*"
_EMOJI: Final = re.compile(
    rf"[\U0001f1e6-\U0001f1ff]{{2}}"  # a flag: two regional indicators
    rf"|[0-9#*]\ufe0f?\u20e3"  # a keycap
    rf"|{_PICTOGRAPH}{_MODIFIERS}(?:\u200d{_PICTOGRAPH}{_MODIFIERS})*"
)
_EMOTICON: Final = re.compile(
    r"(?<!\S)(?:" + "|".join(re.escape(emoticon) for emoticon in EMOTICONS) + r")(?![^\s.,!?])"
)
_URL: Final = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)

#: Characters a reply may have on each platform (by channel kind).
PLATFORM_LIMITS: Final = {
    "x": 280,
    "instagram": 2200,
    "facebook_page": 8000,
    "telegram": 4096,
    "vk": 4096,
}
PLATFORM_NAMES: Final = {
    "x": "X",
    "instagram": "Instagram",
    "facebook_page": "Facebook",
    "telegram": "Telegram",
    "vk": "VK",
}
# X counts every link as 23 characters and characters outside these ranges
# (CJK, emoji) as two (its "weighted length", twitter-text configuration v3).
_X_URL_WEIGHT: Final = 23
_X_LIGHT_RANGES: Final = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def emoji_spans(text: str) -> list[Span]:
    """Each emoji (a whole sequence: skin tones, ZWJ families, flags) and text emoticon."""
    spans = [Span(match.start(), match.end()) for match in _EMOJI.finditer(text)]
    spans.extend(Span(match.start(), match.end()) for match in _EMOTICON.finditer(text))
    return sorted(spans, key=lambda span: span.start)


def counted_length(text: str, channel_kind: str | None) -> tuple[int, list[int]]:
    """The length the platform counts, and the count reached after each character.

    X weighs characters (links 23, emoji and CJK 2); every other platform
    counts characters (code points).
    """
    if channel_kind != "x":
        return len(text), list(range(1, len(text) + 1))
    return _x_weighted(text)


def _x_weighted(text: str) -> tuple[int, list[int]]:
    weights = [0] * len(text)
    covered = [False] * len(text)
    for pattern, weight in ((_URL, _X_URL_WEIGHT), (_EMOJI, 2)):
        for match in pattern.finditer(text):
            if any(covered[match.start() : match.end()]):
                continue
            weights[match.start()] = weight
            for index in range(match.start(), match.end()):
                covered[index] = True
    for index, character in enumerate(text):
        if not covered[index]:
            weights[index] = 1 if _is_light(ord(character)) else 2
    reached: list[int] = []
    total = 0
    for weight in weights:
        total += weight
        reached.append(total)
    return total, reached


def _is_light(code_point: int) -> bool:
    return any(low <= code_point <= high for low, high in _X_LIGHT_RANGES)


def first_index_over(reached: Sequence[int], budget: int) -> int:
    """The index of the first character that takes the count over `budget`."""
    for index, count in enumerate(reached):
        if count > budget:
            return index
    return len(reached)
