"""Connecting channels and rotating their webhook secrets, on behalf of an admin.

Kept apart from `channels.service` because it builds on ingestion's channel
registration (webhook URLs, secret names), which itself builds on that service.
"""

import secrets
import uuid
from dataclasses import dataclass

from domain.authz.policy import Grantee, Permission, require
from domain.brands.repository import BrandRepository
from domain.channels.models import Channel, ChannelKind
from domain.channels.repository import ChannelRepository
from domain.channels.service import read_channel_secrets, set_channel_secrets, update_channel
from domain.db.uow import UnitOfWork
from domain.ingestion.service import (
    CHANNEL_WEBHOOK_SOURCES,
    RegisteredChannel,
    SecretField,
    register_channel,
)
from domain.shared.errors import ValidationError


async def connect_channel(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    brand_id: uuid.UUID,
    kind: ChannelKind,
    external_account_id: str,
    name: str | None = None,
    app_id: str | None = None,
    secret: str | None = None,
    confirmation_code: str | None = None,
) -> RegisteredChannel:
    """Connect a channel to a brand as `grantee`, with what its webhook needs.

    Needs `channel:manage` on the brand (`PermissionDeniedError`; a brand of
    another tenant is `NotFoundError`). Everything else is
    `ingestion.service.register_channel`: secrets are encrypted at rest, a
    secret is generated when the kind allows and none was given, channels with
    a URL of their own claim it. Flushes; the caller commits.
    """
    brand = await BrandRepository(uow).get(brand_id)
    require(grantee, Permission.CHANNEL_MANAGE, brand_id=brand.id)
    if name is not None and len(name.strip()) > 200:
        raise ValidationError("name: at most 200 characters", field="name")
    return await register_channel(
        uow,
        brand_id=brand.id,
        kind=kind,
        external_account_id=external_account_id,
        name=name.strip() if name and name.strip() else None,
        app_id=app_id,
        secret=secret,
        confirmation_code=confirmation_code,
    )


@dataclass(frozen=True, slots=True)
class RotatedSecret:
    """The outcome of a rotation: the secret generated here, to show once (None if given)."""

    generated_secret: str | None


async def rotate_channel_secret(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    channel_id: uuid.UUID,
    secret: str | None = None,
    confirmation_code: str | None = None,
) -> RotatedSecret:
    """Replace the webhook secret of a channel that has a URL of its own.

    Telegram (`secret_token`) and generic webhooks (`signing_secret`) get
    `secret`, or a new random one when it is None; VK takes `secret` and keeps
    its confirmation code unless a new one is given (either may change alone).
    Channels served by an app URL (Facebook, Instagram, X) and imports have no
    secret of their own
    (`ValidationError`). Deliveries signed with the old secret are refused from
    the commit on. Needs `channel:manage` on the channel's brand. Flushes.
    """
    channel = await ChannelRepository(uow).get(channel_id)
    require(grantee, Permission.CHANNEL_MANAGE, brand_id=channel.brand_id)
    if channel.kind not in CHANNEL_WEBHOOK_SOURCES:
        raise ValidationError(
            f"a {channel.kind.value} channel has no secret of its own", field="secret"
        )
    if secret is not None and not secret.strip():
        raise ValidationError("the secret cannot be empty", field="secret")
    if confirmation_code is not None and channel.kind is not ChannelKind.VK:
        raise ValidationError("only VK channels take a confirmation code", field="confirmation")
    stored = read_channel_secrets(uow, channel)
    generated: str | None = None
    if channel.kind is ChannelKind.TELEGRAM:
        generated = None if secret is not None else secrets.token_urlsafe(32)
        value = secret if secret is not None else generated
        if value is None or not _is_telegram_token(value):
            raise ValidationError(
                "a Telegram secret token is 1-256 of A-Z, a-z, 0-9, '_' and '-'", field="secret"
            )
        stored[SecretField.TELEGRAM] = value
    elif channel.kind is ChannelKind.VK:
        if secret is None and confirmation_code is None:
            raise ValidationError("a VK channel needs the Callback API secret key", field="secret")
        if secret is not None:
            stored[SecretField.VK] = secret
        if confirmation_code is not None:
            stored[SecretField.VK_CONFIRMATION] = confirmation_code
    else:
        generated = None if secret is not None else secrets.token_hex(32)
        stored[SecretField.GENERIC_SIGNING] = secret if secret is not None else str(generated)
    set_channel_secrets(uow, channel, stored)
    await uow.flush()
    return RotatedSecret(generated_secret=generated)


def _is_telegram_token(value: str) -> bool:
    # Telegram's own rule for `secret_token` in setWebhook.
    return 1 <= len(value) <= 256 and all(
        character.isascii() and (character.isalnum() or character in "_-") for character in value
    )


@dataclass(frozen=True, slots=True)
class ChangedChannel:
    """A changed channel and the secret generated for it, to show once (None if none)."""

    channel: Channel
    generated_secret: str | None


async def change_channel(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    channel_id: uuid.UUID,
    name: str | None = None,
    is_active: bool | None = None,
    rotate_secret: bool = False,
    secret: str | None = None,
    confirmation_code: str | None = None,
) -> ChangedChannel:
    """Rename, pause or resume a channel and/or rotate its webhook secret, in one change.

    See `channels.service.update_channel` and `rotate_channel_secret`; a given
    `secret` or `confirmation_code` rotates too. Flushes; the caller commits.
    """
    channel = await update_channel(
        uow, grantee, channel_id=channel_id, name=name, is_active=is_active
    )
    generated: str | None = None
    if rotate_secret or secret is not None or confirmation_code is not None:
        rotated = await rotate_channel_secret(
            uow,
            grantee,
            channel_id=channel.id,
            secret=secret,
            confirmation_code=confirmation_code,
        )
        generated = rotated.generated_secret
    return ChangedChannel(channel=channel, generated_secret=generated)
