"""Inflection- and diacritic-tolerant keyword matching for pl, ru, it, fa and en text.

A keyword is reduced to a stem by removing one common inflectional ending; a word of the
text matches when it starts with that stem and adds at most a few letters. Short keywords
(four letters or fewer) have no reliable stem and match only themselves plus a short
case/plural ending. Diacritics are ignored for keywords of five letters or more; shorter
ones must be written as configured (so Polish "sąd" does not match English "sad").
Multi-word keywords match consecutive words.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Keyword", "TextWords", "compile_keyword", "find_keyword", "split_words"]

_WORD = re.compile(r"\w+")
_ZERO_WIDTH_NON_JOINER = "\u200c"
# Persian text mixes Arabic and Persian code points for the same letters.
_PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ـ": None})
# Letters without a Unicode decomposition that people nonetheless type without the mark.
_UNDECOMPOSABLE = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss"})

_SHORT_KEYWORD = 4
_MIN_STEM = 4
_MAX_EXTRA = 5
# Inflectional endings stripped from a keyword to form its stem, longest first. Verbal
# and nominal endings of Polish, Russian, Italian and English; Persian is handled by the
# prefix rule alone (its suffixes attach after the stem).
_ENDINGS = tuple(
    sorted(
        {
            "aniami",
            "anie",
            "enie",
            "ania",
            "ami",
            "ach",
            "ów",
            "ego",
            "emu",
            "owi",
            "ing",
            "ied",
            "ies",
            "ed",
            "es",
            "ой",
            "ей",
            "ий",
            "ый",
            "ая",
            "ое",
            "ые",
            "ов",
            "ам",
            "ах",
            "ом",
            "ть",
            "ся",
            "те",
            "ии",
            "ия",
            "ие",
            "ка",
            "a",
            "e",
            "i",
            "o",
            "u",
            "y",
            "ą",
            "ę",
            "s",
            "а",
            "я",
            "о",
            "е",
            "ы",
            "и",
            "у",
            "ю",
            "ь",
            "й",
        },
        key=len,
        reverse=True,
    )
)
# Endings a short keyword may take: case and plural endings of the five languages.
_SHORT_ENDINGS = frozenset(
    {
        "",
        "s",
        "es",
        "ed",
        "ing",
        "a",
        "e",
        "i",
        "o",
        "u",
        "y",
        "ę",
        "ą",
        "em",
        "om",
        "ów",
        "zie",
        "owi",
        "а",
        "у",
        "е",
        "ы",
        "ом",
        "ов",
        "ам",
        "ах",
        "и",
        "ой",
        "ه",
        "ی",
        "ها",
        "های",
        "م",
        "ت",
        "ش",
        "مون",
        "تون",
        "شون",
        # Persian plural and colloquial verb endings ("دزدن": "they are thieves").
        "ان",
        "ن",
        "ید",
        "ند",
        "یم",
        "ین",
        "ای",
    }
)


@dataclass(frozen=True, slots=True)
class TextWords:
    """The words of a text in two spellings, case-folded and also without diacritics, with
    each spelling also joined by single spaces for fast substring checks."""

    exact: tuple[str, ...]
    folded: tuple[str, ...]
    exact_text: str
    folded_text: str


@dataclass(frozen=True, slots=True)
class _KeywordWord:
    stem: str
    is_short: bool
    ignores_diacritics: bool


@dataclass(frozen=True, slots=True)
class Keyword:
    """A configured keyword prepared for matching; ``text`` is the keyword as configured."""

    text: str
    words: tuple[_KeywordWord, ...]


# A mention's text is split by the cue reader, the event matcher and the route matcher in
# turn, and event titles on every mention: a small cache serves those repeats. It is far
# smaller than a batch, so it holds nothing across batches but the titles.
@lru_cache(maxsize=128)
def split_words(text: str) -> TextWords:
    """Split ``text`` into words (letters and digits), case-folded and normalised."""
    exact = tuple(_WORD.findall(_normalise(text)))
    # Folded word by word so that both spellings keep the same word positions.
    folded = tuple(_strip_diacritics(word) for word in exact)
    return TextWords(exact, folded, " ".join(exact), " ".join(folded))


# Route keywords come from a bounded configuration and repeat on every mention.
@lru_cache(maxsize=4096)
def compile_keyword(keyword: str) -> Keyword | None:
    """Prepare ``keyword`` for matching; None when it contains no word at all."""
    exact_words = _WORD.findall(_normalise(keyword))
    if not exact_words:
        return None
    words = []
    for word in exact_words:
        is_short = len(word) <= _SHORT_KEYWORD
        ignores_diacritics = not is_short
        base = _strip_diacritics(word) if ignores_diacritics else word
        words.append(
            _KeywordWord(
                stem=base if is_short else _stem(base),
                is_short=is_short,
                ignores_diacritics=ignores_diacritics,
            )
        )
    return Keyword(text=keyword, words=tuple(words))


def find_keyword(keyword: Keyword, words: TextWords) -> int | None:
    """Index of the first word where ``keyword`` matches in ``words``, or None."""
    first = keyword.words[0]
    # Cheap pre-check: most keywords do not occur at all.
    if first.stem not in (words.folded_text if first.ignores_diacritics else words.exact_text):
        return None
    count = len(keyword.words)
    for index in range(len(words.exact) - count + 1):
        if all(
            _word_matches(part, words, index + offset) for offset, part in enumerate(keyword.words)
        ):
            return index
    return None


def _word_matches(part: _KeywordWord, words: TextWords, index: int) -> bool:
    word = words.folded[index] if part.ignores_diacritics else words.exact[index]
    if not word.startswith(part.stem):
        return False
    extra = word[len(part.stem) :]
    if part.stem.isdigit():
        return not extra
    if part.is_short:
        return extra in _SHORT_ENDINGS
    return len(extra) <= _MAX_EXTRA


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return text.translate(_PERSIAN_LETTERS).replace(_ZERO_WIDTH_NON_JOINER, " ")


def _strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
