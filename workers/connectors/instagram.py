"""Instagram (Instagram API with Facebook Login) through the Meta Graph API.

- public reply to a comment: `POST /{ig-comment-id}/replies` with `message`;
  on a media itself (a caption mention): `POST /{ig-media-id}/comments`;
- private reply to a comment: `POST /{ig-user-id}/messages` with
  `recipient: {comment_id}` and `message: {text}`;
- direct message: the same with `recipient: {id: IGSID}`.

Reactions are not offered by the API. Errors are the Graph API's (see `facebook`).
"""

from typing import Any, Final

from domain.replies.delivery import DeliveryAction, DeliveryOrder, DeliveryReceipt
from workers.connectors.credentials import credential
from workers.connectors.facebook import interpret_graph
from workers.connectors.http import PermanentDeliveryError, PlatformHttpClient

TOKEN_SECRETS: Final = ("page_access_token", "access_token")


def messages_body(order: DeliveryOrder) -> dict[str, Any]:
    if order.action is DeliveryAction.PRIVATE_REPLY_TO_COMMENT:
        recipient = {"comment_id": _required(order.target_external_id, "comment id")}
    else:
        recipient = {"id": _required(order.recipient_platform_id, "recipient id")}
    return {"recipient": recipient, "message": {"text": order.text}}


async def deliver(
    order: DeliveryOrder, *, client: PlatformHttpClient, base_url: str
) -> DeliveryReceipt:
    """Deliver `order` to an Instagram account; see the module docstring for the requests."""
    headers = {"Authorization": f"Bearer {credential(order, *TOKEN_SECRETS)}"}
    if order.action is DeliveryAction.REACTION:
        raise PermanentDeliveryError("Instagram offers no reactions through its API")
    if order.action is DeliveryAction.PUBLIC_REPLY:
        target = _required(order.target_external_id, "comment id")
        edge = "comments" if order.target_kind == "post" else "replies"
        result = await client.send(
            "POST",
            f"{base_url}/{target}/{edge}",
            json={"message": order.text},
            headers=headers,
            interpret=interpret_graph,
        )
        return DeliveryReceipt(str(result.body.get("id", "")), result.attempts)
    result = await client.send(
        "POST",
        f"{base_url}/{order.account_id}/messages",
        json=messages_body(order),
        headers=headers,
        interpret=interpret_graph,
    )
    return DeliveryReceipt(str(result.body.get("message_id", "")), result.attempts)


def _required(value: str | None, what: str) -> str:
    if not value:
        raise PermanentDeliveryError(f"no {what} to deliver to")
    return value
