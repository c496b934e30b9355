"""Use cases of channels: create, secrets, health."""

import uuid
from collections.abc import Mapping
from datetime import datetime

from domain.authz.policy import Grantee, Permission, require
from domain.brands.repository import BrandRepository
from domain.channels.models import Channel, ChannelHealth, ChannelKind, ChannelVisibility
from domain.channels.repository import ChannelRepository
from domain.channels.rules import assess_health
from domain.db.uow import UnitOfWork


async def create_channel(
    uow: UnitOfWork,
    grantee: Grantee | None,
    *,
    brand_id: uuid.UUID,
    kind: ChannelKind,
    name: str,
    handle: str = "",
    external_account_id: str | None = None,
    visibility: ChannelVisibility = ChannelVisibility.PUBLIC,
    dm_enabled: bool = False,
    secrets: Mapping[str, str] | None = None,
) -> Channel:
    """Connect a channel to a brand; secrets are encrypted before they are stored.

    `grantee=None` is a trusted operator (CLI, seed).
    """
    brand = await BrandRepository(uow).get(brand_id)
    if grantee is not None:
        require(grantee, Permission.CHANNEL_MANAGE, brand_id=brand.id)
    channel = ChannelRepository(uow).add(
        Channel(
            brand_id=brand.id,
            kind=kind,
            name=name,
            handle=handle,
            external_account_id=external_account_id,
            visibility=visibility,
            dm_enabled=dm_enabled,
        )
    )
    if secrets:
        set_channel_secrets(uow, channel, secrets)
    await uow.flush()
    return channel


def set_channel_secrets(uow: UnitOfWork, channel: Channel, secrets: Mapping[str, str]) -> None:
    """Replace the channel's secrets (encrypted with the current key)."""
    channel.secrets_ciphertext = uow.secret_box.encrypt(secrets)


def read_channel_secrets(uow: UnitOfWork, channel: Channel) -> dict[str, str]:
    """The channel's decrypted secrets (empty when it has none). Never log them."""
    if channel.secrets_ciphertext is None:
        return {}
    return uow.secret_box.decrypt(channel.secrets_ciphertext)


async def refresh_channel_health(
    uow: UnitOfWork, *, channel_id: uuid.UUID, now: datetime
) -> ChannelHealth:
    """Recompute and store the channel's health; returns it."""
    channel = await ChannelRepository(uow).get(channel_id)
    health = assess_health(
        is_active=channel.is_active,
        last_event_at=channel.last_event_at,
        last_error_at=channel.last_error_at,
        error_count=channel.error_count,
        now=now,
    )
    if channel.health != health:
        channel.health = health
    channel.health_checked_at = now
    await uow.flush()
    return health
