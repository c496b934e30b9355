"""Pure rules of the brand events calendar."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from domain.brand_events.models import BrandEventKind

#: The SLA factor an imported event gets when its catalogue entry names none:
#: an outage or a breach notice brings urgent, anxious posts, so answer faster.
DEFAULT_SLA_FACTORS: dict[BrandEventKind, float] = {
    BrandEventKind.OUTAGE_WINDOW: 0.5,
    BrandEventKind.DATA_BREACH_NOTICE: 0.5,
}

#: A factor outside this range is refused (a target cut to nothing, or stretched for days).
MIN_SLA_FACTOR = 0.05
MAX_SLA_FACTOR = 10.0


def is_active(*, starts_at: datetime, ends_at: datetime, at: datetime) -> bool:
    """Whether an event with this window is active at `at` (both ends included)."""
    return starts_at <= at <= ends_at


def affects_channel(affected_channel_ids: Sequence[str], channel_id: uuid.UUID | None) -> bool:
    """Whether an event concerns a channel: no list means every channel of the brand."""
    if not affected_channel_ids or channel_id is None:
        return True
    return str(channel_id) in affected_channel_ids


def kind_from_catalogue(value: object) -> BrandEventKind:
    """The event kind a catalogue's `type` names (`other` for anything unknown)."""
    try:
        return BrandEventKind(str(value))
    except ValueError:
        return BrandEventKind.OTHER


def sla_reason(*, kind: BrandEventKind, title: str, factor: float) -> str:
    """The reason recorded on a clock whose target an event changed."""
    verb = "tightened" if factor < 1 else "relaxed"
    return f"{kind.value} '{title}' active: target {verb} ×{factor:g}"[:400]
