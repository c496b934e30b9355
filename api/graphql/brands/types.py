"""GraphQL types of brands, channels, channel health and failed inbound events."""

import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.graphql.brands.arguments import After, First, typed_after
from api.graphql.brands.loaders import FailedEventsKey, brand_loaders
from api.graphql.context import ParleyContext
from api.graphql.errors import ForbiddenError
from api.graphql.ids import to_global_id
from api.graphql.relay import Connection, Node, connection_from_rows, page_request
from domain.authz.policy import Permission, decide
from domain.brands.models import Brand as BrandModel
from domain.brands.models import ServiceTier
from domain.channels.health import ChannelHealthReport
from domain.channels.models import Channel as ChannelModel
from domain.channels.models import ChannelHealth as ChannelHealthStatus
from domain.channels.models import ChannelKind, ChannelVisibility
from domain.ingestion.models import InboundEvent as InboundEventModel
from domain.ingestion.service import CHANNEL_WEBHOOK_SOURCES, webhook_path

# The domain enums themselves, so values need no mapping.
strawberry.enum(
    ServiceTier,
    name="ServiceTier",
    description="A brand's service level; premium brands get tighter response targets.",
)
strawberry.enum(ChannelKind, name="ChannelKind", description="The platform a channel is on.")
strawberry.enum(
    ChannelVisibility,
    name="ChannelVisibility",
    description="Whether a channel's messages are public posts or private messages.",
)
strawberry.enum(
    ChannelHealthStatus,
    name="ChannelHealthStatus",
    description=(
        "UNKNOWN: no event yet; HEALTHY: events arrive; SILENT: nothing for a day; "
        "FAILING: errors in the last hour; DISABLED: the channel is paused."
    ),
)

#: How much of a failed event's raw body admins see, in characters.
BODY_EXCERPT_LENGTH = 500


@strawberry.type(description="A client brand the agency serves.")
class Brand(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    slug: str = strawberry.field(description="URL-safe name, unique in the tenant.")
    name: str = strawberry.field(description="Display name.")
    primary_language: str = strawberry.field(description="ISO 639-1 code of the main language.")
    locales: list[str] = strawberry.field(description="Locales the brand answers in.")
    timezone: str = strawberry.field(description="IANA timezone of business hours.")
    service_tier: ServiceTier = strawberry.field(description="The brand's service level.")
    industry: str = strawberry.field(description="The brand's industry, free text.")
    holiday_country: str | None = strawberry.field(
        description="ISO 3166 country whose public holidays close the brand's business hours."
    )
    created_at: datetime = strawberry.field(description="When the brand was added.")

    @classmethod
    def from_model(cls, brand: BrandModel) -> "Brand":
        return cls(
            id=to_global_id("Brand", brand.id),
            slug=brand.slug,
            name=brand.name,
            primary_language=brand.primary_language,
            locales=list(brand.locales),
            timezone=brand.timezone,
            service_tier=brand.service_tier,
            industry=brand.industry,
            holiday_country=brand.holiday_country,
            created_at=brand.created_at,
        )


@strawberry.type(description="Is a channel still hearing from its platform?")
class ChannelHealth:
    status: ChannelHealthStatus = strawberry.field(description="The health as of now.")
    last_event_at: datetime | None = strawberry.field(
        description="When the platform last delivered something for this channel."
    )
    last_error_at: datetime | None = strawberry.field(description="When the last error happened.")
    last_error: str | None = strawberry.field(description="The last error, shortened.")
    error_count: int = strawberry.field(description="Errors counted since the last success.")
    mentions_in_last_hour: int = strawberry.field(
        description="Posts, comments and messages received in the last hour."
    )
    failed_events_in_last_hour: int = strawberry.field(
        description="Deliveries received in the last hour that could not be processed."
    )

    @classmethod
    def from_report(cls, report: ChannelHealthReport) -> "ChannelHealth":
        return cls(
            status=report.health,
            last_event_at=report.last_event_at,
            last_error_at=report.last_error_at,
            last_error=report.last_error,
            error_count=report.error_count,
            mentions_in_last_hour=report.mentions_in_window,
            failed_events_in_last_hour=report.failed_events_in_window,
        )


@strawberry.type(
    description=(
        "A webhook delivery that was accepted but could not be processed; kept for admins "
        "to inspect and replay."
    )
)
class FailedInboundEvent:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    source: str = strawberry.field(description="The webhook source (meta, x, telegram, vk …).")
    dedupe_key: str = strawberry.field(description="The idempotency key of the delivery.")
    received_at: datetime = strawberry.field(description="When Parley accepted the delivery.")
    error: str | None = strawberry.field(description="Why processing failed.")
    attempts: int = strawberry.field(description="How many times processing was tried.")
    body_excerpt: str = strawberry.field(
        description=(
            f"The first {BODY_EXCERPT_LENGTH} characters of the raw body (UTF-8, invalid "
            "bytes replaced). May hold personal data: shown to channel managers only."
        )
    )
    body_size: int = strawberry.field(description="Size of the raw body in bytes.")

    @classmethod
    def from_model(cls, event: InboundEventModel) -> "FailedInboundEvent":
        return cls(
            id=to_global_id("InboundEvent", event.id),
            source=event.source,
            dedupe_key=event.dedupe_key,
            received_at=event.received_at,
            error=event.error,
            attempts=event.attempts,
            body_excerpt=event.body[: BODY_EXCERPT_LENGTH * 4].decode("utf-8", "replace")[
                :BODY_EXCERPT_LENGTH
            ],
            body_size=len(event.body),
        )


@strawberry.type(description="One connected account of a brand on one platform.")
class Channel(Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    kind: ChannelKind = strawberry.field(description="The platform.")
    name: str = strawberry.field(description="Display name.")
    handle: str = strawberry.field(description="The account's handle on the platform, if any.")
    external_account_id: str | None = strawberry.field(
        description="The account's id on the platform (page id, bot id, group id …)."
    )
    visibility: ChannelVisibility = strawberry.field(
        description="Public posts or private messages."
    )
    dm_enabled: bool = strawberry.field(description="Private messages can be answered here.")
    active: bool = strawberry.field(description="False while the channel is paused.")
    created_at: datetime = strawberry.field(description="When the channel was connected.")
    model: strawberry.Private[ChannelModel]

    @classmethod
    def from_model(cls, channel: ChannelModel) -> "Channel":
        return cls(
            id=to_global_id("Channel", channel.id),
            kind=channel.kind,
            name=channel.name,
            handle=channel.handle,
            external_account_id=channel.external_account_id,
            visibility=channel.visibility,
            dm_enabled=channel.dm_enabled,
            active=channel.is_active,
            created_at=channel.created_at,
            model=channel,
        )

    @strawberry.field(description="The brand the channel belongs to.")
    async def brand(self, info: Info[ParleyContext, None]) -> Brand | None:
        found = await brand_loaders(info.context).brand.load(self.model.brand_id)
        return Brand.from_model(found) if found is not None else None

    @strawberry.field(
        description=(
            "The URL the platform delivers this channel's events to, for channels with a URL "
            "of their own (Telegram, VK, generic webhook); null for channels served by their "
            "app's URL (Facebook, Instagram, X) and for imports."
        )
    )
    def webhook_url(self, info: Info[ParleyContext, None]) -> str | None:
        source = CHANNEL_WEBHOOK_SOURCES.get(self.model.kind)
        if source is None:
            return None
        base = info.context.services.settings.public_base_url.rstrip("/")
        return base + webhook_path(source, str(self.model.id))

    @strawberry.field(description="The channel's health: last event, errors, recent volume.")
    async def health(self, info: Info[ParleyContext, None]) -> ChannelHealth | None:
        report = await brand_loaders(info.context).health.load(self.model.id)
        return ChannelHealth.from_report(report) if report is not None else None

    @strawberry.field(
        description=(
            "Deliveries of this channel that could not be processed, newest first. Needs the "
            "channel:manage permission on the channel's brand (FORBIDDEN otherwise)."
        )
    )
    async def failed_inbound_events(
        self,
        info: Info[ParleyContext, None],
        first: First = None,
        after: After = None,
    ) -> Connection[FailedInboundEvent]:
        grantee = await info.context.grantee()
        if not decide(grantee, Permission.CHANNEL_MANAGE, brand_id=self.model.brand_id).allowed:
            raise ForbiddenError("failed inbound events are for channel managers")
        page = page_request(first=first, after=after, last=None, before=None, cursor_length=2)
        key = FailedEventsKey(
            channel_id=self.model.id,
            before=typed_after(page, datetime, uuid.UUID),
            limit=page.limit + 1,
        )
        events = await brand_loaders(info.context).failed_events.load(key)
        return connection_from_rows(
            events,
            page,
            cursor_of=lambda event: (event.received_at, event.id),
            node_of=FailedInboundEvent.from_model,
        )
