"""`/webhooks/x/{app_id}`: X Account Activity, one URL per X app.

GET is the challenge-response check (`crc_token` →
`{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, token)>"}`).
POST carries events signed with `x-twitter-webhooks-signature: sha256=<base64
HMAC-SHA256 of the raw body>`; a body is routed by its `for_user_id`.
"""

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from api.webhooks.common import empty_ok, handshake, receive
from domain.db.uow import UnitOfWork
from domain.ingestion.models import WebhookEndpoint
from domain.ingestion.service import WebhookSource, answer_x_crc

SOURCE = WebhookSource.X


async def answer_crc(request: Request) -> Response:
    crc_token = request.query_params.get("crc_token", "")
    if not crc_token:
        return PlainTextResponse("crc_token missing", status_code=400)

    async def answer(uow: UnitOfWork, endpoint: WebhookEndpoint) -> Response:
        token = await answer_x_crc(uow, endpoint=endpoint, crc_token=crc_token)
        return JSONResponse({"response_token": token})

    return await handshake(request, SOURCE, request.path_params["app_id"], answer)


async def receive_events(request: Request) -> Response:
    return await receive(request, SOURCE, request.path_params["app_id"], empty_ok)


def routes() -> list[Route]:
    return [
        Route("/webhooks/x/{app_id}", answer_crc, methods=["GET"]),
        Route("/webhooks/x/{app_id}", receive_events, methods=["POST"]),
    ]
