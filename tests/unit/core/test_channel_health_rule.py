"""The channel health rule."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.channels.models import ChannelHealth
from domain.channels.rules import assess_health

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("is_active", "last_event", "last_error", "errors", "expected"),
    [
        (False, NOW, NOW, 3, ChannelHealth.DISABLED),
        (True, NOW, NOW - timedelta(minutes=5), 2, ChannelHealth.FAILING),
        (True, NOW, NOW - timedelta(hours=2), 2, ChannelHealth.HEALTHY),
        (True, None, None, 0, ChannelHealth.UNKNOWN),
        (True, NOW - timedelta(hours=25), None, 0, ChannelHealth.SILENT),
        (True, NOW - timedelta(hours=23), None, 0, ChannelHealth.HEALTHY),
        (True, NOW, NOW - timedelta(minutes=5), 0, ChannelHealth.HEALTHY),
    ],
)
def test_assess_health(
    is_active: bool,
    last_event: datetime | None,
    last_error: datetime | None,
    errors: int,
    expected: ChannelHealth,
) -> None:
    assert (
        assess_health(
            is_active=is_active,
            last_event_at=last_event,
            last_error_at=last_error,
            error_count=errors,
            now=NOW,
        )
        is expected
    )
