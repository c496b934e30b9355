"""Pure rules of the authorization server.

Identifiers, scope arithmetic, redirect URI and client registration checks,
and the login throttle: functions over plain values, no I/O.
"""

import hashlib
import ipaddress
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from domain.authz.policy import CLIENT_ROLES, Role, parse_scopes, scopes_for_role
from domain.oauth.errors import InvalidClientRegistrationError


class GrantType(StrEnum):
    AUTHORIZATION_CODE = "authorization_code"
    CLIENT_CREDENTIALS = "client_credentials"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105 (a grant type name)


#: Grant types a client is registered with; refresh tokens come with the code grant.
REGISTRABLE_GRANT_TYPES = (GrantType.AUTHORIZATION_CODE, GrantType.CLIENT_CREDENTIALS)

#: OpenID scopes a user may always consent to; they carry no permission.
IDENTITY_SCOPES = frozenset({"openid", "profile", "email"})

CLIENT_ID_PREFIX = "pc_"
REFRESH_TOKEN_PREFIX = "prt_"  # noqa: S105 (a prefix, not a secret)
#: The only PKCE method accepted: `plain` would send the verifier in the clear.
PKCE_METHOD = "S256"

AUTHORIZATION_CODE_TTL_SECONDS = 300
REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600
#: A revoked token's `jti` outlives its `exp` by more than the validation leeway.
REVOCATION_KEPT_AFTER_EXPIRY_SECONDS = 300
MAX_REDIRECT_URI_LENGTH = 2000

_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_LOWER_HEX_DIGITS = frozenset("0123456789abcdef")


def client_id_for(tenant_id: uuid.UUID, random_part: str) -> str:
    """A public client id that names its tenant: `pc_<tenant hex>_<random>`.

    Carrying the tenant lets every lookup run inside that tenant's scope (and
    row-level security), so no global client table is needed. It never parses
    as a UUID, so a token's `sub` tells a client from a user.
    """
    return f"{CLIENT_ID_PREFIX}{tenant_id.hex}_{random_part}"


def tenant_of_client_id(client_id: str | None) -> uuid.UUID | None:
    """The tenant a client id names, or None when it is not one of ours."""
    if not client_id or not client_id.startswith(CLIENT_ID_PREFIX):
        return None
    tenant_hex, separator, random_part = client_id[len(CLIENT_ID_PREFIX) :].partition("_")
    if not separator or not random_part or len(tenant_hex) != 32:
        return None
    if not set(tenant_hex) <= _LOWER_HEX_DIGITS:
        return None
    return uuid.UUID(hex=tenant_hex)


def hash_opaque_token(value: str) -> str:
    """SHA-256 (hex) of a random code or refresh token.

    These values carry 256 bits of randomness, so a fast unsalted hash is
    enough and keeps them findable by hash; client secrets use argon2 instead.
    """
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def grantable_scopes(role: Role) -> frozenset[str]:
    """Scopes a token acting with `role` may carry."""
    return frozenset(scopes_for_role(role)) | IDENTITY_SCOPES


def granted_scopes(
    *, requested: Collection[str], client_allowed: Collection[str], role: Role
) -> frozenset[str]:
    """Requested (all the client's when none) ∩ the client's ∩ what the role may use."""
    wanted = frozenset(requested) if requested else frozenset(client_allowed)
    return wanted & frozenset(client_allowed) & grantable_scopes(role)


def format_scopes(scopes: Collection[str]) -> str:
    """The space-separated, sorted form used in tokens and responses."""
    return " ".join(sorted(scopes))


def check_redirect_uri(uri: str) -> str:
    """`uri` when it may receive authorization codes; `InvalidClientRegistrationError` otherwise.

    Allowed: https URLs, http only on a loopback host (native apps, RFC 8252
    §7.3), and private-use schemes in reverse-domain form (`com.example.app:/cb`,
    RFC 8252 §7.1). Never a fragment, never whitespace.
    """
    problem = _redirect_uri_problem(uri)
    if problem:
        raise InvalidClientRegistrationError(
            f"redirect URI {uri!r} refused: {problem}", field="redirect_uris"
        )
    return uri


def _redirect_uri_problem(uri: str) -> str | None:
    if not uri or len(uri) > MAX_REDIRECT_URI_LENGTH:
        return "empty or too long"
    if any(character.isspace() for character in uri):
        return "contains whitespace"
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "not a URL"
    if parts.fragment or "#" in uri:
        return "has a fragment"
    if parts.scheme == "https":
        return None if parts.hostname else "has no host"
    if parts.scheme == "http":
        return None if _is_loopback(parts.hostname) else "http only on a loopback host"
    if "." in parts.scheme and not parts.netloc:
        return None
    return "use https, loopback http or a reverse-domain private scheme"


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host in _LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class ClientRegistration:
    """A client's settings after the registration rules accepted them."""

    grant_types: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    role: Role
    is_public: bool


def check_client_registration(
    *,
    grant_types: Collection[str],
    redirect_uris: Collection[str],
    scopes: Collection[str],
    role: Role,
    is_public: bool,
    brand_count: int,
) -> ClientRegistration:
    """Normalise a new client's settings; `InvalidClientRegistrationError` names the problem.

    - grant types: `authorization_code` and/or `client_credentials`; the code
      grant brings `refresh_token`;
    - public clients (no secret) only use the code grant (always with PKCE);
    - the code grant needs redirect URIs, client credentials alone takes none;
    - scopes are known names; a client-credentials client's scopes must fit
      its role, which bounds what its own tokens may do;
    - client roles need brand grants, staff roles take none.
    """
    requested = set(grant_types)
    unknown = sorted(requested - {grant.value for grant in REGISTRABLE_GRANT_TYPES})
    if unknown or not requested:
        raise InvalidClientRegistrationError(
            "grant types: authorization_code and/or client_credentials", field="grant_types"
        )
    uses_code = GrantType.AUTHORIZATION_CODE.value in requested
    uses_credentials = GrantType.CLIENT_CREDENTIALS.value in requested
    if is_public and uses_credentials:
        raise InvalidClientRegistrationError(
            "a public client (no secret) may only use authorization_code", field="public"
        )
    uris = tuple(dict.fromkeys(check_redirect_uri(uri) for uri in redirect_uris))
    if uses_code and not uris:
        raise InvalidClientRegistrationError(
            "authorization_code needs at least one redirect URI", field="redirect_uris"
        )
    if not uses_code and uris:
        raise InvalidClientRegistrationError(
            "redirect URIs are only for authorization_code", field="redirect_uris"
        )
    try:
        allowed = parse_scopes(scopes)
    except ValueError as error:
        raise InvalidClientRegistrationError(str(error), field="scopes") from error
    if not allowed:
        raise InvalidClientRegistrationError("at least one scope", field="scopes")
    if uses_credentials:
        beyond = sorted(allowed - grantable_scopes(role))
        if beyond:
            raise InvalidClientRegistrationError(
                f"role {role} cannot use scopes: {', '.join(beyond)}", field="scopes"
            )
    if role in CLIENT_ROLES and brand_count == 0:
        raise InvalidClientRegistrationError(f"{role} needs at least one brand", field="brands")
    if role not in CLIENT_ROLES and brand_count:
        raise InvalidClientRegistrationError(
            f"{role} acts on every brand; brands are for client roles", field="brands"
        )
    granted = [GrantType.AUTHORIZATION_CODE.value] if uses_code else []
    if uses_credentials:
        granted.append(GrantType.CLIENT_CREDENTIALS.value)
    if uses_code:
        granted.append(GrantType.REFRESH_TOKEN.value)
    return ClientRegistration(
        grant_types=tuple(granted),
        redirect_uris=uris,
        scopes=tuple(sorted(allowed)),
        role=role,
        is_public=is_public,
    )


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    """How many failed sign-ins lock the login form for a while.

    Counted per account (tenant + e-mail) and per client address within a
    fixed window; a locked form refuses without checking the password.
    """

    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    window_seconds: int = 900

    def is_locked(self, *, account_failures: int, address_failures: int) -> bool:
        return (
            account_failures >= self.max_failures_per_account
            or address_failures >= self.max_failures_per_address
        )
