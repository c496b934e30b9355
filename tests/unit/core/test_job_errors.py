"""How job errors are classified and retried."""

import pytest
from sqlalchemy.exc import OperationalError

from domain.shared.errors import NotFoundError
from workers.runtime import RetryableJobError, TerminalJobError, backoff_seconds, is_retryable


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (RetryableJobError("429"), True),
        (ConnectionError("reset"), True),
        (TimeoutError(), True),
        (OperationalError("select 1", {}, Exception("server closed")), True),
        (TerminalJobError("bad payload"), False),
        (NotFoundError("gone"), False),
        (ValueError("bad"), False),
        (KeyError("missing"), False),
    ],
)
def test_is_retryable(error: BaseException, retryable: bool) -> None:
    assert is_retryable(error) is retryable


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(attempt) for attempt in (1, 2, 3, 4, 10, 20)] == [
        1.0,
        2.0,
        4.0,
        8.0,
        300.0,
        300.0,
    ]
