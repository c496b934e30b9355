import pytest

from domain.triage.keywords import compile_keyword, find_keyword, split_words


def matches(keyword: str, text: str) -> bool:
    compiled = compile_keyword(keyword)
    assert compiled is not None
    return find_keyword(compiled, split_words(text)) is not None


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        # Polish declension and derived forms.
        ("szkoda", "moja szkoda od miesiąca"),
        ("szkoda", "Dokumenty do szkody mieszkaniowej"),
        ("szkoda", "zgłosiłem szkodę"),
        ("odszkodowanie", "numer konta do wypłaty odszkodowania"),
        ("holowanie", "Czekam na holownik od 2 godzin"),
        ("Rzecznik Finansowy", "Sprawę zgłaszam do Rzecznika Finansowego."),
        ("odstąpienie od umowy", "Chcemy odstąpić od umowy"),
        # Russian declension and verb forms.
        ("мошенник", "Это мошенники звонили"),
        ("украли", "у меня украл кто-то карту"),
        ("потерял карту", "Потерял карту в метро"),
        ("навязали", "Страховку к кредиту навязали"),
        # Italian plural and participles.
        ("rimborso", "Rimborsi mai arrivati"),
        ("ritardo", "consegna in ritardo"),
        ("allergia", "Sono allergico alle arachidi"),
        # English.
        ("delay", "Three-hour delay, zero updates"),
        ("refund", "still not refunded"),
        ("check-in", "online check-in down"),
        # Persian with the zero-width non-joiner and possessive suffixes.
        ("سیم‌کارت نرسیده", "سیم‌کارت نرسیده هنوز"),
        ("آدرس", "آدرسم اینه"),
        ("بسته", "قیمت بسته‌ها رو بالا بردید"),
    ],
)
def test_matches_inflected_forms(keyword: str, text: str) -> None:
    assert matches(keyword, text)


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("wypłata", "czekam na wyplate od miesiaca"),
        ("składka", "zwrot SKLADKI"),
        ("ошибка", "ОШИБКА при входе"),
        ("заблокируйте", "ЗАБЛОКИРУЙТЕ карту"),
    ],
)
def test_case_and_diacritics_do_not_matter_for_long_keywords(keyword: str, text: str) -> None:
    assert matches(keyword, text)


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("sąd", "I'm so sad about this"),  # short keywords keep their diacritics
        ("app", "I really appreciate it"),
        ("fee", "I feel ignored"),
        ("bag", "a bagel"),
        ("rata", "ratatouille"),
        ("503", "error 5030"),
        ("szkoda", "Odszkodowanie"),  # the stem must start the word
        ("pagato due volte", "pagato una volta"),
        ("не я", "не мой"),
    ],
)
def test_does_not_match_unrelated_words(keyword: str, text: str) -> None:
    assert not matches(keyword, text)


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("sąd", "Pozew do sądu"),
        ("bag", "my bags are lost"),
        ("ЦБ", "Буду писать жалобу в ЦБ."),
        ("503", "ciągle błąd 503."),
        ("115-ФЗ", "Заблокировали счёт по 115-ФЗ"),
        ("не я", "Это не я!"),
        # Persian plural and colloquial verb endings.
        ("دزد", "همه اپراتورها یه مشت دزدن"),
        ("نت ندار", "همکارام می‌گن نت ندارن"),
    ],
)
def test_short_keywords_match_themselves_and_case_endings(keyword: str, text: str) -> None:
    assert matches(keyword, text)


def test_find_keyword_returns_the_word_index() -> None:
    compiled = compile_keyword("denied boarding")
    assert compiled is not None

    assert find_keyword(compiled, split_words("We were denied boarding at gate 4")) == 2


def test_keyword_without_words_is_not_compiled() -> None:
    assert compile_keyword(" — ") is None


def test_persian_arabic_letter_variants_are_unified() -> None:
    # Arabic yeh and kaf typed instead of the Persian letters.
    assert matches("کد ملی", "كد ملي من")
