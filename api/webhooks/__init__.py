"""Webhook receivers: verify, store raw, acknowledge (see docs/webhooks.md)."""

from starlette.routing import BaseRoute

from api.webhooks import generic, meta, telegram, vk, x


def webhook_routes() -> list[BaseRoute]:
    """Every receiver's routes, mounted by `api/app.py:create_app`."""
    return [*meta.routes(), *x.routes(), *telegram.routes(), *vk.routes(), *generic.routes()]
