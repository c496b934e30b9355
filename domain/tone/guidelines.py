"""A brand's tone guidelines as plain values, read from the brand catalogue's shape.

The catalogue (`brands.json` → `tone_guidelines`) is written for people: banned
phrases carry their condition in parentheses ("Napisz do nas w wiadomości
prywatnej (bez podania, po co …)"), and the signature rule says in words
whether the system appends the signature. `tone_guidelines_from_config` turns
that into values the pure tone check can use; explicit keys, where present,
win over what is read from the texts. Malformed entries are skipped, never
raised on, so one odd setting cannot stop the check for a whole brand.
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Final

from domain.knowledge.text import fold, normalize


class AddressForm(StrEnum):
    FORMAL = "formal"
    INFORMAL = "informal"
    #: "you" and first names, but no slang and no "Dear Sir/Madam" (English brands).
    INFORMAL_PROFESSIONAL = "informal-professional"


class BannedCondition(StrEnum):
    """When a banned phrase is banned (read from its parenthetical note)."""

    ALWAYS = "always"
    #: Only as an empty redirect: no reason, no data to send, no next step.
    WITHOUT_SUBSTANCE = "without_substance"
    #: Only without a time frame ("within 2 working days").
    WITHOUT_TIMEFRAME = "without_timeframe"
    #: Only without a reference: a clause ("§ 12"), a tracking or case number.
    WITHOUT_REFERENCE = "without_reference"
    #: Only as (nearly) the whole reply.
    ALONE = "alone"
    #: The condition cannot be checked from the text ("without checking"): warn.
    UNVERIFIABLE = "unverifiable"


@dataclass(frozen=True, slots=True)
class BannedPhrase:
    """A phrase the brand bans; `note` is the condition as the guideline words it."""

    phrase: str
    condition: BannedCondition = BannedCondition.ALWAYS
    note: str = ""


@dataclass(frozen=True, slots=True)
class EmojiPolicy:
    """Emoji rules; empty `allowed_contexts` means every context not forbidden."""

    allowed: bool = True
    max_per_reply: int | None = None
    allowed_contexts: tuple[str, ...] = ()
    forbidden_contexts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SignatureRule:
    """How replies are signed: `format` with `{placeholders}`, e.g. "^{initials}".

    When `appended_by_system` is True the system adds the signature at send
    time: a draft must not carry it, and the length budget keeps room for it.
    """

    format: str
    example: str = ""
    appended_by_system: bool = False


@dataclass(frozen=True, slots=True)
class ToneGuidelines:
    """What the tone check enforces for one brand."""

    address_form: AddressForm | None = None
    #: «Вы» with a capital letter when addressing one customer.
    capitalized_formal_pronoun: bool = False
    banned_phrases: tuple[BannedPhrase, ...] = ()
    emoji: EmojiPolicy = field(default_factory=EmojiPolicy)
    signature: SignatureRule | None = None
    max_reply_chars: int | None = None
    #: Per channel kind, stricter limits than the brand's (e.g. store reviews).
    channel_max_chars: Mapping[str, int] = field(default_factory=dict)
    redirect_rule: str = ""
    #: Complaint replies must contain one of these (apology / ownership), if any.
    complaint_required_phrases: tuple[str, ...] = ()


_PARENTHETICAL = re.compile(r"\s*\(([^()]*)\)\s*$")

# Words of a banned phrase's note that name its condition, per kind, folded.
# Checked in this order: a note naming a time frame is about the time frame
# even when it also mentions data.
_CONDITION_CUES: Final[tuple[tuple[BannedCondition, tuple[str, ...]], ...]] = (
    (
        BannedCondition.ALONE,
        ("jako jedyn", "jedyna odpowiedz", "единственн", "تنهایی", "alone", "da sol"),
    ),
    (
        BannedCondition.UNVERIFIABLE,
        ("bez sprawdzenia", "без проверки", "senza verific", "بدون بررسی", "without checking"),
    ),
    (
        BannedCondition.WITHOUT_TIMEFRAME,
        ("termin", "срок", "tempi", "tempo", "زمان", "time frame", "timeframe", "deadline"),
    ),
    (
        BannedCondition.WITHOUT_REFERENCE,
        ("zapis", "paragraf", "пункт", "articolo", "شماره پیگیری", "reference", "clause"),
    ),
    (
        BannedCondition.WITHOUT_SUBSTANCE,
        (
            *("po co", "danych", "зачем", "что прислать", "cosa ci serve", "perche"),
            *("دلیل", "اطلاعات لازم", "why", "what to send"),
        ),
    ),
)
# Words of a signature rule saying the system adds the signature, folded.
_APPENDED_CUES: Final = (
    "dokleja system",
    "automatycznie",
    "автоматически",
    "in automatico",
    "automaticamente",
    "خودکار",
    "automatically",
    "by the system",
)
_CAPITAL_PRONOUN_CUES: Final = ("с заглавной", "с большой буквы", "wielka litera", "capital")


def tone_guidelines_from_config(config: Mapping[str, Any]) -> ToneGuidelines:
    """Guidelines from a brand's `tone_guidelines` setting (the brand catalogue's shape).

    Reads `address_form`, `address_form_rules`, `banned_phrases` (text, with the
    condition in a trailing parenthesis, or `{"phrase", "condition"}` objects),
    `emoji_policy`, `signature` (`format`, `example`, `rule`, optional
    `appended_by_system`), `max_reply_chars`, optional `channel_max_chars`,
    `redirect_rule` and optional `complaint_required_phrases`.
    """
    rules_text = _text(config.get("address_form_rules"))
    capitalized = config.get("capitalized_formal_pronoun")
    return ToneGuidelines(
        address_form=_address_form(config.get("address_form")),
        capitalized_formal_pronoun=(
            capitalized
            if isinstance(capitalized, bool)
            else _mentions(rules_text, _CAPITAL_PRONOUN_CUES)
        ),
        banned_phrases=tuple(_banned_phrases(config.get("banned_phrases"))),
        emoji=_emoji_policy(config.get("emoji_policy")),
        signature=_signature(config.get("signature")),
        max_reply_chars=_positive_int(config.get("max_reply_chars")),
        channel_max_chars=_channel_limits(config.get("channel_max_chars")),
        redirect_rule=_text(config.get("redirect_rule")),
        complaint_required_phrases=tuple(_texts(config.get("complaint_required_phrases"))),
    )


def demo_tone_config(brand_slug: str) -> Mapping[str, Any] | None:
    """The built-in `tone_guidelines` of the shipped demo brand with this slug, if any."""
    return _demo_tone_configs().get(brand_slug)


@cache
def _demo_tone_configs() -> dict[str, Mapping[str, Any]]:
    text = resources.files("domain.demo").joinpath("data/brands.json").read_text("utf-8")
    brands = json.loads(text)["tenant"]["brands"]
    return {
        str(brand["slug"]): brand["tone_guidelines"]
        for brand in brands
        if isinstance(brand.get("tone_guidelines"), Mapping)
    }


def banned_phrase_from_text(text: str) -> BannedPhrase:
    """A banned phrase from the guideline's words; a trailing parenthesis is its condition."""
    match = _PARENTHETICAL.search(text)
    if match is None:
        return BannedPhrase(phrase=text.strip())
    note = match.group(1).strip()
    return BannedPhrase(phrase=text[: match.start()].strip(), condition=_condition(note), note=note)


def _condition(note: str) -> BannedCondition:
    for condition, cues in _CONDITION_CUES:
        if _mentions(note, cues):
            return condition
    return BannedCondition.UNVERIFIABLE


def _mentions(text: str, cues: Iterable[str]) -> bool:
    folded = fold(normalize(text))
    return any(fold(normalize(cue)) in folded for cue in cues)


def _address_form(value: object) -> AddressForm | None:
    if not isinstance(value, str):
        return None
    key = value.strip().lower().replace("_", "-")
    try:
        return AddressForm(key)
    except ValueError:
        return None


def _banned_phrases(value: object) -> Iterable[BannedPhrase]:
    if not isinstance(value, list):
        return
    for item in value:
        if isinstance(item, str) and item.strip():
            phrase = banned_phrase_from_text(item)
            if phrase.phrase:
                yield phrase
        elif isinstance(item, Mapping) and isinstance(item.get("phrase"), str):
            condition = item.get("condition")
            try:
                parsed = BannedCondition(condition) if condition else BannedCondition.ALWAYS
            except ValueError:
                parsed = BannedCondition.UNVERIFIABLE
            yield BannedPhrase(
                phrase=item["phrase"].strip(), condition=parsed, note=_text(item.get("note"))
            )


def _emoji_policy(value: object) -> EmojiPolicy:
    if not isinstance(value, Mapping):
        return EmojiPolicy()
    allowed = value.get("allowed", True)
    maximum = value.get("max_per_reply")
    return EmojiPolicy(
        allowed=allowed if isinstance(allowed, bool) else True,
        max_per_reply=maximum if isinstance(maximum, int) and maximum >= 0 else None,
        allowed_contexts=tuple(_texts(value.get("allowed_contexts"))),
        forbidden_contexts=tuple(_texts(value.get("forbidden_contexts"))),
    )


def _signature(value: object) -> SignatureRule | None:
    if not isinstance(value, Mapping):
        return None
    signature_format = _text(value.get("format"))
    if not signature_format:
        return None
    explicit = value.get("appended_by_system")
    return SignatureRule(
        format=signature_format,
        example=_text(value.get("example")),
        appended_by_system=(
            explicit
            if isinstance(explicit, bool)
            else _mentions(_text(value.get("rule")), _APPENDED_CUES)
        ),
    )


def _channel_limits(value: object) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    limits = {str(kind): _positive_int(limit) for kind, limit in value.items()}
    return {kind: limit for kind, limit in limits.items() if limit is not None}


def _positive_int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(value: object) -> Iterable[str]:
    if isinstance(value, list):
        yield from (item.strip() for item in value if isinstance(item, str) and item.strip())
