"""Telegram through the Bot API (`{base}/bot{token}/{method}`, JSON bodies).

- reply in a chat, group or discussion thread: `sendMessage` with `chat_id`,
  `text` and `reply_parameters: {message_id}` (plus `business_connection_id`
  in a Telegram Business chat);
- the private side of a move to private: `sendMessage` to the customer's own
  chat (`chat_id` = their user id; Telegram refuses with 403 until they have
  started the bot, which is recorded as the failure);
- reaction: `setMessageReaction` with `reaction: [{type: emoji, emoji}]`.

Answers are `{ok, result}` or `{ok: false, error_code, description,
parameters.retry_after}`. Telegram has no idempotency key: a reply already
`sent` is never sent again (the job's state), which is the guarantee here.
The token is part of the URL, so URLs are never logged.
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

TOKEN_SECRETS: Final = ("bot_token",)
EMOJI: Final = {"like": "👍", "heart": "❤"}


def interpret_bot_api(response: httpx.Response) -> Interpretation:
    body = json_body(response)
    if response.is_success and body.get("ok") is True:
        return body
    message = str(body.get("description") or f"HTTP {response.status_code}")
    status = body.get("error_code", response.status_code)
    if status == 429 or response.status_code == 429:
        parameters = body.get("parameters")
        hinted = parameters.get("retry_after") if isinstance(parameters, Mapping) else None
        wait = (
            float(hinted)
            if isinstance(hinted, int | float)
            else retry_after_seconds(response.headers.get("retry-after"))
        )
        return Retry(message, wait)
    if response.status_code >= 500 or (isinstance(status, int) and status >= 500):
        return Retry(message)
    return Refusal(message)


def split_message_key(external_id: str, extra: Mapping[str, str]) -> tuple[str, int]:
    """(chat id, message id) from ingestion's message key `chat:message`
    (`connection:chat:message` in business chats)."""
    chat_part, _, message_id = external_id.rpartition(":")
    if extra.get("business_connection_id"):
        _, _, chat_part = chat_part.partition(":")
    if not chat_part or not message_id.lstrip("-").isdigit():
        raise PermanentDeliveryError("the message answered has no Telegram chat and message id")
    return chat_part, int(message_id)


def send_message_body(order: DeliveryOrder) -> dict[str, Any]:
    """The `sendMessage` body of a reply or private message."""
    if order.action is DeliveryAction.PUBLIC_REPLY or (
        order.action is DeliveryAction.DIRECT_MESSAGE and order.target_external_id
    ):
        chat_id, message_id = split_message_key(order.target_external_id or "", order.target_extra)
        body: dict[str, Any] = {
            "chat_id": chat_id,
            "text": order.text,
            "reply_parameters": {"message_id": message_id},
        }
        connection = order.target_extra.get("business_connection_id")
        if connection:
            body["business_connection_id"] = connection
        return body
    if not order.recipient_platform_id:
        raise PermanentDeliveryError("no recipient id to deliver to")
    return {"chat_id": order.recipient_platform_id, "text": order.text}


async def deliver(
    order: DeliveryOrder, *, client: PlatformHttpClient, base_url: str
) -> DeliveryReceipt:
    """Deliver `order` through the bot; see the module docstring for the requests."""
    bot = f"{base_url}/bot{credential(order, *TOKEN_SECRETS)}"
    if order.action is DeliveryAction.REACTION:
        chat_id, message_id = split_message_key(order.target_external_id or "", order.target_extra)
        result = await client.send(
            "POST",
            f"{bot}/setMessageReaction",
            json={
                "chat_id": chat_id,
                "message_id": message_id,
                "reaction": [{"type": "emoji", "emoji": EMOJI.get(order.reaction or "", "👍")}],
            },
            interpret=interpret_bot_api,
        )
        return DeliveryReceipt(f"reaction:{chat_id}:{message_id}", result.attempts)
    body = send_message_body(order)
    result = await client.send("POST", f"{bot}/sendMessage", json=body, interpret=interpret_bot_api)
    sent = result.body.get("result")
    sent_id = sent.get("message_id") if isinstance(sent, Mapping) else None
    # The same key ingestion gives the message when the bot's own message comes back.
    return DeliveryReceipt(f"{body['chat_id']}:{sent_id}", result.attempts)
