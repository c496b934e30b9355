"""Webhook requests go straight to their routes, past the browser-facing middleware.

Platforms post server to server: no webhook request needs CORS headers or a
bearer token (receivers check the platform's own signature or secret), yet every
middleware layer ran for each of them. `WebhookBypass` sits outermost among the
app's middleware and hands `/webhooks/` HTTP requests to a router holding only
the webhook routes (with Starlette's exception handling, so an unknown path or
method still answers 404/405); everything else continues through the stack
unchanged.
"""

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from api.webhooks import webhook_routes

#: Path prefix of every webhook receiver.
WEBHOOK_PREFIX = "/webhooks/"


class WebhookBypass:
    """ASGI middleware: `/webhooks/…` HTTP requests skip the middleware inside it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.webhooks = ExceptionMiddleware(Router(routes=webhook_routes()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(WEBHOOK_PREFIX):
            await self.webhooks(scope, receive, send)
        else:
            await self.app(scope, receive, send)
