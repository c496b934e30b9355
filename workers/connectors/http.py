"""The HTTP client every connector shares: explicit timeouts, bounded retries, clear errors.

One call of `PlatformHttpClient.send` is one delivery attempt of one request:

- 2xx (and what the platform's `interpret` accepts) → the parsed JSON body;
- 429 → wait `Retry-After` (seconds or an HTTP date; the platform's own hint
  when it gives one in the body) and try again;
- 5xx, timeouts and connection errors → exponential backoff with jitter, again;
- other 4xx → `PermanentDeliveryError` with the platform's own message.

Tries are bounded (`max_attempts`); when they run out, or a platform asks to
wait longer than `max_wait_seconds`, `TransientDeliveryError` tells the job
to try later. Retrying after a timeout may repeat a request the platform did
receive: connectors send the platform's idempotency key where one exists.
Nothing here logs URLs (Telegram's carry the bot token), bodies or tokens.
"""

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx


class PermanentDeliveryError(Exception):
    """The platform refused the request for good (a 4xx): `message` is the platform's words."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class TransientDeliveryError(Exception):
    """The platform could not take the request now; a later attempt may succeed."""

    def __init__(self, message: str, *, retry_after: float | None = None, attempts: int = 1):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class Retry:
    """What `interpret` returns for a passing refusal: why, and the wait the platform asks."""

    message: str
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """What `interpret` returns for a permanent refusal, in the platform's words."""

    message: str


Interpretation = Mapping[str, Any] | Retry | Refusal
Interpreter = Callable[[httpx.Response], Interpretation]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 30.0
    #: A 429 asking for a longer wait ends the attempt; the job tries again later.
    max_wait_seconds: float = 60.0

    def backoff(self, attempt: int, jitter: float) -> float:
        """Delay after failed try `attempt` (1-based): doubling from the base, capped,
        scaled by `jitter` in [0, 1) to between half and the full delay."""
        delay: float = min(self.base_delay_seconds * 2 ** (attempt - 1), self.max_delay_seconds)
        return delay * (0.5 + jitter / 2)


@dataclass(frozen=True, slots=True)
class PlatformResult:
    body: Mapping[str, Any]
    attempts: int


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """A `Retry-After` header value (delta seconds or HTTP date) in seconds; None if unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)


def json_body(response: httpx.Response) -> Mapping[str, Any]:
    """The response's JSON object, or an empty mapping when it is none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, Mapping) else {}


def standard_interpretation(
    response: httpx.Response, *, error_message: Callable[[Mapping[str, Any]], str | None]
) -> Interpretation:
    """2xx accepted, 429 and 5xx retried, other 4xx refused with the platform's message."""
    body = json_body(response)
    if response.is_success:
        return body
    message = error_message(body) or f"HTTP {response.status_code}"
    if response.status_code == 429:
        return Retry(message, retry_after_seconds(response.headers.get("retry-after")))
    if response.status_code >= 500:
        return Retry(message)
    return Refusal(message)


class PlatformHttpClient:
    """Sends platform requests with timeouts and bounded retries (see the module docstring)."""

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        request_timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(request_timeout, connect=connect_timeout),
            transport=transport,
            follow_redirects=False,
        )
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter

    async def send(
        self,
        method: str,
        url: str,
        *,
        interpret: Interpreter,
        json: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> PlatformResult:
        """One delivery attempt of one request; see the module docstring for the outcomes."""
        last = "no attempt made"
        for attempt in range(1, self.retry.max_attempts + 1):
            wait: float | None
            try:
                response = await self._client.request(
                    method, url, json=json, data=data, headers=headers
                )
            except httpx.TimeoutException:
                last, wait = "the platform did not answer in time", None
            except httpx.TransportError as error:
                last, wait = f"connection failed ({type(error).__name__})", None
            else:
                outcome = interpret(response)
                if isinstance(outcome, Refusal):
                    raise PermanentDeliveryError(outcome.message, status=response.status_code)
                if not isinstance(outcome, Retry):
                    return PlatformResult(body=outcome, attempts=attempt)
                last, wait = outcome.message, outcome.retry_after
                if wait is not None and wait > self.retry.max_wait_seconds:
                    raise TransientDeliveryError(last, retry_after=wait, attempts=attempt)
            if attempt == self.retry.max_attempts:
                raise TransientDeliveryError(last, attempts=attempt)
            await self._sleep(
                wait if wait is not None else self.retry.backoff(attempt, self._jitter())
            )
        raise TransientDeliveryError(last, attempts=self.retry.max_attempts)

    async def aclose(self) -> None:
        await self._client.aclose()
