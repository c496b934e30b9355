"""Agent corrections: a per-tenant memory of corrected examples, consulted before the model.

When an agent corrects a label, the corrected mention is remembered for that tenant with
who corrected it and when. A later mention of the same tenant that is nearly the same
text (character-trigram cosine similarity at least ``threshold``, after folding case,
digits and spacing) takes the corrected labels instead of the model's, and the reasons
say so. Another tenant's corrections are never consulted. The memory is a plain data
structure: storing corrections durably is the caller's business (they are plain values).
"""

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "CORRECTABLE_LABELS",
    "DEFAULT_SIMILARITY",
    "Correction",
    "CorrectionMatch",
    "CorrectionMemory",
    "text_similarity",
]

# Labels an agent may correct; priority follows a corrected category unless corrected too.
CORRECTABLE_LABELS = frozenset({"category", "priority", "sentiment", "escalate_to", "language"})
DEFAULT_SIMILARITY = 0.8
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Correction:
    """Labels an agent set on a mention. ``labels`` maps label names (see
    `CORRECTABLE_LABELS`) to values; ``escalate_to`` may be None (no escalation)."""

    tenant_id: str
    mention_id: str
    text: str
    labels: Mapping[str, str | None]
    corrected_by: str
    corrected_at: datetime

    def __post_init__(self) -> None:
        unknown = set(self.labels) - CORRECTABLE_LABELS
        if unknown:
            raise ValueError(f"labels that cannot be corrected: {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class CorrectionMatch:
    correction: Correction
    similarity: float


@dataclass(slots=True)
class _Entry:
    correction: Correction
    profile: Counter[str]
    norm: float


@dataclass(slots=True)
class CorrectionMemory:
    """Corrections by tenant; the newest correction of a near-identical text wins."""

    threshold: float = DEFAULT_SIMILARITY
    _entries: dict[str, list[_Entry]] = field(default_factory=dict)

    def add(self, correction: Correction) -> None:
        profile = _profile(correction.text)
        self._entries.setdefault(correction.tenant_id, []).append(
            _Entry(correction, profile, _norm(profile))
        )

    def corrections(self, tenant_id: str) -> tuple[Correction, ...]:
        return tuple(entry.correction for entry in self._entries.get(tenant_id, ()))

    def match(self, tenant_id: str | None, text: str) -> CorrectionMatch | None:
        """The tenant's correction of the text most like ``text`` (ties: the newest), or
        None when none reaches the threshold or no tenant is given."""
        entries = self._entries.get(tenant_id, []) if tenant_id is not None else []
        if not entries:
            return None
        profile = _profile(text)
        norm = _norm(profile)
        best: CorrectionMatch | None = None
        for entry in entries:
            similarity = _cosine(profile, norm, entry.profile, entry.norm)
            if similarity < self.threshold:
                continue
            if (
                best is None
                or similarity > best.similarity
                or (
                    similarity == best.similarity
                    and entry.correction.corrected_at >= best.correction.corrected_at
                )
            ):
                best = CorrectionMatch(entry.correction, similarity)
        return best


def text_similarity(first: str, second: str) -> float:
    """Character-trigram cosine similarity of two texts (0–1) as the memory measures it."""
    a, b = _profile(first), _profile(second)
    return _cosine(a, _norm(a), b, _norm(b))


def _profile(text: str) -> Counter[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _SPACES.sub(" ", _DIGITS.sub("0", folded)).strip()
    padded = f"  {folded}  "
    return Counter(padded[index : index + 3] for index in range(len(padded) - 2))


def _norm(profile: Counter[str]) -> float:
    return math.sqrt(sum(count * count for count in profile.values()))


def _cosine(a: Counter[str], a_norm: float, b: Counter[str], b_norm: float) -> float:
    if not a_norm or not b_norm:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(count * large.get(gram, 0) for gram, count in small.items())
    return dot / (a_norm * b_norm)
