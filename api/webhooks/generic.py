"""`/webhooks/generic/{channel_id}`: our own signed webhook, one URL per channel.

The sender signs `f"{timestamp}.".encode() + body` with HMAC-SHA256 and the
channel's signing secret: `X-Parley-Timestamp: <unix seconds>` and
`X-Parley-Signature: v1=<hex>` (several comma-separated `v1=` values while a
secret rotates). Signatures older or newer than five minutes are refused.
"""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.webhooks.common import empty_ok, receive
from domain.ingestion.service import WebhookSource


async def receive_event(request: Request) -> Response:
    return await receive(
        request, WebhookSource.GENERIC, request.path_params["channel_id"], empty_ok
    )


def routes() -> list[Route]:
    return [Route("/webhooks/generic/{channel_id}", receive_event, methods=["POST"])]
