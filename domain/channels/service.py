"""Use cases of channels: create, secrets, health."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from domain.authz.policy import Grantee, Permission, decide, require, visible_brand_ids
from domain.brands.repository import BrandRepository
from domain.channels.health import ChannelHealthReport, channel_health_report
from domain.channels.models import Channel, ChannelHealth, ChannelKind, ChannelVisibility
from domain.channels.repository import ChannelRepository
from domain.channels.rules import assess_health
from domain.db.uow import UnitOfWork
from domain.shared.errors import PermissionDeniedError, ValidationError

_NAME_LENGTH = 200


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


async def list_channels_page(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    brand_id: uuid.UUID | None = None,
    after: tuple[str, uuid.UUID] | None = None,
    limit: int,
) -> list[Channel]:
    """A page of the channels `grantee` may read (of one brand when given), by `(name, id)`.

    A brand outside the tenant is `NotFoundError`; without `channel:read` on
    it (or, with no brand given, on any brand of the tenant) `PermissionDeniedError`.
    """
    brands = BrandRepository(uow)
    if brand_id is not None:
        brand = await brands.get(brand_id)
        require(grantee, Permission.CHANNEL_READ, brand_id=brand.id)
        visible = [brand.id]
    else:
        tenant_brand_ids = await brands.all_ids()
        visible = visible_brand_ids(grantee, Permission.CHANNEL_READ, tenant_brand_ids)
        if tenant_brand_ids and not visible:
            raise PermissionDeniedError(f"{grantee.role} may not read channels")
    if not visible:
        return []
    return await ChannelRepository(uow).page_for_brands(visible, after=after, limit=limit)


async def get_visible_channels(
    uow: UnitOfWork, grantee: Grantee, channel_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Channel]:
    """The channels among these ids in the tenant that `grantee` may read, by id."""
    found = await ChannelRepository(uow).get_many(channel_ids)
    return {
        channel.id: channel
        for channel in found
        if decide(grantee, Permission.CHANNEL_READ, brand_id=channel.brand_id).allowed
    }


async def update_channel(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    channel_id: uuid.UUID,
    name: str | None = None,
    is_active: bool | None = None,
) -> Channel:
    """Rename a channel or pause (`is_active=False`) / resume it; only given values change.

    A paused channel reports DISABLED health. `NotFoundError` outside the
    tenant, `PermissionDeniedError` without `channel:manage` on its brand,
    `ValidationError` for an empty or too long name. Flushes; the caller commits.
    """
    channel = await ChannelRepository(uow).get(channel_id)
    require(grantee, Permission.CHANNEL_MANAGE, brand_id=channel.brand_id)
    if name is not None:
        name = name.strip()
        if not name or len(name) > _NAME_LENGTH:
            raise ValidationError("name: 1 to 200 characters", field="name")
        if name != channel.name:
            channel.name = name
    if is_active is not None and is_active != channel.is_active:
        channel.is_active = is_active
    await uow.flush()
    return channel


async def get_visible_channel_health(
    uow: UnitOfWork, grantee: Grantee, channel_ids: Sequence[uuid.UUID], *, now: datetime
) -> dict[uuid.UUID, ChannelHealthReport]:
    """Health reports of the channels among these ids that `grantee` may read, by id.

    Built from the tenant-wide report (three queries, whatever the number of ids).
    """
    wanted = set(channel_ids)
    return {
        report.channel_id: report
        for report in await channel_health_report(uow, now=now)
        if report.channel_id in wanted
        and decide(grantee, Permission.CHANNEL_READ, brand_id=report.brand_id).allowed
    }
