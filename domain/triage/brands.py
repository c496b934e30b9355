"""What triage knows about a brand: languages, tier, routes, identifier formats, events.

Built from a brand's settings in the shape of the brand catalogue (``brands.json``: the
demo brands ship in `domain.demo`), read defensively like `domain.triage.config`: a
malformed event or route is skipped, never raised on.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.triage.config import escalation_route_rules, identifier_formats, region_hints
from domain.triage.routes import EscalationRouteRule
from domain.triage.sensitive import IdentifierFormat

__all__ = [
    "DEFAULT_PRECEDENCE",
    "DEMO_BRANDS_FILE",
    "BrandEvent",
    "BrandProfile",
    "brand_profile",
    "load_brand_catalogue",
]

DEMO_BRANDS_FILE = Path(__file__).resolve().parents[1] / "demo" / "data" / "brands.json"

# The escalation precedence of the labelling guide, used when a catalogue names none.
DEFAULT_PRECEDENCE = (
    "legal_compliance",
    "security",
    "pr",
    "technical",
    "claims",
    "billing",
    "logistics",
)


@dataclass(frozen=True, slots=True)
class BrandEvent:
    """A dated brand event (campaign, price increase, outage window, data breach…).

    ``kind`` is the catalogue's ``type`` (e.g. ``outage_window``, ``price_increase``);
    ``planned`` marks announced maintenance. The window is ``[start, end]``.
    ``products`` are words of what it concerns (a mention naming one relates to it);
    ``channel_ids`` the channels it concerns (none: every channel of the brand);
    ``raises_expectations`` is false for an event that makes customers expect less,
    which is named in the reasons but raises no mention's priority.
    """

    id: str
    kind: str
    title: str
    start: datetime
    end: datetime
    planned: bool = False
    products: tuple[str, ...] = ()
    channel_ids: tuple[str, ...] = ()
    raises_expectations: bool = True

    def is_active(self, at: datetime, channel_id: str | None = None) -> bool:
        """Whether the event is on at ``at`` for a mention on ``channel_id`` (an unknown
        channel counts as concerned)."""
        concerned = not self.channel_ids or channel_id is None or channel_id in self.channel_ids
        return concerned and self.start <= at <= self.end


@dataclass(frozen=True, slots=True)
class BrandProfile:
    """The brand values the triage rules read. ``languages`` are ISO 639-1 codes, the
    primary language first; ``premium`` is the brand's service tier."""

    slug: str
    names: tuple[str, ...]
    languages: tuple[str, ...]
    premium: bool = False
    regions: tuple[str, ...] = ()
    routes: tuple[EscalationRouteRule, ...] = ()
    precedence: tuple[str, ...] = DEFAULT_PRECEDENCE
    identifier_formats: Mapping[str, IdentifierFormat] = field(default_factory=dict)
    email_domains: tuple[str, ...] = ()
    events: tuple[BrandEvent, ...] = ()

    @property
    def primary_language(self) -> str:
        return self.languages[0] if self.languages else "en"

    def active_events(
        self, at: datetime | None, channel_id: str | None = None
    ) -> tuple[BrandEvent, ...]:
        """Events whose window contains ``at`` and that concern ``channel_id`` (none when
        the time is unknown)."""
        if at is None:
            return ()
        return tuple(event for event in self.events if event.is_active(at, channel_id))


def brand_profile(
    settings: Mapping[str, Any], *, precedence: Sequence[str] = DEFAULT_PRECEDENCE
) -> BrandProfile:
    """A `BrandProfile` from one brand entry of the catalogue."""
    locales = _strings(settings.get("locales"))
    primary = settings.get("primary_language")
    languages = [locale.replace("_", "-").partition("-")[0].lower() for locale in locales]
    if isinstance(primary, str) and primary:
        languages.insert(0, primary.lower())
    market = settings.get("market")
    country = market if isinstance(market, str) and len(market) == 2 else None
    routes = settings.get("escalation_routes")
    route_entries = [route for route in routes if isinstance(route, Mapping)] if routes else []
    formats = settings.get("identifier_formats")
    names = [settings.get("name"), settings.get("legal_name"), settings.get("slug")]
    return BrandProfile(
        slug=str(settings.get("slug", "")),
        names=tuple(name for name in names if isinstance(name, str) and name),
        languages=tuple(dict.fromkeys(languages)) or ("en",),
        premium=settings.get("premium_tier") is True or settings.get("premium") is True,
        regions=region_hints(locales),
        routes=escalation_route_rules(route_entries),
        precedence=tuple(precedence),
        identifier_formats=identifier_formats(
            formats if isinstance(formats, Mapping) else {}, country=country
        ),
        email_domains=tuple(
            sorted(
                {
                    route["contact_email"].rpartition("@")[2].lower()
                    for route in route_entries
                    if isinstance(route.get("contact_email"), str)
                }
            )
        ),
        events=tuple(_events(settings.get("events"))),
    )


def load_brand_catalogue(path: Path = DEMO_BRANDS_FILE) -> dict[str, BrandProfile]:
    """Brand profiles by slug from a catalogue file (``{"tenant": {"brands": [...]}}`` or
    ``{"brands": [...]}``)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    tenant = document.get("tenant", document) if isinstance(document, Mapping) else {}
    precedence = _strings(tenant.get("escalation_precedence")) or DEFAULT_PRECEDENCE
    brands = tenant.get("brands") or []
    profiles = (
        brand_profile(entry, precedence=precedence)
        for entry in brands
        if isinstance(entry, Mapping)
    )
    return {profile.slug: profile for profile in profiles if profile.slug}


def _events(value: object) -> list[BrandEvent]:
    if not isinstance(value, list):
        return []
    events = []
    for entry in value:
        if not isinstance(entry, Mapping):
            continue
        start, end = _timestamp(entry.get("start")), _timestamp(entry.get("end"))
        kind = entry.get("type")
        if start is None or end is None or not isinstance(kind, str):
            continue
        events.append(
            BrandEvent(
                id=str(entry.get("id", "")),
                kind=kind,
                title=str(entry.get("title", "")),
                start=start,
                end=end,
                planned=entry.get("planned") is True,
            )
        )
    return events


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(item for item in value if isinstance(item, str))
