"""X through the X API v2 (OAuth 2.0 user context: the brand account's user access token).

- public reply: `POST /2/tweets` with `text` and `reply.in_reply_to_tweet_id`;
- direct message (also the private side of a move to private):
  `POST /2/dm_conversations/with/{participant_id}/messages` with `text`;
- reaction: `POST /2/users/{id}/likes` with `tweet_id`.

Errors carry `detail` / `title` or `errors[].message`; 429 carries the wait in
`Retry-After` or `x-rate-limit-reset` (epoch seconds).
"""

import time
from collections.abc import Mapping
from typing import Any, Final

import httpx

from domain.replies.delivery import DeliveryAction, DeliveryOrder, DeliveryReceipt
from workers.connectors.credentials import credential
from workers.connectors.http import (
    Interpretation,
    PermanentDeliveryError,
    PlatformHttpClient,
    Retry,
    standard_interpretation,
)

TOKEN_SECRETS: Final = ("user_access_token", "access_token")


def x_error_message(body: Mapping[str, Any]) -> str | None:
    for key in ("detail", "title"):
        if isinstance(body.get(key), str):
            return str(body[key])
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        message = errors[0].get("message")
        return str(message) if message is not None else None
    return None


def interpret_x(response: httpx.Response) -> Interpretation:
    outcome = standard_interpretation(response, error_message=x_error_message)
    if isinstance(outcome, Retry) and outcome.retry_after is None and response.status_code == 429:
        reset = response.headers.get("x-rate-limit-reset", "")
        if reset.isdigit():
            return Retry(outcome.message, max(float(reset) - time.time(), 0.0))
    return outcome


async def deliver(
    order: DeliveryOrder, *, client: PlatformHttpClient, base_url: str
) -> DeliveryReceipt:
    """Deliver `order` to X; see the module docstring for the requests."""
    headers = {"Authorization": f"Bearer {credential(order, *TOKEN_SECRETS)}"}
    if order.action is DeliveryAction.PUBLIC_REPLY:
        target = _required(order.target_external_id, "post id")
        result = await client.send(
            "POST",
            f"{base_url}/2/tweets",
            json={"text": order.text, "reply": {"in_reply_to_tweet_id": target}},
            headers=headers,
            interpret=interpret_x,
        )
        return DeliveryReceipt(str(_data(result.body).get("id", "")), result.attempts)
    if order.action is DeliveryAction.REACTION:
        target = _required(order.target_external_id, "post id")
        result = await client.send(
            "POST",
            f"{base_url}/2/users/{order.account_id}/likes",
            json={"tweet_id": target},
            headers=headers,
            interpret=interpret_x,
        )
        return DeliveryReceipt(f"like:{target}", result.attempts)
    participant = _required(order.recipient_platform_id, "recipient id")
    result = await client.send(
        "POST",
        f"{base_url}/2/dm_conversations/with/{participant}/messages",
        json={"text": order.text},
        headers=headers,
        interpret=interpret_x,
    )
    return DeliveryReceipt(str(_data(result.body).get("dm_event_id", "")), result.attempts)


def _data(body: Mapping[str, Any]) -> Mapping[str, Any]:
    data = body.get("data")
    return data if isinstance(data, Mapping) else {}


def _required(value: str | None, what: str) -> str:
    if not value:
        raise PermanentDeliveryError(f"no {what} to deliver to")
    return value
