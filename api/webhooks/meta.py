"""`/webhooks/meta/{app_id}`: Facebook Pages and Instagram, one URL per Meta app.

GET is the subscription handshake (`hub.mode`, `hub.verify_token`,
`hub.challenge` → the challenge as plain text, 403 for a wrong token). POST
carries events signed with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
raw body with the app secret>`; entries are routed to the tenant's Pages and
Instagram accounts by id.
"""

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.webhooks.common import empty_ok, handshake, receive
from domain.db.uow import UnitOfWork
from domain.ingestion.models import WebhookEndpoint
from domain.ingestion.service import WebhookSource, answer_meta_verification

SOURCE = WebhookSource.META


async def verify_subscription(request: Request) -> Response:
    async def answer(uow: UnitOfWork, endpoint: WebhookEndpoint) -> Response:
        challenge = await answer_meta_verification(
            uow, endpoint=endpoint, params=dict(request.query_params)
        )
        return PlainTextResponse(challenge)

    return await handshake(request, SOURCE, request.path_params["app_id"], answer)


async def receive_events(request: Request) -> Response:
    return await receive(request, SOURCE, request.path_params["app_id"], empty_ok)


def routes() -> list[Route]:
    return [
        Route("/webhooks/meta/{app_id}", verify_subscription, methods=["GET"]),
        Route("/webhooks/meta/{app_id}", receive_events, methods=["POST"]),
    ]
