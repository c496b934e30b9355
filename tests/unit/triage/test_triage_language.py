"""Language detection for short, mixed and transliterated mentions."""

import pytest

from domain.triage.language import MentionLanguageDetector


@pytest.fixture(scope="module")
def detector() -> MentionLanguageDetector:
    return MentionLanguageDetector()


@pytest.mark.parametrize(
    ("text", "brand_languages", "expected"),
    [
        ("Приложение не открывается с утра", ("ru", "en"), "ru"),
        ("اینترنت نیلگون قطع شده؟", ("fa", "en"), "fa"),
        ("Nie mogę się zalogować do aplikacji", ("pl", "en"), "pl"),
        ("L'app non si apre, che succede?", ("it", "en"), "it"),
        ("My bag never arrived in Lisbon", ("en",), "en"),
        ("Do you deliver to Monza on Sundays? Thanks", ("it", "en"), "en"),
        ("Dzięki!", ("pl", "en"), "pl"),
        # Transliteration: Russian in Latin letters, Persian "Finglish".
        ("Privet, prilozhenie ne rabotaet uzhe chas, pochemu?", ("ru", "en"), "ru"),
        ("spasibo!", ("ru", "en"), "ru"),
        ("salam, internet ghate, chera hich payamaki nemiad?", ("fa", "en"), "fa"),
        ("mamnoon, kheili khoob bood", ("fa", "en"), "fa"),
    ],
)
def test_language(
    detector: MentionLanguageDetector, text: str, brand_languages: tuple[str, ...], expected: str
) -> None:
    assert detector.detect(text, brand_languages=brand_languages).language == expected


def test_no_words_take_the_brand_language(detector: MentionLanguageDetector) -> None:
    guess = detector.detect("📵📵 https://x.example/a @biryuza", brand_languages=("ru", "en"))

    assert guess.language == "ru"
    assert guess.reasons == ("no words: the brand's language 'ru'",)


def test_mixed_text_takes_the_language_with_most_words(detector: MentionLanguageDetector) -> None:
    guess = detector.detect(
        "Приложение Бирюзы опять не работает, really annoying", brand_languages=("ru", "en")
    )

    assert guess.language == "ru"
    assert guess.reasons == ("detector: 'en'", "mixed text, words per language: ru 5, en 2")


def test_brand_names_in_latin_letters_do_not_count(detector: MentionLanguageDetector) -> None:
    text = "Biryuza Bank Online не работает"

    without_names = detector.detect(text, brand_languages=("ru", "en"))
    with_names = detector.detect(
        text, brand_languages=("ru", "en"), brand_names=("Biryuza Bank Online",)
    )

    assert without_names.language == "en"
    assert with_names.language == "ru"
    assert with_names.reasons == ("written in the Cyrillic script",)


def test_a_tie_goes_to_the_brand_language(detector: MentionLanguageDetector) -> None:
    guess = detector.detect("Спасибо большое, thank you", brand_languages=("ru", "en"))

    assert guess.language == "ru"


def test_transliteration_needs_evidence(detector: MentionLanguageDetector) -> None:
    # "da" and "net" are words of other languages too; two distinctive words are needed.
    guess = detector.detect("Net banking works fine today", brand_languages=("ru", "en"))

    assert guess.language == "en"
