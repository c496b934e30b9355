"""Cue words of `domain.triage.cues` in the languages where triage was weakest."""

import pytest

from domain.triage.cues import Cue, read_signals


@pytest.mark.parametrize(
    ("text", "cue", "words"),
    [
        (
            "Двойное списание за одну покупку, деньги до сих пор не вернули.",
            Cue.COMPLAINT,
            ("двойное списание", "до сих пор", "не вернули"),
        ),
        ("Opyat spisali dengi, pozor", Cue.COMPLAINT, ("pozor", "spisali", "opyat")),
        ("Ordine mai consegnato e nessuna risposta.", Cue.COMPLAINT, ("mai consegnato",)),
        ("Sono davvero deluso, che disastro", Cue.NEGATIVE, ("deluso", "disastro")),
        ("نت ندارم از صبح", Cue.OUTAGE, ("نت ندار",)),
        ("Bez awarii od roku, polecam", Cue.PRAISE, ("polecam", "bez awarii")),
        ("Ho pagato due volte il mio ordine", Cue.PERSONAL, ("ho pagato", "mio")),
    ],
)
def test_cue_words_of_everyday_complaints(text: str, cue: Cue, words: tuple[str, ...]) -> None:
    assert set(read_signals(text).cues[cue]) >= set(words)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # "szkoda" is an insurance claim as often as "what a pity".
        ("Szkoda zgłoszona w poniedziałek, pieniądze już na koncie.", Cue.NEGATIVE),
        # One bank is the brand; the industry is "all banks".
        ("Банк списал деньги дважды", Cue.INDUSTRY),
        # Durations are as common in praise as in waiting.
        ("Odnowienie OC przez telefon w 10 minut.", Cue.WAITING),
    ],
)
def test_ambiguous_words_are_not_cues(text: str, cue: Cue) -> None:
    assert cue not in read_signals(text).cues


def test_the_banking_sector_is_an_industry_cue() -> None:
    assert read_signals("Все банки подняли ставки").cues[Cue.INDUSTRY] == ("все банки",)
