"""VK through the VK API (`POST {base}/{method}`, form fields, `access_token` and `v`).

- public reply: `wall.createComment` with `owner_id`, `post_id`, `message`,
  `from_group` (the community answers as itself), `reply_to_comment` when
  answering a comment, and `guid` — VK's key against repeated comments — set
  to the reply's idempotency key;
- private message: `messages.send` with `peer_id`, `message` and `random_id`,
  VK's idempotency key for messages, derived from the reply's key so every
  attempt of one reply carries the same value.

VK answers HTTP 200 with `{"response": …}` or `{"error": {error_code,
error_msg}}`; codes 1, 6, 9 and 10 (unknown, too many requests, flood
control, internal) are passing, the rest permanent. No reactions here.
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
    Refusal,
    Retry,
    json_body,
    retry_after_seconds,
)

TOKEN_SECRETS: Final = ("access_token",)
TRANSIENT_ERROR_CODES: Final = frozenset({1, 6, 9, 10})


def interpret_vk(response: httpx.Response) -> Interpretation:
    body = json_body(response)
    if response.status_code == 429:
        return Retry("HTTP 429", retry_after_seconds(response.headers.get("retry-after")))
    if response.status_code >= 500:
        return Retry(f"HTTP {response.status_code}")
    error = body.get("error")
    if isinstance(error, Mapping):
        message = str(error.get("error_msg") or "VK API error")
        if error.get("error_code") in TRANSIENT_ERROR_CODES:
            return Retry(message)
        return Refusal(message)
    if not response.is_success or "response" not in body:
        return Refusal(f"HTTP {response.status_code}")
    return body


def random_id(idempotency_key: str) -> int:
    """VK's `random_id` (a signed 32-bit integer) from the reply's idempotency key."""
    return int(idempotency_key[:8], 16) & 0x7FFFFFFF


def split_wall_key(external_id: str) -> tuple[str, str]:
    """(owner id, item id) of ingestion's wall keys `owner_item` ("-227771234_1843")."""
    owner, _, item = external_id.rpartition("_")
    if not owner or not item:
        raise PermanentDeliveryError("the message answered has no VK wall id")
    return owner, item


def create_comment_fields(order: DeliveryOrder) -> dict[str, str]:
    target = order.target_external_id or ""
    owner_id, post_id = split_wall_key(order.target_root_external_id or target)
    fields = {
        "owner_id": owner_id,
        "post_id": post_id,
        "message": order.text,
        "from_group": order.account_id,
        "guid": order.idempotency_key,
    }
    if target and target != order.target_root_external_id:
        fields["reply_to_comment"] = split_wall_key(target)[1]
    return fields


def send_message_fields(order: DeliveryOrder) -> dict[str, str]:
    if not order.recipient_platform_id:
        raise PermanentDeliveryError("no recipient id to deliver to")
    return {
        "peer_id": order.recipient_platform_id,
        "random_id": str(random_id(order.idempotency_key)),
        "message": order.text,
    }


async def deliver(
    order: DeliveryOrder, *, client: PlatformHttpClient, base_url: str, api_version: str
) -> DeliveryReceipt:
    """Deliver `order` to a VK community; see the module docstring for the requests."""
    auth = {"access_token": credential(order, *TOKEN_SECRETS), "v": api_version}
    if order.action is DeliveryAction.REACTION:
        raise PermanentDeliveryError("reactions are not delivered to VK")
    if order.action is DeliveryAction.PUBLIC_REPLY:
        fields = create_comment_fields(order)
        result = await client.send(
            "POST",
            f"{base_url}/wall.createComment",
            data={**fields, **auth},
            interpret=interpret_vk,
        )
        response: Any = result.body.get("response")
        comment_id = response.get("comment_id") if isinstance(response, Mapping) else None
        return DeliveryReceipt(f"{fields['owner_id']}_{comment_id}", result.attempts)
    result = await client.send(
        "POST",
        f"{base_url}/messages.send",
        data={**send_message_fields(order), **auth},
        interpret=interpret_vk,
    )
    return DeliveryReceipt(f"{order.account_id}:{result.body.get('response')}", result.attempts)
