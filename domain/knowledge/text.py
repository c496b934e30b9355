"""Words, search keys and stop words of the five supported languages (pl, ru, it, fa, en).

Pure functions shared by the Q&A suggestions and the tone and variation checks.

A *word* is a run of letters and digits with its span in the original text.
Persian words are also split at the zero-width non-joiner, so a suffix written
after it («پیامک‌های») becomes a word of its own. A *search key* is a word
reduced to a form that inflected spellings share: case-folded, without
diacritics, with one inflectional ending removed by a light per-language
stemmer, and cut to `KEY_LENGTH` characters. Keys are what the Q&A index
stores next to the original text and what suggestion queries ask for, so both
search backends match inflected forms the same way, whether or not they stem.
The character trigrams of a word's stem (`stem_grams`) are a second, fuzzier
signal for words that share a root but not a key: derivations with another
prefix or suffix ("spóźnia" / "opóźnienie": `spozn` / `opozni`).
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

LANGUAGES: Final = ("pl", "ru", "it", "fa", "en")
#: Keys are cut to this many characters: long Slavic and Italian derivations
#: ("zgłoszenia", "zgłoszeniu") share their first letters more reliably than
#: any ending list.
KEY_LENGTH: Final = 6
#: Characters of the fuzzy second signal's n-grams (see `stem_grams`).
GRAM_LENGTH: Final = 3
#: Starts every n-gram token: letters and a digit stay one token in both backends.
GRAM_MARK: Final = "3"
#: Shortest stem a stemmer leaves; shorter words keep their endings.
_MIN_STEM: Final = 3

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ZERO_WIDTH_NON_JOINER: Final = "\u200c"
# Persian text mixes Arabic and Persian code points for the same letters, and
# decorative tatweel; digits come in three scripts.
_LETTER_VARIANTS: Final = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "ـ": None,
        **{chr(0x06F0 + digit): str(digit) for digit in range(10)},
        **{chr(0x0660 + digit): str(digit) for digit in range(10)},
    }
)
# Letters without a Unicode decomposition that people nonetheless type without the mark.
_UNDECOMPOSABLE: Final = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a text: as written, its span, and its case-folded normal form."""

    text: str
    start: int
    end: int
    normal: str


def normalize(text: str) -> str:
    """`text` in NFC, case-folded, with Persian letter variants and digits unified.

    The result may differ in length ("ß" → "ss", tatweel removed): spans always
    refer to the original text (see `words`).
    """
    return unicodedata.normalize("NFC", text).casefold().translate(_LETTER_VARIANTS)


def fold(text: str) -> str:
    """`text` without diacritics (`żółć` → `zolc`, `ё` → `е`, Persian harakat removed)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    return unicodedata.normalize(
        "NFC",
        "".join(character for character in decomposed if not unicodedata.combining(character)),
    )


def words(text: str) -> tuple[Word, ...]:
    """The words of `text` with their spans (letters and digits; ZWNJ splits words)."""
    found: list[Word] = []
    for match in _WORD.finditer(text):
        found.append(
            Word(
                text=match.group(),
                start=match.start(),
                end=match.end(),
                normal=normalize(match.group()),
            )
        )
    return tuple(found)


def search_key(word: str, language: str) -> str:
    """The search key of one word: normalised, folded, stemmed for `language`, cut short.

    Numbers keep all their digits; words of an unsupported language are only
    folded and cut.
    """
    stem = _stem(word, language)
    return stem if stem.isdigit() else stem[:KEY_LENGTH]


def is_stop_word(word: str, language: str) -> bool:
    """True for a function word of `language` (or of English, which every brand mixes in)."""
    normal = normalize(word)
    return normal in STOP_WORDS.get(language, frozenset()) or normal in STOP_WORDS["en"]


def content_keys(text: str, language: str) -> tuple[str, ...]:
    """Search keys of the words that carry meaning, in order of first appearance, unique.

    Stop words, single letters and single digits are dropped.
    """
    keys: dict[str, None] = {}
    for word in words(text):
        if is_stop_word(word.text, language) or len(word.normal) < 2:
            continue
        keys.setdefault(search_key(word.text, language), None)
    return tuple(keys)


def stem_grams(word: str, language: str) -> tuple[str, ...]:
    """The character trigrams of a word's stem, each written as an index token.

    A stem shorter than four characters (or a number) has none: its search key
    already says all there is. Tokens start with `GRAM_MARK`, so a trigram
    never meets a search key or a word of the text.
    """
    stem = _stem(word, language)
    if stem.isdigit():
        return ()
    return tuple(
        GRAM_MARK + stem[start : start + GRAM_LENGTH]
        for start in range(len(stem) - GRAM_LENGTH + 1)
        if len(stem) > GRAM_LENGTH
    )


def grams_line(texts: Iterable[str], language: str) -> str:
    """The trigram tokens of every content word of `texts`, space-separated, repeats kept."""
    return " ".join(
        gram
        for text in texts
        for word in words(text)
        if not is_stop_word(word.text, language) and len(word.normal) >= 2
        for gram in stem_grams(word.text, language)
    )


def keys_line(texts: Iterable[str], language: str) -> str:
    """Every content key of `texts`, space-separated, repeats kept (term frequency counts)."""
    keys = [
        search_key(word.text, language)
        for text in texts
        for word in words(text)
        if not is_stop_word(word.text, language) and len(word.normal) >= 2
    ]
    return " ".join(keys)


def _stem(word: str, language: str) -> str:
    """`word` normalised, folded and stemmed for `language`; a number stays whole."""
    # A Persian word and its suffix written with or without the non-joiner are one key.
    normal = fold(normalize(word)).replace(_ZERO_WIDTH_NON_JOINER, "")
    if normal.isdigit():
        return normal
    stemmer = _STEMMERS.get(language)
    return stemmer(normal) if stemmer else normal


def _strip_one(word: str, endings: tuple[str, ...], min_stem: int) -> str:
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= min_stem:
            return word[: -len(ending)]
    return word


def _longest_first(endings: Iterable[str]) -> tuple[str, ...]:
    """Endings folded like the words they are stripped from, longest first."""
    return tuple(sorted({fold(ending) for ending in endings}, key=len, reverse=True))


# Stemming runs on folded words; `_longest_first` folds the endings the same way.
_POLISH_ENDINGS: Final = _longest_first(
    (
        *("owania", "owanie", "owaniu", "aniem", "eniem", "ania", "anie", "aniu", "enia"),
        *("enie", "eniu", "owac", "owal", "owala", "uja", "ujesz", "uje", "ujemy"),
        *("ami", "ach", "ow", "owi", "ego", "emu", "ych", "ymi", "ich", "imi", "iej"),
        *("ej", "em", "om", "ie", "ia", "iu", "esz", "isz", "ysz", "emy", "imy", "ecie"),
        *("icie", "ycie", "alem", "ilem", "ylem", "ala", "ila", "yla", "al", "il", "yl"),
        *("ac", "ic", "yc", "ec", "y", "a", "e", "i", "o", "u"),
    )
)
_POLISH_ALTERNATIONS: Final = (("sz", "s"), ("rz", "r"), ("dz", "d"), ("cz", "c"))
_RUSSIAN_ENDINGS: Final = _longest_first(
    (
        *("ого", "его", "ому", "ему", "ыми", "ими", "ая", "яя", "ое", "ее", "ые", "ие"),
        *("ый", "ий", "ой", "ую", "юю", "ых", "их", "ым", "им", "ами", "ями", "ах", "ях"),
        *("ов", "ев", "ей", "ам", "ям", "ом", "ем", "ию", "ия", "ии", "ать", "ять"),
        *("ить", "еть", "ыть", "уть", "ть", "ла", "ло", "ли", "ют", "ут", "ат", "ят"),
        *("ешь", "ишь", "ет", "ит", "ете", "ите", "ение", "ения", "ении", "ением"),
        *("ание", "ания", "ании", "ь", "а", "я", "о", "е", "ы", "и", "у", "ю", "й", "л"),
    )
)
_RUSSIAN_REFLEXIVE: Final = _longest_first(("ся", "сь"))
_RUSSIAN_VOWELS: Final = _longest_first(("а", "я", "е", "и", "о", "ы", "у", "ю", "ь"))
_ITALIAN_ENDINGS: Final = _longest_first(
    (
        *("azione", "azioni", "zione", "zioni", "mente", "amento", "amenti", "ando"),
        *("endo", "are", "ere", "ire", "ato", "ata", "ati", "ate", "ito", "ita", "iti"),
        *("ite", "uto", "uta", "uti", "ute", "iamo", "ete", "ano", "ono", "o", "a"),
        *("e", "i"),
    )
)
_ENGLISH_ENDINGS: Final = _longest_first(
    ("ational", "ation", "ations", "ing", "ings", "edly", "ed", "ies", "ied", "es", "ly", "s")
)
# Single letters (possessive "-م", "-ت", "-ش") are left alone: too many stems end
# with them («کارت», card, is not «کار», work, plus "your").
_PERSIAN_ENDINGS: Final = _longest_first(
    ("هایی", "های", "ها", "ترین", "تر", "ان", "ات", "ام", "اش", "یم", "ید", "ند", "ی")
)


def _stem_polish(word: str) -> str:
    stem = _strip_one(word, _POLISH_ENDINGS, _MIN_STEM)
    # Consonants soften before some endings ("zgłosić" / "zgłoszenie",
    # "płacić" / "płacę"): the stem's last consonant is written in its hard form.
    for soft, hard in _POLISH_ALTERNATIONS:
        if stem.endswith(soft) and len(stem) - len(soft) >= _MIN_STEM - 1:
            return stem[: -len(soft)] + hard
    return stem


def _stem_russian(word: str) -> str:
    stem = _strip_one(_strip_one(word, _RUSSIAN_REFLEXIVE, _MIN_STEM), _RUSSIAN_ENDINGS, _MIN_STEM)
    # Past tense and participles keep a thematic vowel ("списа-ли", "списа-ние"):
    # one more vowel off makes them meet.
    return _strip_one(stem, _RUSSIAN_VOWELS, _MIN_STEM + 1)


def _stem_italian(word: str) -> str:
    return _strip_one(word, _ITALIAN_ENDINGS, _MIN_STEM)


def _stem_english(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if word.endswith("ss"):
        return word
    stem = _strip_one(word, _ENGLISH_ENDINGS, _MIN_STEM)
    # "cancelled" → "cancel", "stopped" → "stop": a doubled consonant left by -ed/-ing.
    if (
        stem != word
        and len(stem) > _MIN_STEM
        and stem[-1] == stem[-2]
        and stem[-1] not in "aeiouls"
    ):
        stem = stem[:-1]
    return stem


def _stem_persian(word: str) -> str:
    return _strip_one(word, _PERSIAN_ENDINGS, _MIN_STEM)


_STEMMERS: Final = {
    "pl": _stem_polish,
    "ru": _stem_russian,
    "it": _stem_italian,
    "fa": _stem_persian,
    "en": _stem_english,
}


def _stop_words(text: str) -> frozenset[str]:
    return frozenset(normalize(word) for word in text.split())


STOP_WORDS: Final[dict[str, frozenset[str]]] = {
    "pl": _stop_words(
        """
        a aby albo ale bo by być był była było czy co coś dla do gdy gdzie go i ich
        ile im in ja jak jaki jaka jakie jakiej jakim jego jej jest jestem jeśli jeżeli
        już każdy kiedy kto która które który ku lub ma mam mi mnie mną mój moja moje
        może można mu my na nad nam nas nie nic nich nim niż no o od on ona one oni
        ono oraz po pod przez przy się są ta tak także tam te tego tej ten też to tu
        tylko ty u w we więc wy z za ze że żeby mi mnie mój u was wasz wasza wasze
        wam państwo państwa pan pani dzień dobry proszę prosimy czemu dlaczego czym
        jakie co jaką jeszcze już bardzo mogę może mogą musi muszę chcę chce trzeba
        mój moim moją moich twój twoja twoje twoim swój swoja swoje swoim robić zrobić
        """
    ),
    "ru": _stop_words(
        """
        а без бы был была были было в вам вас весь во вот все всё вы где да для до
        его ее её если есть ещё еще же за и из или им их к как какой какая какие
        ко когда кто ли либо мне мной мы на над не нет ни но ну о об от по под
        при с со так также там те тем то того тоже той только том ты у уже
        хотя чего чей чем что чтобы чья эта эти это этот я мой моя моё мои меня
        мне у нас вас ваш ваша ваше ваши почему зачем сколько можно нужно здравствуйте
        пожалуйста спасибо делать сделать
        """
    ),
    "it": _stop_words(
        """
        a ad al alla alle allo ai agli anche c che chi ci come con da dal dalla dai
        degli dei del della delle dello di e è ed gli ha hai ho i il in io l la le lei
        lo loro lui ma mi mia mie miei mio ne nei nel nella nelle no noi non o per
        perché più quale quando quanto quello questa questo se si sì sono su sua sue
        suo suoi sul sulla te ti tu tua tue tuo tuoi un una uno vi voi vostro vostra
        cosa ciao grazie posso può potete avete siete mio mia dell dall nell sull
        all coll quell quest devo deve voglio vorrei fare
        """
    ),
    "fa": _stop_words(
        """
        از با به برای بر در که این آن را تا و یا هم اگر اما ولی چه چرا چطور چگونه
        کی کجا آیا است هست هستند بود شد شده می نمی ها های ای ام ات اش مان تان شان
        من تو او ما شما آنها ایشان مرا ما را خود یک هر همه نه بله دارید دارم دارد
        کنم کنید کند کرد کرده سلام لطفا لطفاً ممنون مرسی چی چیه چیست نیست بی بدون
        ی م ت ش یم ید ند خیلی شود شد میشه باید
        """
    ),
    "en": _stop_words(
        """
        a an and are as at be been but by can could did do does doing don't for from
        had has have having he her here hers him his how i i'm if in into is it its
        just me my myself no nor not of off on once only or our ours out over own
        same she should so some such than that the their theirs them then there these
        they this those through to too under until up very was we were what when where
        which while who whom why will with would you your yours yourself hi hello please
        thanks thank s t d ll m re ve any also get got need want
        """
    ),
}
