"""Facebook Pages through the Meta Graph API.

- public reply: `POST /{comment-or-post-id}/comments` with `message`;
- private reply to a comment: `POST /{page-id}/messages` (Send API) with
  `recipient: {comment_id}`, `messaging_type: RESPONSE`, `message: {text}`;
- direct message: the same with `recipient: {id: PSID}`;
- reaction: `POST /{object-id}/likes`.

The Page access token goes in the `Authorization: Bearer` header. Graph API
errors carry `error.message`; throttling comes as 400 with error codes 4, 17,
32, 613 (or `is_transient`), which are retried like a 429.
"""

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

#: Graph API error codes that mean "not now": unknown, service, rate limits.
TRANSIENT_ERROR_CODES: Final = frozenset({1, 2, 4, 17, 32, 341, 613})
TOKEN_SECRETS: Final = ("page_access_token", "access_token")


def graph_error_message(body: Mapping[str, Any]) -> str | None:
    error = body.get("error")
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return str(error["message"])
    return None


def interpret_graph(response: httpx.Response) -> Interpretation:
    """Graph API outcomes: throttling codes are passing even when the status is 400."""
    outcome = standard_interpretation(response, error_message=graph_error_message)
    if response.is_success or response.status_code == 429 or response.status_code >= 500:
        return outcome
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return outcome
    if isinstance(error, Mapping) and (
        error.get("code") in TRANSIENT_ERROR_CODES or error.get("is_transient") is True
    ):
        return Retry(graph_error_message({"error": error}) or "rate limited")
    return outcome


def send_api_body(order: DeliveryOrder) -> dict[str, Any]:
    """The Send API body of a private reply or a direct message."""
    if order.action is DeliveryAction.PRIVATE_REPLY_TO_COMMENT:
        recipient = {"comment_id": _required(order.target_external_id, "comment id")}
    else:
        recipient = {"id": _required(order.recipient_platform_id, "recipient id")}
    return {"recipient": recipient, "messaging_type": "RESPONSE", "message": {"text": order.text}}


async def deliver(
    order: DeliveryOrder, *, client: PlatformHttpClient, base_url: str
) -> DeliveryReceipt:
    """Deliver `order` to a Facebook Page; see the module docstring for the requests."""
    headers = {"Authorization": f"Bearer {credential(order, *TOKEN_SECRETS)}"}
    if order.action is DeliveryAction.PUBLIC_REPLY:
        target = _required(order.target_external_id, "comment id")
        result = await client.send(
            "POST",
            f"{base_url}/{target}/comments",
            json={"message": order.text},
            headers=headers,
            interpret=interpret_graph,
        )
        return DeliveryReceipt(str(result.body.get("id", "")), result.attempts)
    if order.action is DeliveryAction.REACTION:
        target = _required(order.target_external_id, "object id")
        result = await client.send(
            "POST", f"{base_url}/{target}/likes", headers=headers, interpret=interpret_graph
        )
        return DeliveryReceipt(f"like:{target}", result.attempts)
    result = await client.send(
        "POST",
        f"{base_url}/{order.account_id}/messages",
        json=send_api_body(order),
        headers=headers,
        interpret=interpret_graph,
    )
    return DeliveryReceipt(str(result.body.get("message_id", "")), result.attempts)


def _required(value: str | None, what: str) -> str:
    if not value:
        raise PermanentDeliveryError(f"no {what} to deliver to")
    return value
