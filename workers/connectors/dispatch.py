"""One entry point for delivering a reply: the connector of the channel's platform."""

from dataclasses import dataclass

from domain.channels.models import ChannelKind
from domain.replies.delivery import DeliveryOrder, DeliveryReceipt
from domain.settings import Settings
from workers.connectors import facebook, instagram, telegram, vk, x
from workers.connectors.http import PermanentDeliveryError, PlatformHttpClient, RetryPolicy


@dataclass(frozen=True, slots=True)
class PlatformEndpoints:
    """Base URLs of the platform APIs (the real hosts unless configured otherwise)."""

    meta_graph: str
    x: str
    telegram: str
    vk: str
    vk_version: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "PlatformEndpoints":
        return cls(
            meta_graph=settings.meta_graph_api_url.rstrip("/"),
            x=settings.x_api_url.rstrip("/"),
            telegram=settings.telegram_api_url.rstrip("/"),
            vk=settings.vk_api_url.rstrip("/"),
            vk_version=settings.vk_api_version,
        )


def build_platform_client(settings: Settings) -> PlatformHttpClient:
    """The shared platform HTTP client with the configured timeouts and tries."""
    return PlatformHttpClient(
        connect_timeout=settings.platform_connect_timeout_seconds,
        request_timeout=settings.platform_request_timeout_seconds,
        retry=RetryPolicy(max_attempts=settings.platform_max_http_attempts),
    )


async def deliver(
    order: DeliveryOrder, *, client: PlatformHttpClient, endpoints: PlatformEndpoints
) -> DeliveryReceipt:
    """Deliver `order` through its channel's platform.

    Raises `PermanentDeliveryError` (refused for good, with the platform's
    message) or `TransientDeliveryError` (try again later).
    """
    kind = order.channel_kind
    if kind == ChannelKind.FACEBOOK_PAGE:
        return await facebook.deliver(order, client=client, base_url=endpoints.meta_graph)
    if kind == ChannelKind.INSTAGRAM:
        return await instagram.deliver(order, client=client, base_url=endpoints.meta_graph)
    if kind == ChannelKind.X:
        return await x.deliver(order, client=client, base_url=endpoints.x)
    if kind == ChannelKind.TELEGRAM:
        return await telegram.deliver(order, client=client, base_url=endpoints.telegram)
    if kind == ChannelKind.VK:
        return await vk.deliver(
            order, client=client, base_url=endpoints.vk, api_version=endpoints.vk_version
        )
    raise PermanentDeliveryError(f"replies cannot be delivered to {kind} channels")
