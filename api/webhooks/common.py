"""What every webhook receiver shares: body limit, endpoint lookup, refusals, logging.

A receiver does three things: find the endpoint of its URL (a tiny query without
a tenant), hand the exact body to the ingestion service inside a unit of work
scoped to the endpoint's tenant, and answer. The endpoint and the channel or app
behind it are remembered per process for a few seconds (see `endpoint_cache`),
so a delivery usually costs one transaction. The processing job is enqueued after the answer
is sent (see `deferred_queue`). Logs name the source, the URL key (an app or
channel id) and the outcome, never a body, a header value or a secret.
"""

import functools
import logging
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from api.services import Services, services_of
from api.webhooks.deferred_queue import SEND_BUDGET, DeferredJobQueue
from api.webhooks.endpoint_cache import TimedCache
from domain.db.uow import UnitOfWork
from domain.ingestion.errors import (
    MissingWebhookCredentialsError,
    UnknownWebhookEndpointError,
    WebhookRefusedError,
)
from domain.ingestion.models import WebhookEndpoint
from domain.ingestion.service import (
    DeliveryReceipt,
    DeliveryTarget,
    WebhookDelivery,
    WebhookSource,
    accept_delivery,
    get_webhook_endpoint,
    load_delivery_target,
)
from domain.shared.clock import utcnow
from domain.shared.tenancy import Actor, TenantScope

logger = logging.getLogger("parley.webhooks")

#: The largest body accepted; bigger ones get 413 before anything is stored.
MAX_BODY_BYTES = 1024 * 1024


# URL keys are app ids and channel UUIDs; anything else is logged as a placeholder.
_LOGGABLE_KEY = re.compile(r"[A-Za-z0-9._:-]{1,100}")


class PayloadTooLargeError(Exception):
    """The body is larger than `MAX_BODY_BYTES`."""


def loggable(key: str) -> str:
    """The URL key as it may appear in a log line (it comes from the caller)."""
    return key if _LOGGABLE_KEY.fullmatch(key) else "<malformed key>"


def webhook_actor(source: WebhookSource) -> Actor:
    return Actor.system(f"webhook:{source.value}")


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The exact body bytes, refusing more than `limit` without reading them all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def delivery_of(request: Request, body: bytes) -> WebhookDelivery:
    """The request as the ingestion service takes it (header names lower-cased)."""
    return WebhookDelivery(
        body=body,
        headers={name.lower(): value for name, value in request.headers.items()},
        received_at=utcnow(),
    )


def endpoint_cache_of(request: Request) -> TimedCache[WebhookEndpoint]:
    """The application's endpoints by URL, made on first use (one per app and process)."""
    cache: TimedCache[WebhookEndpoint] | None = getattr(
        request.app.state, "webhook_endpoint_cache", None
    )
    if cache is None:
        cache = request.app.state.webhook_endpoint_cache = TimedCache()
    return cache


def target_cache_of(request: Request) -> TimedCache[DeliveryTarget]:
    """The application's delivery targets by URL, made on first use (one per app and process)."""
    cache: TimedCache[DeliveryTarget] | None = getattr(
        request.app.state, "webhook_target_cache", None
    )
    if cache is None:
        cache = request.app.state.webhook_target_cache = TimedCache()
    return cache


async def find_endpoint(request: Request, source: WebhookSource, key: str) -> WebhookEndpoint:
    """The endpoint of `/webhooks/<source>/<key>`; `UnknownWebhookEndpointError` if none.

    Found endpoints are reused for `endpoint_cache.TTL_SECONDS`; unknown keys are
    looked up every time.
    """
    services = services_of(request)

    async def load() -> WebhookEndpoint:
        async with UnitOfWork(services.database, actor=webhook_actor(source), scope=None) as uow:
            return await get_webhook_endpoint(uow, source=source, key=key)

    return await endpoint_cache_of(request).get(source.value, key, load)


def tenant_unit_of_work(
    services: Services, source: WebhookSource, endpoint: WebhookEndpoint
) -> UnitOfWork:
    """A unit of work in the endpoint's tenant, acting as the webhook source."""
    return UnitOfWork(
        services.database, actor=webhook_actor(source), scope=TenantScope(endpoint.tenant_id)
    )


def refusal(
    source: WebhookSource, key: str, error: WebhookRefusedError | UnknownWebhookEndpointError
) -> Response:
    """404 for an unknown URL, 401 for missing credentials, 403 for wrong ones."""
    if isinstance(error, UnknownWebhookEndpointError):
        status, text = 404, "unknown webhook"
    elif isinstance(error, MissingWebhookCredentialsError):
        status, text = 401, "credentials missing"
    else:
        status, text = 403, "refused"
    logger.info(
        "webhook %s/%s refused with %d: %s", source.value, loggable(key), status, error.code
    )
    return PlainTextResponse(text, status_code=status)


def too_large(source: WebhookSource, key: str) -> Response:
    logger.info(
        "webhook %s/%s refused with 413: body over %d bytes",
        source.value,
        loggable(key),
        MAX_BODY_BYTES,
    )
    return PlainTextResponse("payload too large", status_code=413)


async def receive(
    request: Request,
    source: WebhookSource,
    key: str,
    answer: Callable[[DeliveryReceipt], Response],
) -> Response:
    """Verify, store and acknowledge one POST; `answer` turns the receipt into the reply.

    Jobs the delivery asks for are enqueued after the response is sent.
    """
    services = services_of(request)
    deferred = None if services.queue is None else DeferredJobQueue(services.queue)
    try:
        endpoint = await find_endpoint(request, source, key)
        body = await read_body(request)
        async with tenant_unit_of_work(services, source, endpoint) as uow:
            # On a miss the target is read in the delivery's own transaction.
            target = await target_cache_of(request).get(
                source.value, key, functools.partial(load_delivery_target, uow, endpoint=endpoint)
            )
            receipt = await accept_delivery(
                uow,
                endpoint=endpoint,
                delivery=delivery_of(request, body),
                queue=deferred,
                target=target,
            )
    except PayloadTooLargeError:
        return too_large(source, key)
    except (WebhookRefusedError, UnknownWebhookEndpointError) as error:
        return refusal(source, key, error)
    logger.info(
        "webhook %s/%s accepted: %s %s %s",
        source.value,
        loggable(key),
        receipt.outcome.value,
        receipt.event_id or "-",
        receipt.status.value if receipt.status else "-",
    )
    response = answer(receipt)
    if deferred is not None and deferred.jobs:
        response.background = SEND_BUDGET.background(deferred)
    return response


async def handshake(
    request: Request,
    source: WebhookSource,
    key: str,
    answer: Callable[[UnitOfWork, WebhookEndpoint], Awaitable[Response]],
) -> Response:
    """Answer a GET verification of the endpoint's app inside its tenant's scope."""
    services = services_of(request)
    try:
        endpoint = await find_endpoint(request, source, key)
        async with tenant_unit_of_work(services, source, endpoint) as uow:
            response = await answer(uow, endpoint)
    except (WebhookRefusedError, UnknownWebhookEndpointError) as error:
        return refusal(source, key, error)
    logger.info("webhook %s/%s handshake answered", source.value, loggable(key))
    return response


def empty_ok(receipt: DeliveryReceipt) -> Response:
    """200 with an empty body: what Meta, X, Telegram and our generic senders expect."""
    return Response(status_code=200)
