"""Access tokens of external OpenID Connect issuers that a tenant trusts.

A bearer token whose `iss` is not ours is validated here:

1. the issuer's routes (one per registered audience) name the tenant; the route
   whose audience is in the token's `aud` must be exactly one, and its provider
   must be enabled — both looked up in the database and remembered for
   `PROVIDER_TTL_SECONDS`, so disabling a provider takes effect within that time;
2. the issuer's discovery document and JWKS are fetched over HTTPS (HTTP on
   loopback only) with short timeouts and remembered for `KEYS_TTL_SECONDS`; a
   `kid` the remembered JWKS lacks makes one refetch (key rotation), at most one
   per `REFETCH_INTERVAL_SECONDS` and issuer; a failed fetch is never remembered;
3. the signature is checked with the provider's algorithm allowlist (RS256/ES256
   only: never `none`, never a shared-secret algorithm keyed with a public key),
   then `iss`, `aud`, `exp`, `nbf` and `iat` with `LEEWAY_SECONDS` of clock skew;
4. the provider's member claim (`email` or `sub`) must name an active member of
   the provider's tenant, read in that tenant's scope.

The result is an `AccessToken` like ours: the member's user id as subject, the
tenant, and the token's `scope`/`scp` scopes that Parley defines, so the member's
role and those scopes decide what the caller may do. Any failure raises
`ExternalTokenError` with a short code and nothing else (no claim values).
"""

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from starlette.requests import HTTPConnection

from api.auth.tokens import AccessToken
from api.services import services_of
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.identity_providers.errors import InvalidIdentityProviderError
from domain.identity_providers.rules import (
    SUPPORTED_ALGORITHMS,
    audiences_of,
    check_issuer,
    granted_scopes,
)
from domain.identity_providers.service import (
    IssuerRoute,
    TrustedIssuer,
    issuer_routes,
    load_trusted_issuer,
    member_user_id,
)
from domain.shared.errors import NotFoundError
from domain.shared.tenancy import Actor, TenantScope

logger = logging.getLogger(__name__)

PROVIDER_TTL_SECONDS = 10.0
KEYS_TTL_SECONDS = 300.0
REFETCH_INTERVAL_SECONDS = 10.0
LEEWAY_SECONDS = 60
FETCH_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
#: Bounds what a flood of tokens naming made-up issuers can make a process remember.
MAX_REMEMBERED_ISSUERS = 1024

_ACTOR = Actor.system("external-issuer-auth")
_KEY_TYPES = frozenset({"RSA", "EC"})

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class ExternalTokenError(Exception):
    """The external token is refused; `code` says why, for the 401 and the logs."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class _Remembered(Generic[T]):
    value: T
    until: float


@dataclass(frozen=True, slots=True)
class _IssuerKeys:
    keys: KeySet
    kids: frozenset[str | None]


def _unverified_part(token: str, index: int) -> dict[str, object] | None:
    """The JSON object of a compact JWT's header (0) or payload (1), unverified; None if none."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        decoded = json.loads(
            base64.urlsafe_b64decode(parts[index] + "=" * (-len(parts[index]) % 4))
        )
    except (binascii.Error, ValueError):
        return None
    return decoded if isinstance(decoded, dict) else None


def unverified_issuer(token: str) -> str | None:
    """The `iss` a compact JWT claims, unverified; None when the text is not a JWT with one."""
    issuer = (_unverified_part(token, 1) or {}).get("iss")
    return issuer if isinstance(issuer, str) else None


def _unverified(token: str, index: int) -> dict[str, object]:
    part = _unverified_part(token, index)
    if part is None:
        raise ExternalTokenError("malformed_token")
    return part


class ExternalIssuers:
    """Validates external issuers' tokens for one server process (module docstring).

    `transport` replaces httpx's network transport (tests); `clock` gives seconds.
    """

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._transport = transport
        self._clock = clock
        self._routes: dict[str, _Remembered[list[IssuerRoute]]] = {}
        self._providers: dict[uuid.UUID, _Remembered[TrustedIssuer | None]] = {}
        self._keys: dict[str, _Remembered[_IssuerKeys]] = {}
        self._last_refetch: dict[str, float] = {}
        self._fetching: dict[str, asyncio.Lock] = {}

    async def validate(self, database: Database, token: str, *, issuer: str) -> AccessToken:
        """The meaning of `token`, which claims `issuer`; `ExternalTokenError` otherwise."""
        claimed_audiences = audiences_of(_unverified(token, 1))
        trusted = await self._trusted_issuer(database, issuer, claimed_audiences)
        header = _unverified(token, 0)
        algorithm = header.get("alg")
        if algorithm not in trusted.algorithms or algorithm not in SUPPORTED_ALGORITHMS:
            raise ExternalTokenError("algorithm_not_allowed")
        keys = await self._keys_with(issuer, header.get("kid"))
        claims = _verified_claims(token, keys, trusted, now=int(self._clock()))
        async with UnitOfWork(database, actor=_ACTOR, scope=TenantScope(trusted.tenant_id)) as uow:
            try:
                user_id = await member_user_id(uow, trusted=trusted, claims=claims)
            except NotFoundError as error:
                raise ExternalTokenError("unknown_member") from error
        return AccessToken(
            subject=str(user_id),
            tenant_id=trusted.tenant_id,
            scopes=granted_scopes(claims),
            expires_at=_int_claim(claims, "exp") or 0,
            # Never stored as revoked (revocation is ours to issue), but unique per token.
            token_id="ext_" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:32],
            issued_at=_int_claim(claims, "iat"),
        )

    # --- providers ---------------------------------------------------------------

    async def _trusted_issuer(
        self, database: Database, issuer: str, audiences: frozenset[str]
    ) -> TrustedIssuer:
        routes = await self._routes_of(database, issuer)
        matching = [route for route in routes if route.audience in audiences]
        if len(matching) != 1:
            raise ExternalTokenError("unknown_issuer")
        trusted = await self._provider_of(database, matching[0])
        if trusted is None:
            raise ExternalTokenError("unknown_issuer")
        return trusted

    async def _routes_of(self, database: Database, issuer: str) -> list[IssuerRoute]:
        now = self._clock()
        remembered = self._routes.get(issuer)
        if remembered is not None and now < remembered.until:
            return remembered.value
        async with UnitOfWork(database, actor=_ACTOR, scope=None) as uow:
            routes = await issuer_routes(uow, issuer=issuer)
        _remember(self._routes, issuer, _Remembered(routes, now + PROVIDER_TTL_SECONDS))
        return routes

    async def _provider_of(self, database: Database, route: IssuerRoute) -> TrustedIssuer | None:
        now = self._clock()
        remembered = self._providers.get(route.provider_id)
        if remembered is not None and now < remembered.until:
            return remembered.value
        async with UnitOfWork(database, actor=_ACTOR, scope=TenantScope(route.tenant_id)) as uow:
            trusted = await load_trusted_issuer(uow, provider_id=route.provider_id)
        _remember(
            self._providers, route.provider_id, _Remembered(trusted, now + PROVIDER_TTL_SECONDS)
        )
        return trusted

    # --- keys --------------------------------------------------------------------

    async def _keys_with(self, issuer: str, kid: object) -> KeySet:
        """The issuer's keys, refetched once if none has `kid` (rotation)."""
        if kid is not None and not isinstance(kid, str):
            raise ExternalTokenError("malformed_token")
        lock = self._fetching.setdefault(issuer, asyncio.Lock())
        async with lock:
            now = self._clock()
            remembered = self._keys.get(issuer)
            if remembered is None or now >= remembered.until:
                remembered = await self._fetch_and_remember(issuer)
            elif kid not in remembered.value.kids and self._may_refetch(issuer, now):
                self._last_refetch[issuer] = now
                remembered = await self._fetch_and_remember(issuer)
        if kid not in remembered.value.kids and not (
            kid is None and len(remembered.value.kids) == 1
        ):
            raise ExternalTokenError("unknown_key")
        return remembered.value.keys

    def _may_refetch(self, issuer: str, now: float) -> bool:
        last = self._last_refetch.get(issuer)
        return last is None or now - last >= REFETCH_INTERVAL_SECONDS

    async def _fetch_and_remember(self, issuer: str) -> _Remembered[_IssuerKeys]:
        keys = await self._fetch_keys(issuer)
        remembered = _Remembered(keys, self._clock() + KEYS_TTL_SECONDS)
        _remember(self._keys, issuer, remembered)
        return remembered

    async def _fetch_keys(self, issuer: str) -> _IssuerKeys:
        discovery_url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            async with httpx.AsyncClient(
                timeout=FETCH_TIMEOUT, transport=self._transport, follow_redirects=False
            ) as client:
                discovery = await _get_json(client, discovery_url)
                if discovery.get("issuer") != issuer:
                    raise ExternalTokenError("issuer_unavailable")
                jwks_uri = discovery.get("jwks_uri")
                if not isinstance(jwks_uri, str):
                    raise ExternalTokenError("issuer_unavailable")
                check_issuer(jwks_uri)
                jwks = await _get_json(client, jwks_uri)
        except (httpx.HTTPError, ValueError, InvalidIdentityProviderError) as error:
            # The issuer's host only: the URL is configuration, not personal data.
            logger.warning(
                "identity provider keys unavailable",
                extra={"issuer": issuer, "error": type(error).__name__},
            )
            raise ExternalTokenError("issuer_unavailable") from error
        return _key_set(jwks)


async def _get_json(client: httpx.AsyncClient, url: str) -> dict[str, object]:
    response = await client.get(url, headers={"Accept": "application/json"})
    if response.status_code != 200:
        raise ExternalTokenError("issuer_unavailable")
    document = response.json()
    if not isinstance(document, dict):
        raise ExternalTokenError("issuer_unavailable")
    return document


def _key_set(jwks: Mapping[str, object]) -> _IssuerKeys:
    """The signature keys of a JWKS document (RSA and EC; encryption keys left out)."""
    raw_keys = jwks.get("keys")
    if not isinstance(raw_keys, list):
        raise ExternalTokenError("issuer_unavailable")
    usable = [
        key
        for key in raw_keys
        if isinstance(key, dict) and key.get("kty") in _KEY_TYPES and key.get("use", "sig") == "sig"
    ]
    try:
        keys = KeySet.import_key_set({"keys": usable})
    except (JoseError, ValueError, TypeError) as error:
        raise ExternalTokenError("issuer_unavailable") from error
    return _IssuerKeys(keys=keys, kids=frozenset(key.get("kid") for key in usable))


def _verified_claims(
    token: str, keys: KeySet, trusted: TrustedIssuer, *, now: int
) -> dict[str, object]:
    try:
        decoded = jwt.decode(token, keys, algorithms=list(trusted.algorithms))
    except (JoseError, ValueError, TypeError) as error:
        raise ExternalTokenError("invalid_signature") from error
    registry = JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": trusted.issuer},
        aud={"essential": True, "value": trusted.audience},
        exp={"essential": True},
    )
    try:
        registry.validate(decoded.claims)
    except (JoseError, ValueError, TypeError) as error:
        raise ExternalTokenError("invalid_claims") from error
    claims: dict[str, object] = dict(decoded.claims)
    if _int_claim(claims, "exp") is None:
        raise ExternalTokenError("invalid_claims")
    return claims


def _int_claim(claims: Mapping[str, object], name: str) -> int | None:
    value = claims.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _remember(store: dict[K, V], key: K, value: V) -> None:
    store.pop(key, None)
    store[key] = value
    while len(store) > MAX_REMEMBERED_ISSUERS:
        del store[next(iter(store))]


def external_issuers_of(conn: HTTPConnection) -> ExternalIssuers:
    """The application's validator (one per process, so its caches are shared)."""
    state = conn.app.state
    issuers = getattr(state, "external_issuers", None)
    if not isinstance(issuers, ExternalIssuers):
        issuers = ExternalIssuers()
        state.external_issuers = issuers
    return issuers


async def validate_if_external(conn: HTTPConnection, token: str) -> AccessToken | None:
    """The token's meaning when it claims an issuer other than ours, else None.

    None leaves the token to our own validation (which refuses what is not a
    token of ours). `ExternalTokenError` when an external token is refused.
    """
    services = services_of(conn)
    issuer = unverified_issuer(token)
    if issuer is None or issuer == services.tokens.issuer:
        return None
    return await external_issuers_of(conn).validate(services.database, token, issuer=issuer)
