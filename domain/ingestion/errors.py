"""Errors of ingestion: why a webhook delivery is refused.

Each one means "nothing was stored". The receivers map them to HTTP statuses:
unknown endpoint 404, missing credentials 401, wrong credentials or a body that
belongs to no channel of the endpoint's tenant 403.
"""

from domain.shared.errors import DomainError, NotFoundError


class UnknownWebhookEndpointError(NotFoundError):
    """No webhook endpoint (or no app or channel behind it) answers to this URL."""

    code = "webhook_endpoint_not_found"


class WebhookRefusedError(DomainError):
    """A delivery that is not accepted; the subclasses say why."""

    code = "webhook_refused"


class MissingWebhookCredentialsError(WebhookRefusedError):
    """The signature, secret token or timestamp the platform always sends is absent."""

    code = "webhook_credentials_missing"


class InvalidWebhookCredentialsError(WebhookRefusedError):
    """The signature, secret or verify token does not match (or the timestamp is stale)."""

    code = "webhook_credentials_invalid"


class UnroutableWebhookError(WebhookRefusedError):
    """An authentic body whose account ids belong to no channel of the endpoint's tenant."""

    code = "webhook_account_unknown"
