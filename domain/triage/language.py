"""The language of a mention (ISO 639-1), tuned for short social posts.

Rules of the labelling guide, in order:

1. no words at all (emoji, links, numbers) → the brand's primary language, the language
   the reply will be written in;
2. every word is given a language: Cyrillic words are Russian, Arabic-script words
   Persian, and the Latin-letter words together are either transliteration (Russian in
   Latin letters, Persian "Finglish": recognised by their everyday words) or the Latin
   language the detector (lingua, offline, models shipped in its wheel) finds, among the
   supported languages with the brand's languages preferred;
3. mixed text → the language contributing most words; a tie goes to the brand's primary
   language.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

__all__ = [
    "SUPPORTED_LANGUAGES",
    "TRANSLITERATION_WORDS",
    "LanguageGuess",
    "MentionLanguageDetector",
]

# Languages the detector knows. Brand languages outside this set are added per brand.
SUPPORTED_LANGUAGES = ("en", "pl", "ru", "it", "fa")


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Everyday words written in Latin letters that are distinctive for transliterated Russian
# and for Finglish (words that are also English, Polish or Italian words are left out).
TRANSLITERATION_WORDS: dict[str, frozenset[str]] = {
    "ru": _vocabulary(
        """
        privet zdravstvuyte zdravstvuite spasibo pozhaluysta pozhalujsta pochemu chto
        shto eto uzhe ochen menya mne vy vas vam nas nam moy moya moyu karta kartu
        karty kartoy dengi dengami rabotaet rabotayet rabotaiut rabotayut prilozhenie
        prilozhenii prilozheniye segodnya zavtra vchera opyat snova nichego nikto kogda
        gde skolko mozhno nado nuzhno pomogite srochno dnya dney chasa zablokirovali
        spisali perevod schet scheta otvet otvechaet otvechayut podderzhka tozhe vse
        vsyo zdes kto sdelat sdelayte khorosho horosho plokho ploho uzhas blin davno
        eshche eshe bolshe tolko seychas sejchas mogu mozhete vernite vernut bankomat
        nalichnye deneg kakoy kakaya kakie ochered
        """
    ),
    "fa": _vocabulary(
        """
        salam mamnoon mamnun mersi chera chetor chetori nemishe mishe nist hastam hastim
        kheili kheyli khoob khub shoma baraye dige vali hanooz hanuz hamash aslan
        ghat ghate ghatie shode kardam mikonam mikone mikonid nemikone nemikonid
        dadam nadare nadaram daram lotfan lotfa emrooz emruz dirooz farda pul
        kojast chand payamak bekonid konid begid bedid bashe boodam chikar chejoori
        intori oonja inja alan hichi hich ziyad khaste mokhaberat sharj basteh khatam
        """
    ),
}

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_NOISE = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|(?<!\w)[@#]\w+|\b[\w-]+(?:\.[\w-]+)+/\S*|"
    r"\b[\w-]+\.(?:example|com|ru|pl|it|ir|me|ly|io|net|org)\b"
)
_SENTENCE_END = re.compile(r"[.!?;:\n…؟]+")
# Weight of a supported language the brand does not speak against one it speaks.
_FOREIGN_PRIOR = 0.35
_FAVOURED_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The language of a text and why, e.g. ``("ru", ("3 Latin words read as
    transliterated Russian: 'privet', 'rabotaet', 'karta'",))``."""

    language: str
    reasons: tuple[str, ...]


class MentionLanguageDetector:
    """Detects the language of mention texts; build once, reuse (the models load lazily
    on first use and stay in memory).

    ``languages`` are the ISO 639-1 codes the detector may answer besides the brand's
    own languages (which are added per call when lingua knows them).
    """

    def __init__(self, languages: Sequence[str] = SUPPORTED_LANGUAGES) -> None:
        self._languages = tuple(dict.fromkeys(code.lower() for code in languages))

    def detect(
        self, text: str, *, brand_languages: Sequence[str], brand_names: Sequence[str] = ()
    ) -> LanguageGuess:
        """The language of ``text`` for a brand speaking ``brand_languages`` (primary
        first); see the module docstring for the rules. Words of ``brand_names`` are not
        counted (a Latin-letter brand name in Russian text is not English)."""
        primary = brand_languages[0] if brand_languages else "en"
        ignored = {word.casefold() for name in brand_names for word in _WORD.findall(name)}
        cleaned = _NOISE.sub(" ", unicodedata.normalize("NFC", text))
        sentences = [
            [word for word in _WORD.findall(part) if word.casefold() not in ignored]
            for part in _SENTENCE_END.split(cleaned)
        ]
        words = [word for sentence in sentences for word in sentence]
        if not words:
            return LanguageGuess(primary, (f"no words: the brand's language '{primary}'",))

        by_script: dict[str, list[str]] = {"ru": [], "fa": [], "latin": [], "other": []}
        for word in words:
            by_script[_script(word)].append(word)
        latin_sentences = [
            [word for word in sentence if _script(word) == "latin"] for sentence in sentences
        ]
        latin_sentences = [sentence for sentence in latin_sentences if sentence]

        counts: Counter[str] = Counter()
        reasons: list[str] = []
        if by_script["ru"]:
            counts["ru"] += len(by_script["ru"])
        if by_script["fa"]:
            counts["fa"] += len(by_script["fa"])
        latin = by_script["latin"]
        if latin:
            latin_counts, latin_reason = self._latin(latin_sentences, brand_languages)
            counts.update(latin_counts)
            reasons.append(latin_reason)
        if not counts:
            return LanguageGuess(primary, (f"unknown script: the brand's language '{primary}'",))

        most = max(counts.values())
        leaders = [language for language, count in counts.items() if count == most]
        language = primary if primary in leaders else sorted(leaders)[0]
        if len(counts) > 1:
            shares = ", ".join(f"{code} {count}" for code, count in counts.most_common())
            reasons.append(f"mixed text, words per language: {shares}")
        elif not latin:
            reasons.append(f"written in the {_SCRIPT_NAMES[language]} script")
        return LanguageGuess(language, tuple(reasons))

    def _latin(
        self, sentences: Sequence[Sequence[str]], brand_languages: Sequence[str]
    ) -> tuple[Counter[str], str]:
        words = [word for sentence in sentences for word in sentence]
        transliterated = _transliteration(words, brand_languages)
        if transliterated is not None:
            language, hits = transliterated
            quoted = ", ".join(f"'{hit}'" for hit in hits[:3])
            name = "transliterated Russian" if language == "ru" else "Finglish (Persian)"
            return Counter({language: len(words)}), f"Latin letters read as {name}: {quoted}"

        candidates = tuple(
            code
            for code in dict.fromkeys((*brand_languages, *self._languages))
            if code in _LATIN_LANGUAGES
        )
        if len(candidates) <= 1:
            only = candidates[0] if candidates else (brand_languages or ("en",))[0]
            return Counter({only: len(words)}), f"Latin letters: '{only}'"
        detector = _detector(tuple(sorted(candidates)))
        overall = _best(detector, words, brand_languages, None)
        counts: Counter[str] = Counter()
        for sentence in sentences if len(sentences) > 1 else [words]:
            # A short sentence alone says little: the whole text's language is favoured.
            counts[_best(detector, sentence, brand_languages, overall) or overall or ""] += len(
                sentence
            )
        counts.pop("", None)
        if not counts:
            counts[brand_languages[0] if brand_languages else "en"] = len(words)
        if len(counts) == 1:
            return counts, f"detector: '{next(iter(counts))}'"
        return counts, "Latin-letter sentences detected one by one"


def _best(
    detector: LanguageDetector,
    words: Sequence[str],
    brand_languages: Sequence[str],
    favoured: str | None,
) -> str | None:
    scores = {
        code: value.value
        * _prior(code, brand_languages)
        * (_FAVOURED_WEIGHT if code == favoured else 1.0)
        for value in detector.compute_language_confidence_values(" ".join(words))
        for code in (_code(value.language),)
    }
    return max(scores, key=lambda code: scores[code]) if scores else None


_SCRIPT_NAMES = {"ru": "Cyrillic", "fa": "Persian"}


def _script(word: str) -> str:
    first = word[0]
    if "\u0400" <= first <= "\u04ff":
        return "ru"
    if "\u0600" <= first <= "\u06ff" or "\ufb50" <= first <= "\ufeff":
        return "fa"
    if first.isascii() or unicodedata.name(first, "").startswith("LATIN"):
        return "latin"
    return "other"


def _transliteration(
    words: Sequence[str], brand_languages: Sequence[str]
) -> tuple[str, list[str]] | None:
    folded = [word.casefold().replace("'", "").replace("’", "") for word in words]
    best: tuple[str, list[str]] | None = None
    for language, vocabulary in TRANSLITERATION_WORDS.items():
        hits = list(dict.fromkeys(word for word in folded if word in vocabulary))
        if not hits:
            continue
        share = sum(word in vocabulary for word in folded) / len(folded)
        # The brand's own market makes transliteration much more likely.
        expected = language in brand_languages
        convincing = (len(hits) >= 2 and share >= (0.2 if expected else 0.34)) or (
            expected and len(folded) <= 3 and share >= 0.34
        )
        if convincing and (best is None or len(hits) > len(best[1])):
            best = (language, hits)
    return best


def _prior(language: str, brand_languages: Sequence[str]) -> float:
    return 1.0 if language in brand_languages or language == "en" else _FOREIGN_PRIOR


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


def _known(codes: Iterable[str]) -> list[Language]:
    known = []
    for code in codes:
        try:
            known.append(Language.from_iso_code_639_1(IsoCode639_1.from_str(code)))
        except ValueError:
            continue
    return known


_LATIN_LANGUAGES = frozenset(_code(language) for language in Language.all_with_latin_script())


# One detector per candidate set; lingua loads each language model once per process.
@lru_cache(maxsize=16)
def _detector(codes: tuple[str, ...]) -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_known(codes)).build()
