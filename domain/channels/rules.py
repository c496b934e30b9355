"""Pure rules about channels."""

from datetime import datetime, timedelta

from domain.channels.models import ChannelHealth

#: A public channel with no event for this long is reported as silent.
DEFAULT_SILENCE_AFTER = timedelta(hours=24)
#: Errors within this window count towards "failing".
ERROR_WINDOW = timedelta(hours=1)


def assess_health(
    *,
    is_active: bool,
    last_event_at: datetime | None,
    last_error_at: datetime | None,
    error_count: int,
    now: datetime,
    silence_after: timedelta = DEFAULT_SILENCE_AFTER,
) -> ChannelHealth:
    """The channel's health from its counters.

    Disabled beats everything; a recent error (within `ERROR_WINDOW`, with a
    non-zero count) is failing; no event ever is unknown; no event for longer
    than `silence_after` is silent; otherwise healthy.
    """
    if not is_active:
        return ChannelHealth.DISABLED
    if error_count > 0 and last_error_at is not None and now - last_error_at <= ERROR_WINDOW:
        return ChannelHealth.FAILING
    if last_event_at is None:
        return ChannelHealth.UNKNOWN
    if now - last_event_at > silence_after:
        return ChannelHealth.SILENT
    return ChannelHealth.HEALTHY
