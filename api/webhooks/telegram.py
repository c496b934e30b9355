"""`/webhooks/telegram/{channel_id}`: one URL per Telegram channel (bot).

Telegram signs nothing: every POST carries `X-Telegram-Bot-Api-Secret-Token`,
the `secret_token` the bot's webhook was set with. One update per POST.
"""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.webhooks.common import empty_ok, receive
from domain.ingestion.service import WebhookSource


async def receive_update(request: Request) -> Response:
    return await receive(
        request, WebhookSource.TELEGRAM, request.path_params["channel_id"], empty_ok
    )


def routes() -> list[Route]:
    return [Route("/webhooks/telegram/{channel_id}", receive_update, methods=["POST"])]
