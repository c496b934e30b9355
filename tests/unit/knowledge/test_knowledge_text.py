"""Words, search keys and stop words of the five languages."""

import pytest

from domain.knowledge.text import (
    KEY_LENGTH,
    Word,
    content_keys,
    fold,
    grams_line,
    is_stop_word,
    keys_line,
    normalize,
    search_key,
    stem_grams,
    words,
)


def test_words_keep_their_spans_and_split_at_punctuation_underscores_and_the_non_joiner() -> None:
    text = "Hi, Anna! 24/7 pl_PL پیامک\u200cها"

    assert words(text) == (
        Word("Hi", 0, 2, "hi"),
        Word("Anna", 4, 8, "anna"),
        Word("24", 10, 12, "24"),
        Word("7", 13, 14, "7"),
        Word("pl", 15, 17, "pl"),
        Word("PL", 18, 20, "pl"),
        Word("پیامک", 21, 26, "پیامک"),
        Word("ها", 27, 29, "ها"),
    )


def test_normalize_unifies_persian_letters_and_digits_and_folds_case() -> None:
    assert normalize("ÉCOLE كارت ي ۲۴ ٣") == "école کارت ی 24 3"


def test_fold_removes_diacritics_including_letters_without_a_decomposition() -> None:
    assert fold("Żółć łódź ёлка café") == "Zolc lodz елка cafe"


@pytest.mark.parametrize(
    ("language", "forms", "key"),
    [
        ("pl", ("szkodę", "szkody", "szkód", "szkoda"), "szkod"),
        ("pl", ("zgłosić", "zgłoszenie", "zgloszenia"), "zglos"),
        ("pl", ("wypłata", "wypłaty", "wypłatę"), "wyplat"),
        ("ru", ("карту", "карты", "картой", "карта"), "карт"),
        ("ru", ("списание", "списались", "списания"), "спис"),
        ("ru", ("заблокировать", "заблокируйте"), "заблок"),
        ("it", ("rimborso", "rimborsi", "rimborsato"), "rimbor"),
        ("it", ("consegna", "consegnate", "consegne"), "conseg"),
        ("fa", ("پیامک", "پیامک\u200cها", "پیامکهای"), "پیامک"),
        ("en", ("cancelled", "cancel", "cancellation", "cancels"), "cancel"),
        ("en", ("refunds", "refund", "refunded"), "refund"),
    ],
)
def test_inflected_forms_share_one_search_key(
    language: str, forms: tuple[str, ...], key: str
) -> None:
    assert {search_key(form, language) for form in forms} == {key}


def test_keys_are_cut_and_numbers_kept_whole() -> None:
    assert len(search_key("ubezpieczeniowego", "pl")) == KEY_LENGTH
    assert search_key("2026", "pl") == "2026"
    assert search_key("۲۴", "fa") == "24"


def test_persian_card_is_not_work_plus_your() -> None:
    # A one-letter possessive ending is not stripped: «کارت» stays card.
    assert search_key("کارت", "fa") != search_key("کار", "fa")


def test_an_unknown_language_is_only_folded_and_cut() -> None:
    assert search_key("Ärzte", "de") == "arzte"


def test_stop_words_of_the_language_and_of_english_are_not_content() -> None:
    assert is_stop_word("Jak", "pl")
    assert is_stop_word("the", "pl")
    assert is_stop_word("Почему", "ru")
    assert not is_stop_word("szkoda", "pl")


@pytest.mark.parametrize(
    ("language", "text", "keys"),
    [
        ("pl", "Jak zgłosić szkodę, jeśli sprawca ma OC?", ("zglos", "szkod", "sprawc", "oc")),
        ("ru", "Как заблокировать карту, если я её потерял?", ("заблок", "карт", "потер")),
        ("it", "Posso cambiare l'indirizzo dopo l'ordine?", ("cambi", "indiri", "dop", "ordin")),
        ("fa", "چطور پیامک‌های تبلیغاتی را لغو کنم؟", ("پیامک", "تبلیغا", "لغو")),
        (
            "en",
            "How do I claim compensation for my delayed flight?",
            ("claim", "compen", "delay", "flight"),
        ),
    ],
)
def test_content_keys_drop_function_words_and_repeat_nothing(
    language: str, text: str, keys: tuple[str, ...]
) -> None:
    assert content_keys(text, language) == keys


def test_keys_line_keeps_repeats_for_term_frequency() -> None:
    assert keys_line(["Szkodę zgłoszono", "szkody i szkoda"], "pl") == "szkod zglosz szkod szkod"


def test_stem_grams_are_marked_trigrams_of_the_folded_stem() -> None:
    assert stem_grams("spóźnia", "pl") == ("3spo", "3poz", "3ozn")
    assert stem_grams("opóźnienie", "pl") == ("3opo", "3poz", "3ozn", "3zni")
    # Short stems and numbers have none: their search key says it all.
    assert stem_grams("kot", "pl") == ()
    assert stem_grams("2026", "pl") == ()


def test_grams_line_keeps_repeats_and_leaves_stop_words_out() -> None:
    assert grams_line(["Holownik się spóźnia", "spóźnia"], "pl") == (
        "3hol 3olo 3low 3own 3wni 3nik 3spo 3poz 3ozn 3spo 3poz 3ozn"
    )
