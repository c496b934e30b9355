"""Use cases of the authorization server: clients, sign-in, codes, refresh tokens, revocation.

Apart from `create_api_client`, these are steps of one OAuth exchange (a
token request, a consent): they flush but never commit, and the exchange
commits once when it succeeds. Every function works inside the unit of
work's tenant scope.
"""

import asyncio
import functools
import secrets
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import select, tuple_

from domain.accounts.passwords import hash_password, verify_password
from domain.authz.policy import CLIENT_ROLES, Grantee, Permission, Role, decide, require
from domain.brands.repository import BrandRepository
from domain.db.uow import UnitOfWork
from domain.oauth.models import (
    ApiClient,
    ApiClientBrand,
    AuthorizationCode,
    RefreshToken,
)
from domain.oauth.repository import (
    ApiClientBrandRepository,
    ApiClientRepository,
    AuthorizationCodeRepository,
    RefreshTokenRepository,
    RevokedAccessTokenRepository,
)
from domain.oauth.rules import (
    AUTHORIZATION_CODE_TTL_SECONDS,
    PKCE_METHOD,
    REFRESH_TOKEN_TTL_SECONDS,
    REVOCATION_KEPT_AFTER_EXPIRY_SECONDS,
    check_client_registration,
    client_id_for,
    hash_opaque_token,
    tenant_of_client_id,
)
from domain.shared.errors import NotFoundError, ValidationError
from domain.tenants.models import Tenant
from domain.tenants.repository import (
    get_tenant_or_none,
    get_user_by_email_or_none,
)
from domain.tenants.service import Member, load_member

CLIENT_SECRET_PREFIX = "pcs_"  # noqa: S105 (a prefix, not a secret)

T = TypeVar("T")


# --- clients -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewApiClient:
    """A created client and its secret, in clear this once (None for a public client)."""

    client: ApiClient
    client_secret: str | None
    brand_ids: frozenset[uuid.UUID]


async def create_api_client(
    uow: UnitOfWork,
    grantee: Grantee | None,
    *,
    name: str,
    grant_types: Collection[str],
    redirect_uris: Collection[str] = (),
    scopes: Collection[str],
    role: Role = Role.AGENT,
    brand_slugs: Collection[str] = (),
    is_public: bool = False,
) -> NewApiClient:
    """Register an API client in the scope's tenant; `grantee=None` is a trusted operator.

    The secret is generated here, returned once and stored only as an argon2
    hash. Raises `InvalidClientRegistrationError` (see
    `rules.check_client_registration`), `NotFoundError` for an unknown brand
    and `PermissionDeniedError` without `api_clients:manage`.
    """
    if grantee is not None:
        require(grantee, Permission.API_CLIENTS_MANAGE)
    scope = uow.require_scope()
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError("name: 1 to 200 characters", field="name")
    registration = check_client_registration(
        grant_types=grant_types,
        redirect_uris=redirect_uris,
        scopes=scopes,
        role=role,
        is_public=is_public,
        brand_count=len(set(brand_slugs)),
    )
    brands = BrandRepository(uow)
    brand_ids = frozenset([(await brands.get_by_slug(slug)).id for slug in set(brand_slugs)])
    secret = None if is_public else CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)
    secret_hash = None if secret is None else await asyncio.to_thread(hash_password, secret)
    client = ApiClientRepository(uow).add(
        ApiClient(
            client_id=client_id_for(scope.tenant_id, secrets.token_urlsafe(12)),
            secret_hash=secret_hash,
            name=name,
            grant_types=list(registration.grant_types),
            redirect_uris=list(registration.redirect_uris),
            scopes=list(registration.scopes),
            role=registration.role,
        )
    )
    await uow.flush()
    grants = ApiClientBrandRepository(uow)
    for brand_id in sorted(brand_ids):
        grants.add(ApiClientBrand(api_client_id=client.id, brand_id=brand_id))
    await uow.flush()
    return NewApiClient(client=client, client_secret=secret, brand_ids=brand_ids)


async def list_api_clients(uow: UnitOfWork, grantee: Grantee | None) -> list[ApiClient]:
    """The tenant's clients, oldest first; `grantee=None` is a trusted operator."""
    if grantee is not None:
        require(grantee, Permission.API_CLIENTS_MANAGE)
    return await ApiClientRepository(uow).list_all()


async def create_api_client_for_brand_ids(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    name: str,
    grant_types: Collection[str],
    redirect_uris: Collection[str] = (),
    scopes: Collection[str],
    role: Role = Role.AGENT,
    brand_ids: Collection[uuid.UUID] = (),
    is_public: bool = False,
) -> NewApiClient:
    """`create_api_client` for callers that name brands by id (the GraphQL API).

    Needs `api_clients:manage` (checked before anything is read); a brand id
    outside the tenant is `NotFoundError`. The secret is in the result this once.
    """
    require(grantee, Permission.API_CLIENTS_MANAGE)
    wanted = set(brand_ids)
    brands = await BrandRepository(uow).get_many(list(wanted))
    if len(brands) != len(wanted):
        raise NotFoundError("brand not found")
    return await create_api_client(
        uow,
        grantee,
        name=name,
        grant_types=grant_types,
        redirect_uris=redirect_uris,
        scopes=scopes,
        role=role,
        brand_slugs=[brand.slug for brand in brands],
        is_public=is_public,
    )


async def list_api_clients_page(
    uow: UnitOfWork,
    grantee: Grantee,
    *,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int,
) -> list[ApiClient]:
    """A page of the tenant's clients (active and revoked), oldest first by `(created_at, id)`.

    Needs `api_clients:manage` (`PermissionDeniedError`).
    """
    require(grantee, Permission.API_CLIENTS_MANAGE)
    statement = select(ApiClient).where(ApiClient.tenant_id == uow.require_scope().tenant_id)
    if after is not None:
        statement = statement.where(tuple_(ApiClient.created_at, ApiClient.id) > after)
    result = await uow.session.execute(
        statement.order_by(ApiClient.created_at, ApiClient.id).limit(limit)
    )
    return list(result.scalars())


async def get_visible_api_clients(
    uow: UnitOfWork, grantee: Grantee, api_client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ApiClient]:
    """The tenant's clients among these ids, by id; none without `api_clients:manage`."""
    if not decide(grantee, Permission.API_CLIENTS_MANAGE).allowed:
        return {}
    return {client.id: client for client in await ApiClientRepository(uow).get_many(api_client_ids)}


async def brand_ids_of_api_clients(
    uow: UnitOfWork, api_client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The brands granted to each client (empty for staff-role clients), in one query.

    The caller authorises (it already holds the clients).
    """
    granted: dict[uuid.UUID, list[uuid.UUID]] = {client_id: [] for client_id in api_client_ids}
    if not api_client_ids:
        return granted
    result = await uow.session.execute(
        select(ApiClientBrand)
        .where(
            ApiClientBrand.tenant_id == uow.require_scope().tenant_id,
            ApiClientBrand.api_client_id.in_(api_client_ids),
        )
        .order_by(ApiClientBrand.created_at, ApiClientBrand.id)
    )
    for grant in result.scalars():
        granted[grant.api_client_id].append(grant.brand_id)
    return granted


async def revoke_api_client(
    uow: UnitOfWork, grantee: Grantee, *, api_client_id: uuid.UUID
) -> ApiClient:
    """Deactivate a client: no new or refreshed tokens, its own tokens refused from now on.

    Its client-credentials tokens stop working at the next request. Kept (not
    deleted) for the audit trail; revoking twice changes nothing.
    Needs `api_clients:manage`; another tenant's client is `NotFoundError`. Flushes.
    """
    require(grantee, Permission.API_CLIENTS_MANAGE)
    client = await ApiClientRepository(uow).get(api_client_id)
    if client.is_active:
        client.is_active = False
        await uow.flush()
    return client


async def get_active_client_or_none(uow: UnitOfWork, *, client_id: str) -> ApiClient | None:
    """The scope's active client with this public id, or None (also for another tenant's id)."""
    scope = uow.require_scope()
    if tenant_of_client_id(client_id) != scope.tenant_id:
        return None
    client = await ApiClientRepository(uow).get_by_client_id_or_none(client_id)
    return client if client is not None and client.is_active else None


def verify_client_secret(client: ApiClient, secret: str) -> bool:
    """True when `secret` is the client's. Blocking (argon2): call from a worker thread."""
    return client.secret_hash is not None and verify_password(client.secret_hash, secret)


@dataclass(frozen=True, slots=True)
class ClientPrincipal:
    """An API client acting for itself (client credentials) and what the policy needs."""

    client: ApiClient
    tenant: Tenant
    grantee: Grantee


async def load_client_principal(
    uow: UnitOfWork, *, client_id: str, scopes: frozenset[str]
) -> ClientPrincipal:
    """The scope's active client as a grantee of its role; `NotFoundError` otherwise."""
    scope = uow.require_scope()
    client = await get_active_client_or_none(uow, client_id=client_id)
    tenant = await get_tenant_or_none(uow, scope.tenant_id)
    if client is None or tenant is None:
        raise NotFoundError("no active API client")
    brand_ids = (
        await ApiClientBrandRepository(uow).brand_ids_for(client.id)
        if client.role in CLIENT_ROLES
        else frozenset()
    )
    grantee = Grantee(role=client.role, brand_ids=brand_ids, scopes=scopes)
    return ClientPrincipal(client=client, tenant=tenant, grantee=grantee)


# --- sign-in -------------------------------------------------------------------


@functools.cache
def _unknown_user_hash() -> str:
    # Verified against when the e-mail is unknown, so timing does not reveal it.
    return hash_password(secrets.token_urlsafe(24))


async def authenticate_member(
    uow: UnitOfWork, *, tenant_slug: str, email: str, password: str, now: datetime
) -> Member | None:
    """The scope tenant's active member with these credentials, or None.

    One answer for every failure (another tenant's slug, an unknown e-mail, a
    wrong password, no active membership), and an unknown e-mail costs the
    same argon2 verification as a known one; argon2 runs in a worker thread.
    On success the user's `last_login_at` is set (the caller commits).
    """
    scope = uow.require_scope()
    tenant = await get_tenant_or_none(uow, scope.tenant_id)
    user = await get_user_by_email_or_none(uow, email)
    password_hash = user.password_hash if user is not None and user.password_hash else None
    verified = await asyncio.to_thread(
        verify_password, password_hash or _unknown_user_hash(), password
    )
    if not verified or password_hash is None or user is None or tenant is None:
        return None
    if tenant.slug != tenant_slug.strip().lower():
        return None
    member = await load_active_member_or_none(uow, user_id=user.id)
    if member is not None:
        user.last_login_at = now
        await uow.flush()
    return member


async def load_active_member_or_none(
    uow: UnitOfWork, *, user_id: uuid.UUID, scopes: frozenset[str] = frozenset()
) -> Member | None:
    """The active member of the scope's tenant, or None."""
    try:
        return await load_member(uow, user_id=user_id, scopes=scopes)
    except NotFoundError:
        return None


# --- authorization codes -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Redemption(Generic[T]):
    """What presenting a single-use credential gave.

    `reuse_detected` means it had been used before: what was issued from it is
    now revoked, and the caller must commit although the request fails.
    """

    credential: T | None
    reuse_detected: bool = False


async def save_authorization_code(
    uow: UnitOfWork,
    *,
    client: ApiClient,
    user_id: uuid.UUID,
    code: str,
    redirect_uri: str,
    scopes: Collection[str],
    code_challenge: str,
    code_challenge_method: str,
    now: datetime,
) -> AuthorizationCode:
    """Store a new code (hashed) for the client and user; expired codes are cleared."""
    if code_challenge_method != PKCE_METHOD or not code_challenge:
        raise ValidationError("PKCE with S256 is required", field="code_challenge")
    codes = AuthorizationCodeRepository(uow)
    await codes.delete_expired(before=now)
    saved = codes.add(
        AuthorizationCode(
            code_hash=hash_opaque_token(code),
            api_client_id=client.id,
            user_id=user_id,
            redirect_uri=redirect_uri,
            scopes=sorted(scopes),
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            expires_at=now + timedelta(seconds=AUTHORIZATION_CODE_TTL_SECONDS),
        )
    )
    await uow.flush()
    return saved


async def redeem_authorization_code(
    uow: UnitOfWork, *, client: ApiClient, code: str, now: datetime
) -> Redemption[AuthorizationCode]:
    """Use the client's code once.

    An unknown, expired or other client's code gives nothing. A code used
    before gives nothing and revokes the refresh tokens (and their access
    tokens) issued from it, as RFC 6749 §4.1.2 asks.
    """
    codes = AuthorizationCodeRepository(uow)
    code_hash = hash_opaque_token(code)
    claimed = await codes.claim_unused(code_hash=code_hash, api_client_id=client.id, now=now)
    if claimed is not None:
        return Redemption(claimed)
    known = await codes.get_by_hash_or_none(code_hash)
    if known is not None and known.api_client_id == client.id and known.used_at is not None:
        await revoke_token_family(uow, family_id=known.id, now=now)
        return Redemption(None, reuse_detected=True)
    return Redemption(None)


# --- refresh tokens ------------------------------------------------------------


async def save_refresh_token(
    uow: UnitOfWork,
    *,
    client: ApiClient,
    user_id: uuid.UUID,
    token: str,
    family_id: uuid.UUID,
    scopes: Collection[str],
    access_token_id: str,
    access_token_expires_at: datetime,
    now: datetime,
) -> RefreshToken:
    """Store a refresh token (hashed) of `family_id`, with the access token issued beside it."""
    saved = RefreshTokenRepository(uow).add(
        RefreshToken(
            token_hash=hash_opaque_token(token),
            family_id=family_id,
            api_client_id=client.id,
            user_id=user_id,
            scopes=sorted(scopes),
            expires_at=now + timedelta(seconds=REFRESH_TOKEN_TTL_SECONDS),
            access_token_id=access_token_id,
            access_token_expires_at=access_token_expires_at,
        )
    )
    await uow.flush()
    return saved


async def rotate_refresh_token(
    uow: UnitOfWork, *, client: ApiClient, token: str, now: datetime
) -> Redemption[RefreshToken]:
    """Use the client's live refresh token once (it is marked rotated).

    A rotated token presented again revokes its whole family, including the
    newest token and the access tokens issued with them. Revoked, expired,
    unknown or other clients' tokens give nothing.
    """
    tokens = RefreshTokenRepository(uow)
    token_hash = hash_opaque_token(token)
    claimed = await tokens.claim_active(token_hash=token_hash, api_client_id=client.id, now=now)
    if claimed is not None:
        return Redemption(claimed)
    known = await tokens.get_by_hash_or_none(token_hash)
    if known is not None and known.api_client_id == client.id and known.rotated_at is not None:
        await revoke_token_family(uow, family_id=known.family_id, now=now)
        return Redemption(None, reuse_detected=True)
    return Redemption(None)


async def find_refresh_token_or_none(uow: UnitOfWork, *, token: str) -> RefreshToken | None:
    """The scope's refresh token with this value, in any state."""
    return await RefreshTokenRepository(uow).get_by_hash_or_none(hash_opaque_token(token))


# --- revocation ----------------------------------------------------------------


async def revoke_token_family(uow: UnitOfWork, *, family_id: uuid.UUID, now: datetime) -> None:
    """Revoke every refresh token of the family and the unexpired access tokens issued with them."""
    family = await RefreshTokenRepository(uow).revoke_family(family_id=family_id, now=now)
    live_access_tokens = [
        (token.access_token_id, token.access_token_expires_at)
        for token in family
        if token.access_token_expires_at > now
    ]
    await RevokedAccessTokenRepository(uow).add_all_ignoring_known(live_access_tokens, now=now)


async def revoke_access_token(
    uow: UnitOfWork, *, token_id: str, expires_at: datetime, now: datetime
) -> None:
    """Refuse the access token `token_id` until it expires (idempotent).

    Revocations of tokens expired for a while (past the validation leeway)
    are cleared on the way.
    """
    revocations = RevokedAccessTokenRepository(uow)
    await revocations.delete_expired(
        before=now - timedelta(seconds=REVOCATION_KEPT_AFTER_EXPIRY_SECONDS)
    )
    await revocations.add_all_ignoring_known([(token_id, expires_at)], now=now)


async def is_access_token_revoked(uow: UnitOfWork, *, token_id: str) -> bool:
    """True when the scope's access token `token_id` was revoked (one unique-index read)."""
    return await RevokedAccessTokenRepository(uow).contains(token_id)
