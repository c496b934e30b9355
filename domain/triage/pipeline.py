"""The triage pipeline: one mention (or a batch) in, labels with reasons out.

Steps, each a pure function or small class of this package:

1. language (`domain.triage.language`), with the brand's languages as the prior;
2. cue words (`domain.triage.cues`) and the two-stage category model
   (`domain.triage.model`);
3. the tenant's corrections (`domain.triage.corrections`), consulted before the model:
   a near-identical corrected mention decides the corrected labels;
4. spike membership (`domain.triage.spikes`), fed in time order;
5. sentiment and priority with context (`domain.triage.rules`);
6. sensitive data and move-to-private (`domain.triage.sensitive`);
7. the escalation department (`domain.triage.routes`).

`Triager` holds what is loaded once (model, language detector, brands, corrections);
`Triager.triage_batch` and `Triager.triage_mention` are the entry points the ingestion
pipeline calls. A batch is cheaper per mention than single calls (the full model stage
embeds the unsure mentions of a batch together).
"""

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from domain.triage.brands import BrandEvent, BrandProfile, load_brand_catalogue
from domain.triage.corrections import CorrectionMatch, CorrectionMemory
from domain.triage.cues import Cue, Signals, read_signals
from domain.triage.examples import (
    LabelledMention,
    MentionInput,
    load_labelled_mentions,
    load_seed_embeddings,
)
from domain.triage.language import MentionLanguageDetector
from domain.triage.model import (
    DEFAULT_CASCADE_THRESHOLD,
    CategoryModel,
    CategoryPrediction,
    TextEmbedder,
    cue_features,
    train_category_model,
)
from domain.triage.routes import suggest_department
from domain.triage.rules import (
    CATEGORIES,
    PRIORITY_OF_CATEGORY,
    Category,
    Priority,
    Sentiment,
    SpikeMembership,
    TriageContext,
    decide_priority,
    decide_sentiment,
    related_events,
)
from domain.triage.sensitive import SensitiveMatch, find_sensitive_data, needs_private
from domain.triage.spikes import OUTAGE_TOPIC, Incident, SpikeDetector, content_terms

__all__ = [
    "TriageContext",
    "TriageLabels",
    "TriageResult",
    "Triager",
    "UnknownBrandError",
]

_HOT_CATEGORIES = frozenset(
    category for category, priority in PRIORITY_OF_CATEGORY.items() if priority is Priority.HOT
)
_OUTAGE_CANDIDATES = frozenset({Category.QUESTION, Category.GENERAL_MENTION})


class UnknownBrandError(ValueError):
    """The mention names a brand the triager has no profile for."""


@dataclass(frozen=True, slots=True)
class TriageLabels:
    """The labels of one mention. ``sensitive_data`` are the kinds found, sorted."""

    language: str
    priority: str
    category: str
    sentiment: str
    sensitive_data: tuple[str, ...]
    needs_private: bool
    escalate_to: str | None


@dataclass(frozen=True, slots=True)
class TriageResult:
    """Labels, the reasons an agent reads, the incident (if the mention is part of a
    spike), the 0–100 urgency ``score`` and the sensitive spans (masked previews only).
    ``stage`` tells what decided the category: ``fast``/``full`` model stage or an
    agent ``correction``."""

    mention_id: str
    labels: TriageLabels
    reasons: tuple[str, ...]
    incident: str | None
    score: int
    sensitive_matches: tuple[SensitiveMatch, ...]
    stage: str

    def as_json(self) -> dict[str, Any]:
        """The shape ``parley triage classify`` prints."""
        labels = dataclasses.asdict(self.labels)
        labels["sensitive_data"] = list(self.labels.sensitive_data)
        return {
            "id": self.mention_id,
            "labels": labels,
            "reasons": list(self.reasons),
            "incident": self.incident,
        }


class Triager:
    """Triage for a set of brands with a trained model; build once per process.

    ``embedder`` enables the model's full stage for unsure mentions (see
    `domain.triage.model`); without it only the fast stage runs.
    """

    def __init__(
        self,
        *,
        brands: Mapping[str, BrandProfile],
        model: CategoryModel,
        embedder: TextEmbedder | None = None,
        language_detector: MentionLanguageDetector | None = None,
        corrections: CorrectionMemory | None = None,
        cascade_threshold: float = DEFAULT_CASCADE_THRESHOLD,
    ) -> None:
        self.brands = dict(brands)
        self.model = model
        self.embedder = embedder
        self.language_detector = language_detector or MentionLanguageDetector()
        self.corrections = corrections if corrections is not None else CorrectionMemory()
        self.cascade_threshold = cascade_threshold

    @classmethod
    def from_examples(
        cls,
        examples: Sequence[LabelledMention],
        *,
        brands: Mapping[str, BrandProfile] | None = None,
        embedder: TextEmbedder | None = None,
        embeddings: NDArray[np.float32] | None = None,
        cascade_threshold: float = DEFAULT_CASCADE_THRESHOLD,
        corrections: CorrectionMemory | None = None,
    ) -> "Triager":
        """Train on labelled ``examples``. The full stage is trained when ``embeddings``
        of the examples are given, or computed with ``embedder``."""
        texts = [example.mention.text for example in examples]
        features = feature_matrix([example.mention for example in examples])
        if embeddings is None and embedder is not None:
            embeddings = embedder.embed(texts)
        model = train_category_model(
            features,
            [str(example.labels["category"]) for example in examples],
            embeddings=embeddings,
        )
        return cls(
            brands=brands if brands is not None else load_brand_catalogue(),
            model=model,
            embedder=embedder,
            corrections=corrections,
            cascade_threshold=cascade_threshold,
        )

    @classmethod
    def from_seed_examples(
        cls,
        *,
        brands: Mapping[str, BrandProfile] | None = None,
        embedder: TextEmbedder | None = None,
        cascade_threshold: float = DEFAULT_CASCADE_THRESHOLD,
    ) -> "Triager":
        """Train on the shipped seed examples with their shipped embeddings (embedding
        them again only if the shipped ones are stale)."""
        examples = load_labelled_mentions()
        embeddings = None
        if embedder is not None:
            embeddings = load_seed_embeddings([example.mention.text for example in examples])
        return cls.from_examples(
            examples,
            brands=brands,
            embedder=embedder,
            embeddings=embeddings,
            cascade_threshold=cascade_threshold,
        )

    def new_spike_detector(self) -> SpikeDetector:
        """A detector for one stream of mentions."""
        return SpikeDetector()

    def brand(self, slug: str) -> BrandProfile:
        try:
            return self.brands[slug]
        except KeyError:
            raise UnknownBrandError(f"unknown brand '{slug}'") from None

    def predict_categories(
        self,
        mentions: Sequence[MentionInput],
        *,
        embeddings: NDArray[np.float32] | None = None,
        signals: Sequence[Signals] | None = None,
    ) -> list[CategoryPrediction]:
        """The model's category probabilities (step 2 alone). ``embeddings`` may carry
        precomputed sentence embeddings aligned with ``mentions``, ``signals`` their
        already read cues."""
        return self.model.predict(
            feature_matrix(mentions, signals),
            [mention.text for mention in mentions],
            embedder=self.embedder,
            cascade_threshold=self.cascade_threshold,
            embeddings=embeddings,
        )

    def triage_batch(
        self,
        mentions: Sequence[MentionInput],
        *,
        contexts: Mapping[str, TriageContext] | None = None,
        spikes: SpikeDetector | None = None,
        predictions: Sequence[CategoryPrediction] | None = None,
    ) -> list[TriageResult]:
        """Triage ``mentions`` (in time order for spike detection), one result each, in
        the same order. ``contexts`` by mention id; ``spikes`` carries bursts across
        calls (a fresh detector per call otherwise). Mentions that belong to an incident
        opened later in the same batch get its key too. Raises `UnknownBrandError`.
        """
        for mention in mentions:
            self.brand(mention.brand)
        signals = [read_signals(mention.text) for mention in mentions]
        if predictions is None:
            predictions = self.predict_categories(mentions, signals=signals)
        detector = spikes if spikes is not None else self.new_spike_detector()
        results = [
            self._finish(
                mention,
                mention_signals,
                prediction,
                (contexts or {}).get(mention.id, TriageContext()),
                detector,
            )
            for mention, mention_signals, prediction in zip(
                mentions, signals, predictions, strict=True
            )
        ]
        return _with_incidents(results, detector.incidents)

    def triage_mention(
        self,
        mention: MentionInput,
        *,
        context: TriageContext | None = None,
        spikes: SpikeDetector | None = None,
    ) -> TriageResult:
        """Triage one mention; pass the stream's ``spikes`` detector to detect bursts."""
        contexts = {mention.id: context} if context is not None else None
        return self.triage_batch([mention], contexts=contexts, spikes=spikes)[0]

    def _finish(
        self,
        mention: MentionInput,
        signals: Signals,
        prediction: CategoryPrediction,
        context: TriageContext,
        spikes: SpikeDetector,
    ) -> TriageResult:
        brand = self.brand(mention.brand)
        language = self.language_detector.detect(
            mention.text, brand_languages=brand.languages, brand_names=brand.names
        )
        correction = self.corrections.match(context.tenant_id, mention.text)
        corrected = correction.correction.labels if correction is not None else {}
        reasons = [f"language {language.language}: {'; '.join(language.reasons)}"]

        category = str(corrected.get("category") or prediction.category)
        active_events = brand.active_events(mention.posted_at, mention.channel_id)
        spike = self._observe_spike(mention, category, signals, brand, spikes, active_events)
        if spike is not None and category not in _HOT_CATEGORIES and "category" not in corrected:
            category = Category.OUTAGE.value
        reasons.append(_category_reason(category, prediction, signals, correction, spike))

        if corrected.get("sentiment"):
            sentiment = Sentiment(str(corrected["sentiment"]))
            reasons.append(f"sentiment {sentiment}: {_corrected(correction)}")
        else:
            sentiment_decision = decide_sentiment(category, signals)
            sentiment = sentiment_decision.sentiment
            reasons.append(f"sentiment {sentiment}: {'; '.join(sentiment_decision.reasons)}")

        events = related_events(mention.text, category, active_events)
        decision = decide_priority(
            category=category,
            sentiment=sentiment,
            signals=signals,
            context=context,
            premium_brand=brand.premium,
            events=events,
            spike=spike,
        )
        priority = decision.priority.value
        priority_reasons = decision.reasons
        if corrected.get("priority"):
            priority = str(corrected["priority"])
            priority_reasons = (f"{priority}: {_corrected(correction)}",)
        reasons.extend(priority_reasons)

        matches = find_sensitive_data(
            mention.text,
            language=language.language,
            region_hints=brand.regions,
            identifier_formats=brand.identifier_formats,
            brand_email_domains=brand.email_domains,
        )
        kinds = tuple(sorted({match.kind.value for match in matches}))
        private = needs_private(matches, is_private_channel=mention.is_private, category=category)
        reasons.append(_sensitive_reason(kinds, private, mention.is_private))

        if "escalate_to" in corrected:
            department = corrected["escalate_to"]
            reasons.append(f"escalate to {department}: {_corrected(correction)}")
        else:
            suggestion = suggest_department(mention.text, category, brand.routes, brand.precedence)
            department = suggestion.department if suggestion is not None else None
            reasons.append(
                f"escalate to {department}: {'; '.join(suggestion.reasons)}"
                if suggestion is not None
                else "no escalation: the care team can resolve it"
            )
        if spike is not None:
            reasons.append(_incident_reason(spike))

        labels = TriageLabels(
            language=str(corrected.get("language") or language.language),
            priority=priority,
            category=category,
            sentiment=sentiment.value,
            sensitive_data=kinds,
            needs_private=private,
            escalate_to=department,
        )
        return TriageResult(
            mention_id=mention.id,
            labels=labels,
            reasons=tuple(reasons),
            incident=spike.incident_key if spike is not None else None,
            score=decision.score,
            sensitive_matches=matches,
            stage="correction" if correction is not None else prediction.stage,
        )

    def _observe_spike(
        self,
        mention: MentionInput,
        category: str,
        signals: Signals,
        brand: BrandProfile,
        spikes: SpikeDetector,
        active_events: Sequence[BrandEvent],
    ) -> SpikeMembership | None:
        if mention.posted_at is None:
            return None
        reports_outage = signals.count(Cue.OUTAGE) > 0
        if category == Category.OUTAGE or (
            reports_outage and (category in _HOT_CATEGORIES or category in _OUTAGE_CANDIDATES)
        ):
            topic = OUTAGE_TOPIC
        elif category in _HOT_CATEGORIES:
            topic = category
        else:
            return None
        return spikes.observe(
            mention_id=mention.id,
            brand=mention.brand,
            author=mention.author_handle,
            posted_at=mention.posted_at,
            topic=topic,
            terms=content_terms(mention.text, ignored=brand.names),
            events=active_events,
        )


def feature_matrix(
    mentions: Sequence[MentionInput], signals: Sequence[Signals] | None = None
) -> NDArray[np.float64]:
    """The fast-stage feature rows of ``mentions`` (reading their cues unless given)."""
    read = signals if signals is not None else [read_signals(m.text) for m in mentions]
    return np.asarray(
        [cue_features(cues, mention.kind) for mention, cues in zip(mentions, read, strict=True)],
        dtype=np.float64,
    ).reshape(len(mentions), -1)


def _with_incidents(
    results: list[TriageResult], incidents: Sequence[Incident]
) -> list[TriageResult]:
    """Give the incident key to results that joined an incident before it opened."""
    keys = {mention_id: incident for incident in incidents for mention_id in incident.mention_ids}
    updated = []
    for result in results:
        incident = keys.get(result.mention_id)
        if incident is None or result.incident is not None:
            updated.append(result)
            continue
        labels = result.labels
        if labels.priority != Priority.HOT:
            labels = dataclasses.replace(
                labels,
                category=Category.OUTAGE.value
                if incident.topic == OUTAGE_TOPIC
                else labels.category,
                priority=Priority.HOT.value,
                sentiment=Sentiment.NEGATIVE.value,
            )
        updated.append(
            dataclasses.replace(
                result,
                labels=labels,
                incident=incident.key,
                reasons=(
                    *result.reasons,
                    f"incident {incident.key}: first of {incident.size} similar posts",
                ),
            )
        )
    return updated


def _category_reason(
    category: str,
    prediction: CategoryPrediction,
    signals: Signals,
    correction: CorrectionMatch | None,
    spike: SpikeMembership | None,
) -> str:
    if correction is not None and correction.correction.labels.get("category"):
        return f"category {category}: {_corrected(correction)}"
    probability = prediction.probabilities[CATEGORIES.index(category)]
    stage = "text model" if prediction.stage == "fast" else "text + meaning model"
    parts = [f"{stage} {probability:.2f}"]
    cue = _EVIDENCE.get(category)
    words = signals.cues.get(cue, ()) if cue is not None else ()
    if words:
        parts.append(
            f"{category.replace('_', ' ')} words " + ", ".join(f"'{w}'" for w in words[:3])
        )
    if signals.has_link and category == Category.SPAM:
        parts.append("link")
    if spike is not None and category == Category.OUTAGE:
        parts.append(f"part of incident {spike.incident_key}")
    return f"category {category}: " + "; ".join(parts)


def _corrected(correction: CorrectionMatch | None) -> str:
    if correction is None:
        return "corrected by an agent"
    when = correction.correction.corrected_at.date().isoformat()
    return (
        f"corrected by {correction.correction.corrected_by} on {when} "
        f"for a similar mention ({correction.similarity:.0%} alike)"
    )


def _sensitive_reason(kinds: Sequence[str], private: bool, is_private: bool) -> str:
    if not kinds:
        return "needs private: customer-specific problem" if private else "no sensitive data"
    found = ", ".join(kinds)
    if is_private:
        return f"sensitive data: {found} (already a private message)"
    return f"sensitive data: {found} → move to private"


def _incident_reason(spike: SpikeMembership) -> str:
    minutes = int(spike.window.total_seconds() // 60)
    text = f"incident {spike.incident_key}: {spike.similar_posts} similar posts in {minutes} min"
    if spike.planned_event:
        text += f", during planned maintenance '{spike.planned_event}' (no alert)"
    return text


_EVIDENCE: Mapping[str, Cue] = {
    Category.OUTAGE: Cue.OUTAGE,
    Category.URGENT_REQUEST: Cue.URGENT,
    Category.COMPLAINT: Cue.COMPLAINT,
    Category.QUESTION: Cue.QUESTION,
    Category.PRAISE: Cue.PRAISE,
    Category.INDUSTRY: Cue.INDUSTRY,
    Category.SPAM: Cue.SPAM,
    Category.TROLL: Cue.TROLL,
    Category.GENERAL_MENTION: Cue.ADVERT,
}
