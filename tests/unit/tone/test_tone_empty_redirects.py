"""Empty redirects: a move to private messages with no reason, data, next step or time frame."""

import pytest

from domain.tone.rules import ToneFinding, ToneFindingCode, check_tone
from tests.unit.tone.demo_tone import findings, guidelines

EMPTY = "empty_redirect"


@pytest.mark.parametrize(
    ("slug", "draft"),
    [
        ("wierzba", "Prosimy napisać do nas na priv."),
        ("wierzba", "Zapraszamy do kontaktu przez Messenger."),
        ("biryuza", "Пишите в личку."),
        ("biryuza", "Пожалуйста, напишите в директ."),
        ("forchetta", "Mandaci un messaggio privato."),
        ("forchetta", "Contattaci in DM!"),
        ("nilgoon", "لطفاً به پی‌وی پیام بدهید."),
        ("nilgoon", "لطفاً پیام خصوصی ارسال کنید."),
        ("kestrel", "Please send us a private message."),
        ("kestrel", "Drop us a DM!"),
    ],
)
def test_a_bare_redirect_is_empty(slug: str, draft: str) -> None:
    assert findings(slug, draft) == [(EMPTY, "error", draft)]


@pytest.mark.parametrize(
    ("slug", "draft"),
    [
        # a reason and the data to send
        (
            "wierzba",
            "Aby sprawdzić status szkody, prosimy o numer szkody w wiadomości prywatnej – "
            "nie publikujmy go tutaj.",
        ),
        # a next step in the following sentence
        ("wierzba", "Prosimy o wiadomość na priv. Sprawdzimy to od ręki."),
        (
            "biryuza",
            "Чтобы проверить операцию, напишите в чат приложения дату, сумму и последние 4 цифры "
            "карты.",
        ),
        ("biryuza", "Напишите в личные сообщения — ответим в течение 2 часов."),
        ("forchetta", "Mandaci in DM il numero d'ordine (FV-…) così controlliamo il rimborso."),
        ("forchetta", "Scrivici in chat: sistemiamo tutto oggi."),
        ("nilgoon", "لطفاً شماره سفارش را در دایرکت بفرستید تا ظرف ۲۴ ساعت بررسی شود."),
        ("kestrel", "Please DM us your booking reference and surname so we can check your refund."),
        ("kestrel", "Send us a DM and we'll look into it straight away."),
    ],
)
def test_a_redirect_with_substance_passes(slug: str, draft: str) -> None:
    assert findings(slug, draft) == []


def test_substance_is_looked_for_in_the_sentences_around_the_redirect() -> None:
    draft = (
        "Przykro nam, że naprawa się przedłuża. Warsztat czeka na części. "
        "Prosimy o wiadomość na priv. Dziękujemy za cierpliwość!"
    )
    assert findings("wierzba", draft) == [(EMPTY, "error", "Prosimy o wiadomość na priv.")]

    # The same redirect right after the data it asks for is fine.
    with_data = "Prosimy przygotować numer polisy i datę zdarzenia. Prosimy o wiadomość na priv."
    assert findings("wierzba", with_data) == []


def test_the_finding_spans_the_sentence_and_quotes_the_brand_rule() -> None:
    draft = "Dziękujemy za zgłoszenie! Prosimy o wiadomość na priv."

    assert check_tone(
        draft,
        guidelines=guidelines("wierzba"),
        language="pl",
        channel_kind=None,
        context_category=None,
    ) == (
        ToneFinding(
            code=ToneFindingCode.EMPTY_REDIRECT,
            message="This moves the customer to private messages without saying why, what to "
            "send or what happens next: add the reason and the data you need. Brand rule: "
            "Przeniesienie do wiadomości prywatnej zawsze z uzasadnieniem i listą potrzebnych "
            "danych, np. „Aby sprawdzić status szkody, prosimy o numer szkody w wiadomości "
            "prywatnej – nie publikujmy go tutaj”.",
            start=26,
            end=54,
        ),
    )


def test_a_banned_redirect_is_reported_once() -> None:
    assert findings("kestrel", "Please DM us.") == [("banned_phrase", "error", "Please DM us")]
    assert findings("wierzba", "Zapraszamy na priv!") == [
        ("banned_phrase", "error", "Zapraszamy na priv")
    ]


def test_an_unsupported_language_has_no_redirect_check() -> None:
    assert findings("kestrel", "Schreiben Sie uns eine DM.", language="de") == []
