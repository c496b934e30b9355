"""Use cases of ingestion: platform apps, webhook channels, and accepting deliveries.

Accept, then process. A delivery is resolved to its tenant through the routing
table (`webhook_endpoints`), verified over its exact raw bytes with the app's or
channel's secret, stored raw in one short transaction with `ON CONFLICT DO
NOTHING` on its dedupe key, and acknowledged. The job `process_inbound_event`
parses it later; it is enqueued only after the commit and only for a new,
pending event.

Secrets live in the encrypted `secrets_ciphertext` of the app or channel under
these names: Meta apps `app_secret` and `verify_token`, X apps `app_secret` (the
consumer secret), Telegram channels `secret_token`, VK channels `secret` and
`confirmation_code`, generic webhook channels `signing_secret`.
"""

import functools
import hashlib
import logging
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import quote

from sqlalchemy.exc import IntegrityError

from domain.channels.models import Channel, ChannelKind
from domain.channels.platforms import (
    ACCOUNT_ID_READERS,
    PARSERS,
    MalformedPayload,
    event_dedupe_keys,
    is_vk_confirmation,
    meta_challenge_response,
    meta_platform,
    verify_generic,
    verify_meta_signature,
    verify_telegram_secret,
    verify_x_signature,
    vk_secret_matches,
    x_crc_response_token,
)
from domain.channels.platforms.parsing import decode_json
from domain.channels.service import create_channel, read_channel_secrets
from domain.db.uow import UnitOfWork
from domain.ingestion.errors import (
    InvalidWebhookCredentialsError,
    MissingWebhookCredentialsError,
    UnknownWebhookEndpointError,
    UnroutableWebhookError,
)
from domain.ingestion.models import (
    AppPlatform,
    InboundEvent,
    InboundEventStatus,
    PlatformApp,
    WebhookEndpoint,
)
from domain.ingestion.repository import (
    InboundEventRepository,
    NewInboundEvent,
    PlatformAppRepository,
    RoutingChannelRepository,
    claim_webhook_endpoint,
    get_webhook_endpoint_or_none,
)
from domain.shared.errors import ConflictError, NotFoundError, ValidationError
from domain.shared.ids import new_id
from domain.shared.ports import JobQueue, JoiningJobQueue

logger = logging.getLogger("parley.ingestion")

#: The job that parses a stored event; receivers enqueue it with `tenant_id` and `event_id`.
PROCESS_INBOUND_EVENT_JOB = "process_inbound_event"


def processing_group(tenant_id: uuid.UUID) -> str:
    """The job group (`JoiningJobQueue`) of a tenant's catch-up processing runs."""
    return f"inbound-batch:{tenant_id}"


#: How long a tenant's new processing run waits for more deliveries to join it. At
#: 200 deliveries a second, runs that started at once took a handful of events each
#: and the worker spent 3.6 ms of CPU per event on the runs' fixed costs.
PROCESSING_GATHER = timedelta(milliseconds=100)


class SecretField(StrEnum):
    """Names of the values inside the encrypted secrets of apps and channels."""

    APP = "app_secret"  # Meta app secret, X consumer secret
    META_VERIFY = "verify_token"
    TELEGRAM = "secret_token"
    VK = "secret"
    VK_CONFIRMATION = "confirmation_code"
    GENERIC_SIGNING = "signing_secret"


#: Headers kept with a stored event: diagnostics only, never credentials.
KEPT_HEADERS = ("content-type", "user-agent", "x-retry-counter", "x-parley-timestamp")

#: Our own signed webhook: the accepted clock skew between sender and receiver.
GENERIC_TOLERANCE_SECONDS = 300

#: Column lengths of `webhook_endpoints.key` and `inbound_events.error`.
_ENDPOINT_KEY_LENGTH = 100
_EVENT_ERROR_LENGTH = 1000

_APP_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,100}")
# Telegram's own rule for `secret_token` in setWebhook.
_TELEGRAM_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class WebhookSource(StrEnum):
    """The first path segment of a webhook URL, and `inbound_events.source`."""

    META = "meta"
    X = "x"
    TELEGRAM = "telegram"
    VK = "vk"
    GENERIC = "generic"


#: App URLs serve many channels; these channels have a URL of their own.
CHANNEL_WEBHOOK_SOURCES: Mapping[ChannelKind, WebhookSource] = {
    ChannelKind.TELEGRAM: WebhookSource.TELEGRAM,
    ChannelKind.VK: WebhookSource.VK,
    ChannelKind.GENERIC_WEBHOOK: WebhookSource.GENERIC,
}
#: The app platform whose URL delivers a channel kind's events.
APP_PLATFORM_OF_KIND: Mapping[ChannelKind, AppPlatform] = {
    ChannelKind.FACEBOOK_PAGE: AppPlatform.META,
    ChannelKind.INSTAGRAM: AppPlatform.META,
    ChannelKind.X: AppPlatform.X,
}
#: The channel kind that an app URL's body (by parser platform) is routed to.
_ROUTED_KIND_OF_PLATFORM: Mapping[str, ChannelKind] = {
    "facebook": ChannelKind.FACEBOOK_PAGE,
    "instagram": ChannelKind.INSTAGRAM,
    "x": ChannelKind.X,
}


def webhook_path(source: WebhookSource, key: str) -> str:
    """The path of a webhook URL: `/webhooks/<source>/<key>` (the key URL-quoted)."""
    return f"/webhooks/{source.value}/{quote(key, safe='')}"


def inbound_dedupe_key(platform: str | None, body: bytes) -> str:
    """The idempotency key of one delivery, at most 77 characters.

    ``keys:<sha256 of the platform's event keys, sorted, one per line>`` when the
    body yields keys (a redelivery yields the same ones, whatever its bytes),
    else ``body:<sha256 of the raw body>`` (unreadable bodies, sources without
    event keys).
    """
    if platform is not None:
        try:
            keys = event_dedupe_keys(platform, body)
        except MalformedPayload:
            keys = ()
        if keys:
            joined = "\n".join(sorted(keys)).encode("utf-8")
            return f"keys:{hashlib.sha256(joined).hexdigest()}"
    return f"body:{hashlib.sha256(body).hexdigest()}"


# --- apps and channels ------------------------------------------------------------


async def create_platform_app(
    uow: UnitOfWork,
    *,
    platform: AppPlatform,
    app_id: str,
    app_secret: str,
    verify_token: str | None = None,
    name: str = "",
) -> PlatformApp:
    """Register the scope tenant's Meta or X app and claim its webhook URL.

    The secrets are encrypted before they are stored. Meta apps need a
    `verify_token` (the handshake echoes it); X apps take none. One app id has
    one URL, so it belongs to one tenant: `ConflictError` when the URL is taken
    (by this tenant or another). Flushes; the caller commits.
    """
    scope = uow.require_scope()
    app_id = app_id.strip()
    if not _APP_ID_PATTERN.fullmatch(app_id):
        raise ValidationError("app id: 1-100 letters, digits, '.', '_', ':' or '-'", field="app_id")
    if not app_secret:
        raise ValidationError("the app secret is required", field="secret")
    stored: dict[str, str] = {SecretField.APP: app_secret}
    if platform is AppPlatform.META:
        if not verify_token:
            raise ValidationError("a Meta app needs a verify token", field="verify_token")
        stored[SecretField.META_VERIFY] = verify_token
    elif verify_token is not None:
        raise ValidationError("only Meta apps take a verify token", field="verify_token")
    app = PlatformApp(
        id=new_id(),
        platform=platform,
        app_id=app_id,
        name=name,
        secrets_ciphertext=uow.secret_box.encrypt(stored),
    )
    claimed = await claim_webhook_endpoint(
        uow, source=platform.value, key=app_id, tenant_id=scope.tenant_id, target_id=app.id
    )
    if not claimed:
        raise ConflictError(f"the webhook URL of {platform.value} app {app_id!r} is taken")
    PlatformAppRepository(uow).add(app)
    await uow.flush()
    return app


def read_app_secrets(uow: UnitOfWork, app: PlatformApp) -> dict[str, str]:
    """The app's decrypted secrets (empty when it has none). Never log them."""
    if app.secrets_ciphertext is None:
        return {}
    return uow.secret_box.decrypt(app.secrets_ciphertext)


@dataclass(frozen=True, slots=True)
class RegisteredChannel:
    """A new channel, the webhook source of its own URL, and a secret made up for it.

    `webhook_source` is None for channels served by an app URL or by imports.
    `generated_secret` is set when no secret was given and one was generated
    (Telegram secret token, generic signing secret): show it once to the operator.
    """

    channel: Channel
    webhook_source: WebhookSource | None
    generated_secret: str | None


async def register_channel(
    uow: UnitOfWork,
    *,
    brand_id: uuid.UUID,
    kind: ChannelKind,
    external_account_id: str,
    name: str | None = None,
    app_id: str | None = None,
    secret: str | None = None,
    confirmation_code: str | None = None,
) -> RegisteredChannel:
    """Connect a channel to a brand (trusted operator) with what its webhook needs.

    * Facebook Page, Instagram, X: served by their app's URL; `app_id`, when
      given, must name the tenant's app of that platform (`NotFoundError`).
    * Telegram: `secret` is the `secret_token` given to setWebhook (generated
      when absent). VK: `secret` (the Callback API secret key) and
      `confirmation_code` are required. Generic webhook: `secret` is the HMAC
      signing secret (generated when absent). These three get a URL of their
      own, keyed by the channel id.
    * Import: no secret and no URL.

    Options that do not fit the kind raise `ValidationError`; a channel of the
    same kind and external id in the tenant raises `ConflictError`. Flushes;
    the caller commits.
    """
    scope = uow.require_scope()
    external_account_id = external_account_id.strip()
    if not external_account_id:
        raise ValidationError("the external id is required", field="external_id")
    if app_id is not None and kind not in APP_PLATFORM_OF_KIND:
        raise ValidationError(f"a {kind.value} channel has no app", field="app")
    if confirmation_code is not None and kind is not ChannelKind.VK:
        raise ValidationError("only VK channels take a confirmation code", field="confirmation")
    if secret is not None and kind not in CHANNEL_WEBHOOK_SOURCES:
        raise ValidationError(f"a {kind.value} channel takes no secret", field="secret")
    if app_id is not None:
        platform = APP_PLATFORM_OF_KIND[kind]
        if await PlatformAppRepository(uow).get_by_app_id_or_none(platform, app_id) is None:
            raise NotFoundError(f"no {platform.value} app {app_id!r}")
    channel_secrets, generated = _channel_secrets(kind, secret, confirmation_code)
    try:
        channel = await create_channel(
            uow,
            None,
            brand_id=brand_id,
            kind=kind,
            name=name or f"{kind.value} {external_account_id}",
            external_account_id=external_account_id,
            secrets=channel_secrets,
        )
    except IntegrityError as error:
        raise ConflictError(
            f"a channel of kind {kind.value} with external id {external_account_id!r} exists"
        ) from error
    source = CHANNEL_WEBHOOK_SOURCES.get(kind)
    if source is not None:
        claimed = await claim_webhook_endpoint(
            uow,
            source=source.value,
            key=str(channel.id),
            tenant_id=scope.tenant_id,
            target_id=channel.id,
        )
        if not claimed:  # a fresh random id: only a broken invariant gets here
            raise ConflictError(f"the webhook URL of channel {channel.id} is taken")
    return RegisteredChannel(channel=channel, webhook_source=source, generated_secret=generated)


def _channel_secrets(
    kind: ChannelKind, secret: str | None, confirmation_code: str | None
) -> tuple[dict[str, str], str | None]:
    """The secrets to store for a new channel, and the secret generated for it, if any."""
    if kind is ChannelKind.TELEGRAM:
        if secret is not None and not _TELEGRAM_TOKEN_PATTERN.fullmatch(secret):
            raise ValidationError(
                "a Telegram secret token is 1-256 of A-Z, a-z, 0-9, '_' and '-'", field="secret"
            )
        generated = None if secret is not None else secrets.token_urlsafe(32)
        return {SecretField.TELEGRAM: secret or str(generated)}, generated
    if kind is ChannelKind.VK:
        if not secret:
            raise ValidationError("a VK channel needs the Callback API secret key", field="secret")
        if not confirmation_code:
            raise ValidationError(
                "a VK channel needs the server confirmation code", field="confirmation"
            )
        return {SecretField.VK: secret, SecretField.VK_CONFIRMATION: confirmation_code}, None
    if kind is ChannelKind.GENERIC_WEBHOOK:
        if secret == "":
            raise ValidationError("the signing secret cannot be empty", field="secret")
        generated = None if secret is not None else secrets.token_hex(32)
        return {SecretField.GENERIC_SIGNING: secret or str(generated)}, generated
    return {}, None


# --- deliveries -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One HTTP request as received: the exact body bytes and the headers.

    `headers` are keyed by lower-case name. `received_at` is the receiver's
    clock; it also bounds the age of generic webhook signatures.
    """

    body: bytes
    headers: Mapping[str, str]
    received_at: datetime

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class DeliveryOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    CONFIRMATION = "confirmation"


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What became of an accepted delivery.

    STORED: a new event (`event_id`, `status` pending or failed); DUPLICATE: its
    dedupe key was stored before, nothing changed; CONFIRMATION: a VK server
    confirmation, to be answered with `reply`, nothing stored.
    """

    outcome: DeliveryOutcome
    event_id: uuid.UUID | None = None
    status: InboundEventStatus | None = None
    reply: str | None = None


async def get_webhook_endpoint(
    uow: UnitOfWork, *, source: WebhookSource, key: str
) -> WebhookEndpoint:
    """The endpoint behind `/webhooks/<source>/<key>`; `UnknownWebhookEndpointError` if none.

    Works in a unit of work without scope: this is how a delivery finds its tenant.
    """
    if len(key) > _ENDPOINT_KEY_LENGTH:
        raise UnknownWebhookEndpointError("no such webhook endpoint")
    endpoint = await get_webhook_endpoint_or_none(uow, source=source.value, key=key)
    if endpoint is None:
        raise UnknownWebhookEndpointError("no such webhook endpoint")
    return endpoint


async def answer_meta_verification(
    uow: UnitOfWork, *, endpoint: WebhookEndpoint, params: Mapping[str, str]
) -> str:
    """The `hub.challenge` to echo for Meta's GET handshake.

    `InvalidWebhookCredentialsError` unless `hub.mode` is subscribe and
    `hub.verify_token` is the app's verify token.
    """
    app = await _app_of(uow, endpoint)
    answer = meta_challenge_response(
        params, read_app_secrets(uow, app).get(SecretField.META_VERIFY, "")
    )
    if answer is None:
        raise InvalidWebhookCredentialsError("verify token refused")
    return answer


async def answer_x_crc(uow: UnitOfWork, *, endpoint: WebhookEndpoint, crc_token: str) -> str:
    """The `response_token` for X's challenge-response check of this app's URL."""
    app = await _app_of(uow, endpoint)
    app_secret = read_app_secrets(uow, app).get(SecretField.APP, "")
    if not crc_token or not app_secret:
        raise MissingWebhookCredentialsError("crc_token or consumer secret missing")
    return x_crc_response_token(app_secret, crc_token)


@dataclass(frozen=True, slots=True)
class DeliveryTarget:
    """What verifying a delivery to an endpoint takes: the endpoint, the channel (own
    URLs) or the app (app URLs) behind it, and its decrypted secrets. Never log it.

    Loaded once per delivery by default; a receiver may reuse one for a few seconds
    (a rotated secret or a removed channel then applies once it reloads).
    """

    endpoint: WebhookEndpoint
    channel: Channel | None
    app: PlatformApp | None
    secrets: Mapping[str, str]


async def load_delivery_target(uow: UnitOfWork, *, endpoint: WebhookEndpoint) -> DeliveryTarget:
    """The endpoint's channel or app with its secrets, read in the endpoint's tenant.

    `UnknownWebhookEndpointError` when the app or channel is gone or the unit of
    work is scoped to another tenant.
    """
    scope = uow.require_scope()
    if endpoint.tenant_id != scope.tenant_id:
        raise UnknownWebhookEndpointError("the endpoint is not in this scope")
    if WebhookSource(endpoint.source) in (WebhookSource.META, WebhookSource.X):
        app = await _app_of(uow, endpoint)
        return DeliveryTarget(endpoint, None, app, read_app_secrets(uow, app))
    channel = await _channel_of(uow, endpoint)
    return DeliveryTarget(endpoint, channel, None, read_channel_secrets(uow, channel))


async def accept_delivery(
    uow: UnitOfWork,
    *,
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
    queue: JobQueue | None,
    target: DeliveryTarget | None = None,
) -> DeliveryReceipt:
    """Verify a delivery to `endpoint` and store it raw, once; commits.

    `target` is the endpoint's `DeliveryTarget` when the caller has one at hand
    (loaded with `load_delivery_target` in the same tenant), else it is loaded here.
    The unit of work must be scoped to the endpoint's tenant. Refusals store
    nothing: `UnknownWebhookEndpointError` (the app or channel is gone),
    `MissingWebhookCredentialsError`, `InvalidWebhookCredentialsError`, and for
    app URLs and VK `UnroutableWebhookError` when none of the body's account ids
    is a channel of the tenant (Meta: Page / IG account of a facebook_page /
    instagram channel; X: `for_user_id` of an x channel; VK: `group_id` of the
    channel). A batch naming several of the tenant's accounts is accepted, and
    so is one that also names accounts the tenant lacks (processing records
    those). An authentic body that cannot be read is stored as failed with its
    error, so the platform stops retrying and an admin can see it.

    A new pending event gets `process_inbound_event` enqueued after the commit
    (job id `inbound:<event id>`); a failed or duplicate one does not. The
    channels it belongs to get `last_event_at` (and the error counters for a
    failed body) in the same transaction; for readable events `last_event_at`
    is written at most about once a second per channel (see
    `RoutingChannelRepository.record_delivery`; on PostgreSQL in the insert's own
    statement), so the deliveries of one busy channel do not queue behind each
    other's lock on its row.
    """
    scope = uow.require_scope()
    if endpoint.tenant_id != scope.tenant_id or (
        target is not None and target.endpoint.id != endpoint.id
    ):
        raise UnknownWebhookEndpointError("the endpoint is not in this scope")
    if target is None:
        target = await load_delivery_target(uow, endpoint=endpoint)
    source = WebhookSource(endpoint.source)
    if target.app is not None:
        return await _accept_app_delivery(uow, target.app, target.secrets, source, delivery, queue)
    channel = target.channel
    if channel is None:  # a target is made with one or the other
        raise UnknownWebhookEndpointError("no channel behind this URL")
    channel_secrets = target.secrets
    platform: str | None
    if source is WebhookSource.TELEGRAM:
        _verify_telegram(channel_secrets, delivery)
        platform = "telegram"
    elif source is WebhookSource.VK:
        confirmation = _verify_vk(channel, channel_secrets, delivery)
        if confirmation is not None:
            return DeliveryReceipt(DeliveryOutcome.CONFIRMATION, reply=confirmation)
        platform = "vk"
    else:
        _verify_generic(channel_secrets, delivery)
        platform = "generic"
    return await _store(
        uow,
        queue,
        delivery,
        source=source,
        platform=platform,
        error=_reading_error(platform, delivery.body),
        app_id=None,
        channel_id=channel.id,
        channel_ids=(channel.id,),
    )


async def list_failed_inbound_events(
    uow: UnitOfWork, *, channel_id: uuid.UUID | None = None, limit: int = 50
) -> list[InboundEvent]:
    """The scope tenant's failed events (of one channel when given), newest first.

    For admins: each carries its raw body and `error`. `limit` is clamped to
    1-500. The caller authorises (channel read permission).
    """
    return await InboundEventRepository(uow).list_failed(
        channel_id=channel_id, limit=max(1, min(limit, 500))
    )


async def list_failed_inbound_events_of_channels(
    uow: UnitOfWork,
    *,
    channel_ids: Sequence[uuid.UUID],
    before: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 50,
) -> dict[uuid.UUID, list[InboundEvent]]:
    """The failed events of each channel, newest first, at most `limit` (1-500) each.

    `before` is the `(received_at, id)` of the last event of the previous page.
    One query for all the channels; channels of other tenants get empty lists.
    The caller authorises (channel read permission).
    """
    found: dict[uuid.UUID, list[InboundEvent]] = {channel_id: [] for channel_id in channel_ids}
    for event in await InboundEventRepository(uow).page_failed_for_channels(
        channel_ids, before=before, limit=max(1, min(limit, 500))
    ):
        if event.channel_id is not None:
            found[event.channel_id].append(event)
    return found


# --- verification -----------------------------------------------------------------


async def _app_of(uow: UnitOfWork, endpoint: WebhookEndpoint) -> PlatformApp:
    app = await PlatformAppRepository(uow).get_or_none(endpoint.target_id)
    if app is None:
        raise UnknownWebhookEndpointError("the app behind this URL is gone")
    return app


async def _channel_of(uow: UnitOfWork, endpoint: WebhookEndpoint) -> Channel:
    channel = await RoutingChannelRepository(uow).get_or_none(endpoint.target_id)
    if channel is None:
        raise UnknownWebhookEndpointError("the channel behind this URL is gone")
    return channel


def _require_header(delivery: WebhookDelivery, name: str) -> str:
    value = delivery.header(name)
    if value is None or not value.strip():
        raise MissingWebhookCredentialsError(f"{name} missing")
    return value


async def _accept_app_delivery(
    uow: UnitOfWork,
    app: PlatformApp,
    app_secrets: Mapping[str, str],
    source: WebhookSource,
    delivery: WebhookDelivery,
    queue: JobQueue | None,
) -> DeliveryReceipt:
    app_secret = app_secrets.get(SecretField.APP, "")
    body = delivery.body
    if source is WebhookSource.META:
        signature = _require_header(delivery, "x-hub-signature-256")
        authentic = verify_meta_signature(app_secret, body, signature)
    else:
        signature = _require_header(delivery, "x-twitter-webhooks-signature")
        authentic = verify_x_signature(app_secret, body, signature)
    if not authentic:
        raise InvalidWebhookCredentialsError("signature refused")
    try:
        platform = meta_platform(body) if source is WebhookSource.META else "x"
        account_ids = ACCOUNT_ID_READERS[platform](body)
    except MalformedPayload as error:
        # Authentic but unreadable: no account to route by, so it stays with the app.
        return await _store(
            uow,
            queue,
            delivery,
            source=source,
            platform=None,
            error=str(error),
            app_id=app.id,
            channel_id=None,
            channel_ids=(),
        )
    kind = _ROUTED_KIND_OF_PLATFORM[platform]
    channels = await RoutingChannelRepository(uow).list_by_accounts(kind, account_ids)
    if not channels:
        raise UnroutableWebhookError(f"no {kind.value} channel for the body's accounts")
    return await _store(
        uow,
        queue,
        delivery,
        source=source,
        platform=platform,
        error=_reading_error(platform, body),
        app_id=app.id,
        channel_id=None,
        channel_ids=tuple(channel.id for channel in channels),
    )


def _verify_telegram(channel_secrets: Mapping[str, str], delivery: WebhookDelivery) -> None:
    token = _require_header(delivery, "x-telegram-bot-api-secret-token")
    if not verify_telegram_secret(channel_secrets.get(SecretField.TELEGRAM, ""), token):
        raise InvalidWebhookCredentialsError("secret token refused")


def _verify_vk(
    channel: Channel, channel_secrets: Mapping[str, str], delivery: WebhookDelivery
) -> str | None:
    """Checks the body's secret and community; the confirmation code for a confirmation."""
    try:
        payload = decode_json(delivery.body, platform="vk")
    except MalformedPayload as error:
        # The secret travels inside the body: an unreadable body carries none.
        raise MissingWebhookCredentialsError("no readable secret in the body") from error
    if not isinstance(payload, dict):
        raise MissingWebhookCredentialsError("no secret in the body")
    confirming = is_vk_confirmation(payload)
    if not confirming and payload.get("secret") is None:
        raise MissingWebhookCredentialsError("secret missing")
    if not vk_secret_matches(channel_secrets.get(SecretField.VK, ""), payload):
        raise InvalidWebhookCredentialsError("secret refused")
    try:
        groups = ACCOUNT_ID_READERS["vk"](delivery.body)
    except MalformedPayload:
        groups = ()  # authentic: stored as failed, the parser says why
    expected = channel.external_account_id
    if groups and expected is not None and any(group != expected for group in groups):
        raise UnroutableWebhookError("the body names another community")
    if not confirming:
        return None
    code = channel_secrets.get(SecretField.VK_CONFIRMATION)
    if not code or not groups:
        raise InvalidWebhookCredentialsError("confirmation refused")
    return code


def _verify_generic(channel_secrets: Mapping[str, str], delivery: WebhookDelivery) -> None:
    signature = _require_header(delivery, "x-parley-signature")
    timestamp = _require_header(delivery, "x-parley-timestamp")
    authentic = verify_generic(
        channel_secrets.get(SecretField.GENERIC_SIGNING, ""),
        delivery.body,
        signature,
        timestamp,
        now=int(delivery.received_at.timestamp()),
        tolerance_seconds=GENERIC_TOLERANCE_SECONDS,
    )
    if not authentic:
        raise InvalidWebhookCredentialsError("signature refused or too old")


# --- storage ----------------------------------------------------------------------


def _reading_error(platform: str | None, body: bytes) -> str | None:
    """Why an authentic body cannot be processed, or None when the parser reads it.

    Only validation: the parsed mentions are thrown away, the job parses again.
    Sources without a parser (generic webhooks) only need to be JSON.
    """
    try:
        if platform is None:
            decode_json(body, platform="generic")
        else:
            PARSERS[platform](body)
            event_dedupe_keys(platform, body)
    except MalformedPayload as error:
        return str(error)
    return None


async def _store(
    uow: UnitOfWork,
    queue: JobQueue | None,
    delivery: WebhookDelivery,
    *,
    source: WebhookSource,
    platform: str | None,
    error: str | None,
    app_id: uuid.UUID | None,
    channel_id: uuid.UUID | None,
    channel_ids: tuple[uuid.UUID, ...],
) -> DeliveryReceipt:
    status = InboundEventStatus.FAILED if error is not None else InboundEventStatus.PENDING
    event = NewInboundEvent(
        source=source.value,
        dedupe_key=inbound_dedupe_key(platform, delivery.body),
        body=delivery.body,
        headers={
            name: value for name in KEPT_HEADERS if (value := delivery.header(name)) is not None
        },
        received_at=delivery.received_at,
        status=status,
        error=None if error is None else error[:_EVENT_ERROR_LENGTH],
        app_id=app_id,
        channel_id=channel_id,
    )
    event_id = await InboundEventRepository(uow).insert_if_new_touching_channels(
        event, channel_ids=channel_ids
    )
    if event_id is None:
        return DeliveryReceipt(DeliveryOutcome.DUPLICATE)
    if status is InboundEventStatus.PENDING and queue is not None:
        uow.after_commit(
            functools.partial(_enqueue_processing, queue, uow.require_scope().tenant_id, event_id)
        )
    await uow.commit()
    return DeliveryReceipt(DeliveryOutcome.STORED, event_id=event_id, status=status)


async def join_catch_up_run(
    queue: JoiningJobQueue,
    tenant_id: uuid.UUID,
    event_id: str,
    *,
    gather: timedelta = timedelta(0),
) -> None:
    """Have a catch-up run of the tenant's processing group (`processing_group`) take
    its pending events: the group's run that has not started yet, else a new one
    (about `event_id`) that gathers callers for `gather` before it starts."""
    await queue.enqueue_or_join(
        PROCESS_INBOUND_EVENT_JOB,
        tenant_id=tenant_id,
        group=processing_group(tenant_id),
        gather=gather,
        event_id=event_id,
        catch_up=True,
    )


async def _enqueue_processing(queue: JobQueue, tenant_id: uuid.UUID, event_id: uuid.UUID) -> None:
    """Have the event processed: by a catch-up run of the tenant that has not started
    yet where the queue can tell (it takes every pending event along, so a burst of
    deliveries shares a few runs instead of one job each), else by its own job
    (`inbound:{event_id}`)."""
    try:
        if isinstance(queue, JoiningJobQueue):
            await join_catch_up_run(queue, tenant_id, str(event_id), gather=PROCESSING_GATHER)
        else:
            await queue.enqueue(
                PROCESS_INBOUND_EVENT_JOB,
                tenant_id=tenant_id,
                job_id=f"inbound:{event_id}",
                event_id=str(event_id),
            )
    except Exception as error:
        # The event is committed and the platform has its answer coming: failing
        # the request now would only bring a redelivery that dedupe drops. The
        # event stays pending for a sweep to enqueue again.
        logger.warning(
            "inbound event %s stored but not enqueued: %s", event_id, type(error).__name__
        )
