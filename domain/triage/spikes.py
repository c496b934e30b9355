"""Spike detection: a burst of similar complaints about one brand becomes an incident.

`SpikeDetector` is fed mentions in time order (a stream; it keeps only the last window of
each brand). Two posts are *similar* when they share a topic: every outage report of a
brand is about the same outage; other complaints are similar when they share at least
`MIN_SHARED_TERMS` content words. When `SpikeDetector.min_authors` different authors post
similar complaints within ``window``, an incident opens and groups them; later similar
posts join it while they keep arriving within ``window`` of the previous one. A burst
inside a planned outage window of the brand still groups, but is marked planned (no
alert: the team already knows).
"""

import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.triage.brands import BrandEvent
from domain.triage.rules import SpikeMembership

__all__ = [
    "DEFAULT_MIN_AUTHORS",
    "DEFAULT_WINDOW",
    "MIN_SHARED_TERMS",
    "OUTAGE_TOPIC",
    "Incident",
    "SpikeDetector",
    "content_terms",
]

DEFAULT_WINDOW = timedelta(minutes=30)
DEFAULT_MIN_AUTHORS = 4
MIN_SHARED_TERMS = 2
OUTAGE_TOPIC = "outage"
_TERM = re.compile(r"[^\W\d_]{5,}")
_STEM_LENGTH = 5


@dataclass(slots=True)
class Incident:
    """A group of similar posts of one brand. ``key`` is stable:
    ``<brand>-<topic>-<YYYYMMDD-HHMM of the first post, UTC>``."""

    key: str
    brand: str
    topic: str
    opened_at: datetime
    last_at: datetime
    mention_ids: list[str] = field(default_factory=list)
    authors: set[str] = field(default_factory=set)
    planned_event: str | None = None

    @property
    def raises_alert(self) -> bool:
        """A planned maintenance burst is expected; anything else alerts the team."""
        return self.planned_event is None

    @property
    def size(self) -> int:
        return len(self.mention_ids)


@dataclass(frozen=True, slots=True)
class _Post:
    mention_id: str
    author: str
    posted_at: datetime
    topic: str
    terms: frozenset[str]


class SpikeDetector:
    """Groups bursts of similar complaints into incidents; see the module docstring.

    Not thread-safe: one detector per stream. Posts must arrive in time order per brand;
    a post older than the brand's newest is still recorded but cannot open an incident
    on its own.
    """

    def __init__(
        self, *, window: timedelta = DEFAULT_WINDOW, min_authors: int = DEFAULT_MIN_AUTHORS
    ) -> None:
        self.window = window
        self.min_authors = min_authors
        self._recent: dict[str, deque[_Post]] = {}
        self._open: dict[tuple[str, str], Incident] = {}
        self._incidents: list[Incident] = []

    @property
    def incidents(self) -> tuple[Incident, ...]:
        return tuple(self._incidents)

    def observe(
        self,
        *,
        mention_id: str,
        brand: str,
        author: str | None,
        posted_at: datetime,
        topic: str,
        terms: Iterable[str] = (),
        events: Sequence[BrandEvent] = (),
    ) -> SpikeMembership | None:
        """Record one complaint; its incident membership, if it now belongs to one.

        ``topic`` is `OUTAGE_TOPIC` for outage reports, anything else (e.g. the
        category) for other complaints; ``terms`` are its content words (see
        `content_terms`). ``events`` are the brand's active events (a planned
        ``outage_window`` marks the incident planned).
        """
        post = _Post(
            mention_id, author or f"anonymous:{mention_id}", posted_at, topic, frozenset(terms)
        )
        recent = self._recent.setdefault(brand, deque())
        while recent and posted_at - recent[0].posted_at > self.window:
            recent.popleft()

        incident = self._open.get((brand, topic))
        if incident is not None and posted_at - incident.last_at <= self.window:
            if self._similar_to_incident(post, incident, recent):
                recent.append(post)
                return self._join(incident, post)
        elif incident is not None:
            del self._open[(brand, topic)]

        similar = [other for other in recent if _similar(post, other)]
        recent.append(post)
        authors = {other.author for other in similar} | {post.author}
        if len(authors) < self.min_authors:
            return None
        members = [*similar, post]
        incident = Incident(
            key=f"{brand}-{topic}-{members[0].posted_at.astimezone(UTC):%Y%m%d-%H%M}",
            brand=brand,
            topic=topic,
            opened_at=members[0].posted_at,
            last_at=posted_at,
            planned_event=_planned_outage(events) if topic == OUTAGE_TOPIC else None,
        )
        for member in members:
            incident.mention_ids.append(member.mention_id)
            incident.authors.add(member.author)
        self._open[(brand, topic)] = incident
        self._incidents.append(incident)
        return self._membership(incident)

    def _similar_to_incident(self, post: _Post, incident: Incident, recent: deque[_Post]) -> bool:
        if post.topic == OUTAGE_TOPIC:
            return True
        members = set(incident.mention_ids)
        return any(other.mention_id in members and _similar(post, other) for other in recent)

    def _join(self, incident: Incident, post: _Post) -> SpikeMembership:
        incident.mention_ids.append(post.mention_id)
        incident.authors.add(post.author)
        incident.last_at = post.posted_at
        return self._membership(incident)

    def _membership(self, incident: Incident) -> SpikeMembership:
        span = max(incident.last_at - incident.opened_at, timedelta(minutes=1))
        return SpikeMembership(
            incident_key=incident.key,
            similar_posts=incident.size,
            window=span,
            planned_event=incident.planned_event,
        )


def content_terms(text: str, *, ignored: Iterable[str] = ()) -> frozenset[str]:
    """Content words of ``text`` reduced to a 5-letter stem (case and diacritics folded);
    words of ``ignored`` (the brand's names) are left out."""
    skipped = {_stem(word) for name in ignored for word in _TERM.findall(_fold(name))}
    return frozenset(_stem(word) for word in _TERM.findall(_fold(text))) - skipped


def _similar(post: _Post, other: _Post) -> bool:
    if post.topic != other.topic:
        return False
    if post.topic == OUTAGE_TOPIC:
        return True
    return len(post.terms & other.terms) >= MIN_SHARED_TERMS


def _planned_outage(events: Sequence[BrandEvent]) -> str | None:
    for event in events:
        if event.kind == "outage_window" and event.planned:
            return event.title
    return None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _stem(word: str) -> str:
    return word[:_STEM_LENGTH]
