"""Mutations of brands and channels: create and update, with typed user errors."""

from enum import StrEnum
from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.admin.user_errors import input_id, user_error_parts
from api.graphql.brands.types import Brand, Channel
from api.graphql.context import ParleyContext
from domain.brands.models import ServiceTier
from domain.brands.service import create_brand, update_brand
from domain.channels.models import ChannelKind
from domain.channels.setup import change_channel, connect_channel
from domain.shared.errors import DomainError, ValidationError


@strawberry.enum(description="Why a brand mutation was refused.")
class BrandErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"


@strawberry.enum(description="Why a channel mutation was refused.")
class ChannelErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"


@strawberry.type(description="A refused brand change: nothing was changed.")
class BrandUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What is wrong, for the person at the keyboard.")
    code: BrandErrorCode = strawberry.field(description="What is wrong, for the program.")


@strawberry.type(description="A refused channel change: nothing was changed.")
class ChannelUserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What is wrong, for the person at the keyboard.")
    code: ChannelErrorCode = strawberry.field(description="What is wrong, for the program.")


_BRAND_FIELDS = {
    "primary_language": "primaryLanguage",
    "holiday_country": "holidayCountry",
    "service_tier": "serviceTier",
}
_CHANNEL_FIELDS = {
    "external_id": "externalAccountId",
    "app": "appId",
    "secret": "secret",
    "confirmation": "confirmationCode",
}


def _brand_error(error: DomainError, *, not_found_field: str | None = None) -> BrandUserError:
    parts = user_error_parts(
        error, fields=_BRAND_FIELDS, not_found_field=not_found_field, conflict_field="slug"
    )
    return BrandUserError(
        field=parts.field, message=parts.message, code=BrandErrorCode[parts.kind.name]
    )


def _channel_error(error: DomainError, *, not_found_field: str) -> ChannelUserError:
    parts = user_error_parts(
        error,
        fields=_CHANNEL_FIELDS,
        not_found_field=not_found_field,
        conflict_field="externalAccountId",
    )
    return ChannelUserError(
        field=parts.field, message=parts.message, code=ChannelErrorCode[parts.kind.name]
    )


def _given(**values: Any) -> dict[str, Any]:
    """The inputs the caller set (UNSET ones are left out)."""
    return {key: value for key, value in values.items() if value is not strawberry.UNSET}


@strawberry.input(description="A new brand.")
class BrandCreateInput:
    slug: str = strawberry.field(description="URL-safe name, unique in the agency.")
    name: str = strawberry.field(description="Display name.")
    timezone: str = strawberry.field(default="UTC", description="IANA timezone, e.g. Europe/Rome.")
    service_tier: ServiceTier = strawberry.field(
        default=ServiceTier.STANDARD, description="The brand's service level."
    )
    primary_language: str = strawberry.field(default="en", description="ISO 639-1 code.")
    locales: list[str] = strawberry.field(
        default_factory=list, description="Locales the brand answers in, e.g. pl-PL."
    )
    industry: str = strawberry.field(default="", description="The brand's industry, free text.")
    holiday_country: str | None = strawberry.field(
        default=None, description="ISO 3166 country whose public holidays close the brand."
    )


@strawberry.type(description="The result of `brandCreate`.")
class BrandCreatePayload:
    brand: Brand | None = strawberry.field(description="The new brand; null when refused.")
    user_errors: list[BrandUserError] = strawberry.field(description="Why it was refused.")


@strawberry.input(description="Changes to a brand; fields left out stay as they are.")
class BrandUpdateInput:
    brand_id: strawberry.ID = strawberry.field(description="The brand's global id.")
    slug: str | None = strawberry.field(default=strawberry.UNSET, description="New slug.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    timezone: str | None = strawberry.field(
        default=strawberry.UNSET, description="New IANA timezone."
    )
    service_tier: ServiceTier | None = strawberry.field(
        default=strawberry.UNSET, description="New service level."
    )
    primary_language: str | None = strawberry.field(
        default=strawberry.UNSET, description="New main language (ISO 639-1)."
    )
    locales: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The full new list of locales."
    )
    industry: str | None = strawberry.field(default=strawberry.UNSET, description="New industry.")
    holiday_country: str | None = strawberry.field(
        default=strawberry.UNSET, description="New holiday country; null for none."
    )


@strawberry.type(description="The result of `brandUpdate`.")
class BrandUpdatePayload:
    brand: Brand | None = strawberry.field(description="The changed brand; null when refused.")
    user_errors: list[BrandUserError] = strawberry.field(description="Why it was refused.")


@strawberry.input(description="A channel to connect to a brand.")
class ChannelCreateInput:
    brand_id: strawberry.ID = strawberry.field(description="The brand's global id.")
    kind: ChannelKind = strawberry.field(description="The platform.")
    external_account_id: str = strawberry.field(
        description="The account's id on the platform (page id, bot id, VK group id …)."
    )
    name: str | None = strawberry.field(default=None, description="Display name.")
    app_id: str | None = strawberry.field(
        default=None,
        description="Facebook, Instagram and X: the agency's app that delivers the events.",
    )
    secret: str | None = strawberry.field(
        default=None,
        description=(
            "Write-only. Telegram: the secret token (generated when left out); VK: the Callback "
            "API secret key (required); generic webhook: the signing secret (generated when "
            "left out). Stored encrypted, never returned."
        ),
    )
    confirmation_code: str | None = strawberry.field(
        default=None, description="Write-only. VK: the server confirmation code (required)."
    )


@strawberry.type(description="The result of `channelCreate`.")
class ChannelCreatePayload:
    channel: Channel | None = strawberry.field(description="The new channel; null when refused.")
    webhook_url: str | None = strawberry.field(
        description="Where the platform must deliver, for channels with a URL of their own."
    )
    generated_secret: str | None = strawberry.field(
        description=(
            "The secret Parley generated for the channel, shown this once: give it to the "
            "platform (Telegram setWebhook secret_token, generic webhook signing secret)."
        )
    )
    user_errors: list[ChannelUserError] = strawberry.field(description="Why it was refused.")


@strawberry.input(description="Changes to a channel; fields left out stay as they are.")
class ChannelUpdateInput:
    channel_id: strawberry.ID = strawberry.field(description="The channel's global id.")
    name: str | None = strawberry.field(default=None, description="New display name.")
    active: bool | None = strawberry.field(
        default=None, description="False pauses the channel, true resumes it."
    )
    rotate_secret: bool = strawberry.field(
        default=False,
        description="Generate a new webhook secret (Telegram, generic webhook), shown once.",
    )
    secret: str | None = strawberry.field(
        default=None, description="Write-only. A new webhook secret chosen by the caller."
    )
    confirmation_code: str | None = strawberry.field(
        default=None, description="Write-only. VK: a new server confirmation code."
    )


@strawberry.type(description="The result of `channelUpdate`.")
class ChannelUpdatePayload:
    channel: Channel | None = strawberry.field(description="The channel; null when refused.")
    generated_secret: str | None = strawberry.field(
        description="The new secret when `rotateSecret` generated one, shown this once."
    )
    user_errors: list[ChannelUserError] = strawberry.field(description="Why it was refused.")


@strawberry.type
class BrandMutations:
    @strawberry.mutation(description="Add a brand to the agency. Needs brand:manage.")
    async def brand_create(
        self, info: Info[ParleyContext, None], input: BrandCreateInput
    ) -> BrandCreatePayload:
        grantee = await info.context.grantee()
        try:
            async with info.context.unit_of_work() as uow:
                brand = await create_brand(
                    uow,
                    grantee,
                    slug=input.slug,
                    name=input.name,
                    fields={
                        "timezone": input.timezone,
                        "service_tier": ServiceTier(input.service_tier),
                        "primary_language": input.primary_language,
                        "locales": list(input.locales),
                        "industry": input.industry,
                        "holiday_country": input.holiday_country,
                    },
                )
                await uow.commit()
        except DomainError as error:
            return BrandCreatePayload(brand=None, user_errors=[_brand_error(error)])
        return BrandCreatePayload(brand=Brand.from_model(brand), user_errors=[])

    @strawberry.mutation(
        description="Change a brand's slug, name, timezone, tier or languages. Needs brand:manage."
    )
    async def brand_update(
        self, info: Info[ParleyContext, None], input: BrandUpdateInput
    ) -> BrandUpdatePayload:
        grantee = await info.context.grantee()
        try:
            brand_id = input_id(input.brand_id, "Brand", "brandId")
            fields = _given(
                name=input.name,
                timezone=input.timezone,
                service_tier=input.service_tier,
                primary_language=input.primary_language,
                locales=input.locales,
                industry=input.industry,
                holiday_country=input.holiday_country,
            )
            for key, value in fields.items():
                if value is None and key != "holiday_country":
                    raise ValidationError(
                        f"{_BRAND_FIELDS.get(key, key)} cannot be null", field=key
                    )
            async with info.context.unit_of_work() as uow:
                brand = await update_brand(
                    uow,
                    grantee,
                    brand_id=brand_id,
                    slug=input.slug if isinstance(input.slug, str) else None,
                    fields=fields,
                )
                await uow.commit()
        except DomainError as error:
            return BrandUpdatePayload(
                brand=None,
                user_errors=[_brand_error(error, not_found_field="brandId")],
            )
        return BrandUpdatePayload(brand=Brand.from_model(brand), user_errors=[])

    @strawberry.mutation(
        description=(
            "Connect a channel to a brand. Secrets are write-only and stored encrypted. "
            "Needs channel:manage on the brand."
        )
    )
    async def channel_create(
        self, info: Info[ParleyContext, None], input: ChannelCreateInput
    ) -> ChannelCreatePayload:
        grantee = await info.context.grantee()
        try:
            brand_id = input_id(input.brand_id, "Brand", "brandId")
            async with info.context.unit_of_work() as uow:
                registered = await connect_channel(
                    uow,
                    grantee,
                    brand_id=brand_id,
                    kind=ChannelKind(input.kind),
                    external_account_id=input.external_account_id,
                    name=input.name,
                    app_id=input.app_id,
                    secret=input.secret,
                    confirmation_code=input.confirmation_code,
                )
                await uow.commit()
        except DomainError as error:
            # An unknown brand id is named by `input_id`; what else is missing is the app.
            field = "appId" if input.app_id is not None else "brandId"
            return ChannelCreatePayload(
                channel=None,
                webhook_url=None,
                generated_secret=None,
                user_errors=[_channel_error(error, not_found_field=field)],
            )
        channel = Channel.from_model(registered.channel)
        return ChannelCreatePayload(
            channel=channel,
            webhook_url=channel.webhook_url(info),
            generated_secret=registered.generated_secret,
            user_errors=[],
        )

    @strawberry.mutation(
        description=(
            "Rename, pause or resume a channel, or rotate its webhook secret. "
            "Needs channel:manage on the channel's brand."
        )
    )
    async def channel_update(
        self, info: Info[ParleyContext, None], input: ChannelUpdateInput
    ) -> ChannelUpdatePayload:
        grantee = await info.context.grantee()
        try:
            channel_id = input_id(input.channel_id, "Channel", "channelId")
            async with info.context.unit_of_work() as uow:
                changed = await change_channel(
                    uow,
                    grantee,
                    channel_id=channel_id,
                    name=input.name,
                    is_active=input.active,
                    rotate_secret=input.rotate_secret,
                    secret=input.secret,
                    confirmation_code=input.confirmation_code,
                )
                await uow.commit()
        except DomainError as error:
            return ChannelUpdatePayload(
                channel=None,
                generated_secret=None,
                user_errors=[_channel_error(error, not_found_field="channelId")],
            )
        return ChannelUpdatePayload(
            channel=Channel.from_model(changed.channel),
            generated_secret=changed.generated_secret,
            user_errors=[],
        )
