"""`/webhooks/vk/{channel_id}`: VK Callback API, one URL per community channel.

The secret key travels inside the body (`"secret"`). A `confirmation` event is
answered with the channel's confirmation code as plain text; every other
accepted event (duplicates included) with the plain text `ok`, which VK
requires: anything else counts as an error and VK pauses delivery.
"""

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.webhooks.common import receive
from domain.ingestion.service import DeliveryOutcome, DeliveryReceipt, WebhookSource


def answer(receipt: DeliveryReceipt) -> Response:
    if receipt.outcome is DeliveryOutcome.CONFIRMATION and receipt.reply is not None:
        return PlainTextResponse(receipt.reply)
    return PlainTextResponse("ok")


async def receive_event(request: Request) -> Response:
    return await receive(request, WebhookSource.VK, request.path_params["channel_id"], answer)


def routes() -> list[Route]:
    return [Route("/webhooks/vk/{channel_id}", receive_event, methods=["POST"])]
