"""Word patterns and sentences over a draft, with character spans.

Patterns are the cue language of `domain.tone.lexicon`; phrases (banned
phrases, required phrases) are matched by search key, so inflected forms,
case and punctuation do not matter.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Final

from domain.knowledge.text import fold, is_stop_word, search_key, words
from domain.tone.lexicon import SuffixRule

_SENTENCE_END: Final = re.compile(r"(?<=[.!?…؟])[\"'”»)\]]*\s+|\n+")
# Negations change what a phrase says: they are never skipped as function words.
NEGATIONS: Final = frozenset(
    {"nie", "не", "ни", "non", "not", "no", "never", "nigdy", "никогда", "mai", "نه", "نمی", "هرگز"}
)
_CONTRACTIONS: Final = {"re": "are", "s": "is", "ll": "will", "ve": "have", "m": "am", "d": "would"}
#: Words a phrase match may skip between two of the phrase's words.
MAX_PHRASE_GAP: Final = 2


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a draft: as written, its span, folded form and search key."""

    text: str
    start: int
    end: int
    normal: str
    folded: str
    key: str


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class _Matcher:
    kind: str  # "word", "prefix", "suffix", "number", "any"
    value: str

    def matches(self, token: Token) -> bool:
        if self.kind == "any":
            return True
        if self.kind == "number":
            return token.folded.isdigit()
        if self.kind == "prefix":
            return token.folded.startswith(self.value)
        if self.kind == "suffix":
            return token.folded.endswith(self.value) and len(token.folded) > len(self.value)
        return token.folded == self.value


def tokenize(text: str, language: str) -> tuple[Token, ...]:
    """The words of `text` as tokens (see `domain.knowledge.text.words`).

    An English contraction's tail gets the key of the word it stands for, so
    "we're sorry" and "we are sorry" compare equal.
    """
    tokens: list[Token] = []
    for word in words(text):
        key = search_key(word.text, language)
        if language == "en" and word.start > 0 and text[word.start - 1] in "'’":
            key = search_key(_CONTRACTIONS.get(word.normal, word.text), language)
        tokens.append(
            Token(
                text=word.text,
                start=word.start,
                end=word.end,
                normal=word.normal,
                folded=fold(word.normal),
                key=key,
            )
        )
    return tuple(tokens)


@lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> tuple[_Matcher, ...]:
    """A cue pattern (`word`, `pref*`, `*suf`, `#` a number, `*` any word) as matchers."""
    matchers: list[_Matcher] = []
    for part in pattern.split():
        if part in ("#", "*"):
            matchers.append(_Matcher("number" if part == "#" else "any", ""))
            continue
        prefix = part.endswith("*")
        suffix = part.startswith("*")
        core_words = [word.normal for word in words(part.strip("*"))]
        if not core_words:
            continue
        # A part like "we'll" is two words; only its last may carry a wildcard.
        for index, core in enumerate(core_words):
            last = index == len(core_words) - 1
            value = fold(core)
            if prefix and last:
                matchers.append(_Matcher("prefix", value))
            elif suffix and index == 0:
                matchers.append(_Matcher("suffix", value))
            else:
                matchers.append(_Matcher("word", value))
    return tuple(matchers)


def find_patterns(patterns: Sequence[str], tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Token ranges `[first, last)` where one of `patterns` matches, in text order."""
    found: list[tuple[int, int]] = []
    for pattern in patterns:
        matchers = compile_pattern(pattern)
        if not matchers:
            continue
        for first in range(len(tokens) - len(matchers) + 1):
            if all(
                matcher.matches(tokens[first + offset]) for offset, matcher in enumerate(matchers)
            ):
                found.append((first, first + len(matchers)))
    return sorted(set(found))


def matches_suffix_rule(rule: SuffixRule, word: str) -> bool:
    """True when `word` (already normalised or folded as the rule expects) fits the rule."""
    return (
        len(word) >= rule.min_length
        and word not in rule.exceptions
        and any(word.endswith(suffix) for suffix in rule.suffixes)
    )


def find_phrase(phrase: str, tokens: Sequence[Token], language: str) -> list[Span]:
    """Where `phrase` occurs in `tokens`, tolerant of inflection, case and punctuation.

    The phrase's meaningful words (not function words; negations always
    count) must appear in order, by search key, with at most `MAX_PHRASE_GAP`
    other words between two of them; a phrase of four or more meaningful
    words still matches with one of them (not the first or the last) missing. A phrase
    with a single meaningful word must appear with all its words, and a one-word
    phrase matches that word with a short ending added ("Ожидайте" in
    "Ожидайте!"), never a longer word that merely shares its stem.
    """
    phrase_tokens = tokenize(phrase, language)
    if not phrase_tokens:
        return []
    if len(phrase_tokens) == 1:
        return _single_word(phrase_tokens[0], tokens)
    positions = [index for index, token in enumerate(phrase_tokens) if _is_content(token, language)]
    if len(positions) < 2:
        return _every_word(phrase_tokens, tokens)
    # Each meaningful word with how many words the phrase itself has before it
    # since the previous one: those may be worded differently in the draft.
    content = [
        (phrase_tokens[position], position - previous - 1)
        for previous, position in pairwise(positions)
    ]
    allowed_missing = 1 if len(positions) >= 4 else 0
    leading = phrase_tokens[: positions[0]]
    trailing = phrase_tokens[positions[-1] + 1 :]
    spans: list[Span] = []
    for first, token in enumerate(tokens):
        if token.key != phrase_tokens[positions[0]].key:
            continue
        end = _match_rest(content, tokens, first, allowed_missing)
        if end is None:
            continue
        # The phrase's own function words around the match belong to it when present
        # ("Prosimy o" before "kontakt w wiadomości prywatnej").
        if (
            leading
            and first >= len(leading)
            and all(
                tokens[first - len(leading) + offset].key == word.key
                for offset, word in enumerate(leading)
            )
        ):
            first -= len(leading)
        if trailing and all(
            end + offset + 1 < len(tokens) and tokens[end + offset + 1].key == word.key
            for offset, word in enumerate(trailing)
        ):
            end += len(trailing)
        spans.append(Span(tokens[first].start, tokens[end].end))
    return spans


def sentences(text: str) -> list[Span]:
    """Sentence spans of `text` (split after . ! ? … ؟ and at line breaks), trimmed."""
    spans: list[Span] = []
    position = 0
    for separator in _SENTENCE_END.finditer(text):
        spans.append(Span(position, separator.start()))
        position = separator.end()
    spans.append(Span(position, len(text)))
    trimmed = []
    for span in spans:
        segment = text[span.start : span.end]
        start = span.start + len(segment) - len(segment.lstrip())
        end = span.end - (len(segment) - len(segment.rstrip()))
        if end > start:
            trimmed.append(Span(start, end))
    return trimmed


def is_sentence_start(text: str, position: int) -> bool:
    """True when only spaces and opening quotes separate `position` from a sentence end."""
    index = position - 1
    while index >= 0 and (text[index].isspace() or text[index] in "\"'«“„(["):
        index -= 1
    return index < 0 or text[index] in ".!?…؟:\n–—-"


def tokens_in(tokens: Sequence[Token], span: Span) -> list[Token]:
    return [token for token in tokens if span.start <= token.start and token.end <= span.end]


def _is_content(token: Token, language: str) -> bool:
    return token.normal in NEGATIONS or not is_stop_word(token.text, language)


def _single_word(phrase_token: Token, tokens: Sequence[Token]) -> list[Span]:
    target = phrase_token.folded
    return [
        Span(token.start, token.end)
        for token in tokens
        if token.folded.startswith(target) and len(token.folded) - len(target) <= 2
    ]


def _every_word(phrase_tokens: Sequence[Token], tokens: Sequence[Token]) -> list[Span]:
    """Every word of the phrase in order, function words included, small gaps allowed."""
    rest = [(token, 0) for token in phrase_tokens[1:]]
    spans: list[Span] = []
    for first, token in enumerate(tokens):
        if token.key != phrase_tokens[0].key:
            continue
        end = _match_rest(rest, tokens, first, allowed_missing=0)
        if end is not None:
            spans.append(Span(token.start, tokens[end].end))
    return spans


def _match_rest(
    rest: Sequence[tuple[Token, int]], tokens: Sequence[Token], position: int, allowed_missing: int
) -> int | None:
    """Index of the last token matching `rest` in order after `position`, or None."""
    if not rest:
        return position
    wanted, phrase_gap = rest[0]
    window = tokens[position + 1 : position + 2 + phrase_gap + MAX_PHRASE_GAP]
    for offset, token in enumerate(window, start=position + 1):
        if token.key == wanted.key:
            end = _match_rest(rest[1:], tokens, offset, allowed_missing)
            if end is not None:
                return end
    if allowed_missing and len(rest) > 1:
        following, following_gap = rest[1]
        skipped = [(following, following_gap + phrase_gap + 1), *rest[2:]]
        return _match_rest(skipped, tokens, position, allowed_missing - 1)
    return None
