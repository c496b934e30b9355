"""Pure triage rules: label values, sentiment, priority with context, and their reasons.

Priority starts from the category (the labelling guide: hot = complaint, urgent request,
outage; cold = question, praise, general mention, industry; noise = spam, troll) and is
then adjusted by context the classifier cannot see in the text: the customer's history,
the VIP flag, the brand's tier, the brand events active when the mention was posted and
membership in a spike of similar posts. Context only ever makes a mention hotter, never
turns noise into work. Alongside the label, ``score`` (0–100) orders mentions of the same
priority: an unresolved claim, a VIP or a premium brand move a complaint up the inbox.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain.triage.brands import BrandEvent
from domain.triage.cues import Cue, Signals
from domain.triage.keywords import compile_keyword, find_keyword, split_words

__all__ = [
    "CATEGORIES",
    "EVENT_WORDS",
    "PRIORITY_OF_CATEGORY",
    "Category",
    "Priority",
    "PriorityDecision",
    "Sentiment",
    "SentimentDecision",
    "SpikeMembership",
    "TriageContext",
    "decide_priority",
    "decide_sentiment",
    "related_events",
]


class Category(StrEnum):
    COMPLAINT = "complaint"
    QUESTION = "question"
    URGENT_REQUEST = "urgent_request"
    OUTAGE = "outage"
    PRAISE = "praise"
    GENERAL_MENTION = "general_mention"
    INDUSTRY = "industry"
    SPAM = "spam"
    TROLL = "troll"


class Priority(StrEnum):
    HOT = "hot"
    COLD = "cold"
    NOISE = "noise"


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


CATEGORIES: tuple[str, ...] = tuple(category.value for category in Category)

PRIORITY_OF_CATEGORY: Mapping[str, Priority] = {
    Category.COMPLAINT: Priority.HOT,
    Category.URGENT_REQUEST: Priority.HOT,
    Category.OUTAGE: Priority.HOT,
    Category.QUESTION: Priority.COLD,
    Category.PRAISE: Priority.COLD,
    Category.GENERAL_MENTION: Priority.COLD,
    Category.INDUSTRY: Priority.COLD,
    Category.SPAM: Priority.NOISE,
    Category.TROLL: Priority.NOISE,
}

# Where a category starts on the 0–100 urgency scale.
_BASE_SCORE: Mapping[str, int] = {
    Category.URGENT_REQUEST: 85,
    Category.OUTAGE: 80,
    Category.COMPLAINT: 70,
    Category.QUESTION: 35,
    Category.PRAISE: 15,
    Category.GENERAL_MENTION: 10,
    Category.INDUSTRY: 10,
    Category.TROLL: 5,
    Category.SPAM: 0,
}
_HISTORY_BONUS = 15
_VIP_BONUS = 10
_PREMIUM_BONUS = 5
_EVENT_BONUS = 10
_SPIKE_BONUS = 15

# Words that tie a mention to a kind of brand event, in the five languages. A mention is
# related to an active event when it uses one of these or a long word of the event title.
EVENT_WORDS: Mapping[str, tuple[str, ...]] = {
    "outage_window": (
        "down",
        "outage",
        "maintenance",
        "not working",
        "error",
        "log in",
        "awaria",
        "prace serwisowe",
        "nie działa",
        "błąd",
        "сбой",
        "не работает",
        "ошибка",
        "обновление",
        "non funziona",
        "manutenzione",
        "errore",
        "قطع",
        "قطعی",
        "به‌روزرسانی",
    ),
    "price_increase": (
        "price",
        "fee",
        "fees",
        "surcharge",
        "more expensive",
        "premium",
        "cena",
        "podwyżka",
        "drożej",
        "taryf",
        "składka",
        "цена",
        "тариф",
        "платное",
        "подорожал",
        "prezzo",
        "commissione",
        "aumento",
        "قیمت",
        "گران",
        "افزایش",
    ),
    "data_breach_notice": (
        "breach",
        "leak",
        "incident",
        "hacked",
        "my data",
        "personal data",
        "security notice",
        "wyciek",
        "incydent",
        "dane",
        "утечка",
        "инцидент",
        "данные",
        "privacy",
        "dati",
        "نشت",
        "اطلاعات",
        "دسترسی غیرمجاز",
    ),
    "campaign_launch": (
        "promo",
        "discount",
        "sale",
        "code",
        "cashback",
        "promocja",
        "kampania",
        "кэшбэк",
        "акция",
        "sconto",
        "black friday",
        "کمپین",
        "تخفیف",
        "هدیه",
    ),
    "celebrity_partnership": ("ad", "ambassador", "reklama", "реклама", "pubblicità", "تبلیغ"),
}
_TITLE_WORD_MIN_LENGTH = 6
_MENTIONABLE_EVENTS = frozenset(EVENT_WORDS)


@dataclass(frozen=True, slots=True)
class SpikeMembership:
    """A mention's place in a burst of similar posts (see `domain.triage.spikes`)."""

    incident_key: str
    similar_posts: int
    window: timedelta
    planned_event: str | None = None


@dataclass(frozen=True, slots=True)
class TriageContext:
    """What triage knows about a mention beyond its text.

    ``open_serious_issues`` counts the customer's unresolved hot conversations (or
    serious issues of the last weeks); ``history_note`` says what the last one was, in a
    few words an agent can read ("unresolved claim last week"). ``tenant_id`` selects the
    tenant's corrections.
    """

    tenant_id: str | None = None
    open_serious_issues: int = 0
    history_note: str | None = None
    is_vip: bool = False


@dataclass(frozen=True, slots=True)
class SentimentDecision:
    sentiment: Sentiment
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PriorityDecision:
    """The priority, a 0–100 urgency score and the reasons (the first says why the
    priority is what it is; the others what raised it)."""

    priority: Priority
    score: int
    reasons: tuple[str, ...]


def decide_sentiment(category: str, signals: Signals) -> SentimentDecision:
    """Sentiment from the category and the cue words.

    The labelling guide ties sentiment to the category: praise is positive; complaints,
    urgent requests, outages and trolling are negative; spam, questions and industry
    talk are neutral. A general mention is positive when it thanks or praises and
    says nothing negative, otherwise neutral.
    """
    if category == Category.PRAISE:
        return SentimentDecision(Sentiment.POSITIVE, ("praise is positive",))
    if category in {
        Category.COMPLAINT,
        Category.URGENT_REQUEST,
        Category.OUTAGE,
        Category.TROLL,
    }:
        return SentimentDecision(Sentiment.NEGATIVE, (f"{category} is negative",))
    if category == Category.GENERAL_MENTION:
        positive = (*signals.cues.get(Cue.PRAISE, ()), *signals.cues.get(Cue.THANKS, ()))
        negative = (*signals.cues.get(Cue.NEGATIVE, ()), *signals.cues.get(Cue.COMPLAINT, ()))
        if positive and not negative:
            return SentimentDecision(Sentiment.POSITIVE, (f"positive words: {_quoted(positive)}",))
    return SentimentDecision(Sentiment.NEUTRAL, (f"{category} without praise or blame",))


def related_events(
    text: str, category: str, events: Sequence[BrandEvent]
) -> tuple[BrandEvent, ...]:
    """The active ``events`` a mention is about: an outage during an outage window, or any
    mention using the event's words (`EVENT_WORDS`), a long word of its title or one of
    its affected products."""
    words = split_words(text)
    related = []
    for event in events:
        if event.kind not in _MENTIONABLE_EVENTS:
            continue
        if event.kind == "outage_window" and category == Category.OUTAGE:
            related.append(event)
            continue
        title_words = [
            word for word in split_words(event.title).exact if len(word) >= _TITLE_WORD_MIN_LENGTH
        ]
        vocabulary = (*EVENT_WORDS[event.kind], *title_words, *event.products)
        keywords = (compile_keyword(word) for word in vocabulary)
        if any(k is not None and find_keyword(k, words) is not None for k in keywords):
            related.append(event)
    return tuple(related)


def decide_priority(
    *,
    category: str,
    sentiment: Sentiment,
    signals: Signals,
    context: TriageContext,
    premium_brand: bool,
    events: Sequence[BrandEvent] = (),
    spike: SpikeMembership | None = None,
) -> PriorityDecision:
    """The priority of a mention of ``category`` in its context.

    ``events`` are the brand events the mention relates to (see `related_events`).
    Cold mentions become hot when they belong to a spike, when a customer with an open
    serious issue asks or is unhappy, when a VIP is unhappy, or when an unhappy mention
    relates to an active outage window or data-breach notice. An event that lowers
    customers' expectations is named in the reasons but raises nothing. Noise stays noise.
    """
    priority = PRIORITY_OF_CATEGORY.get(category, Priority.COLD)
    score = _BASE_SCORE.get(category, 10)
    if priority is Priority.NOISE:
        return PriorityDecision(priority, score, (f"noise: {category}",))

    raisers: list[str] = []
    promoted = False
    negative = sentiment is Sentiment.NEGATIVE
    if spike is not None:
        minutes = int(spike.window.total_seconds() // 60)
        raisers.append(f"{spike.similar_posts} similar posts in {minutes} min")
        score += _SPIKE_BONUS
        promoted = True
    if context.open_serious_issues > 0:
        note = context.history_note or _issues(context.open_serious_issues)
        raisers.append(note)
        score += _HISTORY_BONUS
        promoted = promoted or negative or category == Category.QUESTION
    if context.is_vip:
        raisers.append("VIP customer")
        score += _VIP_BONUS
        promoted = promoted or negative
    for event in events:
        raisers.append(f"during {event.kind.replace('_', ' ')} '{event.title}'")
        if not event.raises_expectations:
            continue
        score += _EVENT_BONUS
        if event.kind in {"outage_window", "data_breach_notice"}:
            promoted = promoted or negative
    if priority is Priority.COLD and promoted:
        priority = Priority.HOT
    if premium_brand and priority is Priority.HOT:
        raisers.append("premium brand")
        score += _PREMIUM_BONUS
    lead = f"{priority}: {_category_evidence(category, signals)}"
    summary = " + ".join((lead, *raisers))
    return PriorityDecision(priority, min(score, 100), (summary,))


def _category_evidence(category: str, signals: Signals) -> str:
    cue = _CATEGORY_CUES.get(category)
    found = signals.cues.get(cue, ()) if cue is not None else ()
    label = category.replace("_", " ")
    return f"{label} words {_quoted(found)}" if found else label


_CATEGORY_CUES: Mapping[str, Cue] = {
    Category.OUTAGE: Cue.OUTAGE,
    Category.URGENT_REQUEST: Cue.URGENT,
    Category.COMPLAINT: Cue.COMPLAINT,
    Category.QUESTION: Cue.QUESTION,
    Category.PRAISE: Cue.PRAISE,
    Category.INDUSTRY: Cue.INDUSTRY,
    Category.SPAM: Cue.SPAM,
    Category.TROLL: Cue.TROLL,
}


def _issues(count: int) -> str:
    return "customer has an open serious issue" if count == 1 else f"{count} open serious issues"


def _quoted(words: Sequence[str], limit: int = 3) -> str:
    return ", ".join(f"'{word}'" for word in words[:limit])
