"""Pure rules of external identity providers: what may be registered, what a token's claims mean."""

import ipaddress
from collections.abc import Collection, Mapping
from urllib.parse import urlsplit

from domain.authz.policy import ALL_SCOPES
from domain.identity_providers.errors import InvalidIdentityProviderError

#: Asymmetric algorithms only: a shared-secret (HS*) algorithm would let anyone who
#: fetched the public JWKS sign tokens, and `none` signs nothing.
SUPPORTED_ALGORITHMS: tuple[str, ...] = ("RS256", "ES256")
DEFAULT_ALGORITHMS: tuple[str, ...] = ("RS256",)

_LOOPBACK_NAMES = frozenset({"localhost"})


def check_issuer(issuer: str) -> str:
    """`issuer` as it must appear in tokens' `iss`; `InvalidIdentityProviderError` otherwise.

    HTTPS is required (keys fetched over plain HTTP could be swapped in transit),
    except on loopback hosts, where a local test or development issuer runs. No
    query or fragment (OpenID Connect Discovery forbids them); the text is kept
    exactly, as `iss` is compared byte for byte.
    """
    parts = urlsplit(issuer)
    if parts.query or parts.fragment or not parts.hostname or issuer != issuer.strip():
        raise InvalidIdentityProviderError(
            "the issuer must be a URL without query or fragment", field="issuer"
        )
    if parts.scheme == "https":
        return issuer
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return issuer
    raise InvalidIdentityProviderError("the issuer must be an https:// URL", field="issuer")


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_audience(audience: str) -> str:
    """The audience, non-empty and without surrounding blanks."""
    if not audience or audience != audience.strip() or len(audience) > 500:
        raise InvalidIdentityProviderError(
            "the audience must be 1 to 500 characters without surrounding blanks",
            field="audience",
        )
    return audience


def check_algorithms(algorithms: Collection[str]) -> list[str]:
    """The allowlist, sorted; each must be one of `SUPPORTED_ALGORITHMS`."""
    chosen = sorted(set(algorithms))
    unsupported = [name for name in chosen if name not in SUPPORTED_ALGORITHMS]
    if not chosen or unsupported:
        raise InvalidIdentityProviderError(
            f"algorithms must be among {', '.join(SUPPORTED_ALGORITHMS)}", field="algorithms"
        )
    return chosen


def audiences_of(claims: Mapping[str, object]) -> frozenset[str]:
    """The token's `aud` as a set (a string or a list of strings)."""
    audience = claims.get("aud")
    if isinstance(audience, str):
        return frozenset({audience})
    if isinstance(audience, list):
        return frozenset(item for item in audience if isinstance(item, str))
    return frozenset()


def granted_scopes(claims: Mapping[str, object]) -> frozenset[str]:
    """The token's `scope` (space-separated) or `scp` (list or string), limited to ours.

    Scopes Parley does not define are dropped, never mapped: an issuer's `admin`
    means whatever that issuer says, ours only what the policy says.
    """
    raw = claims.get("scope", claims.get("scp"))
    if isinstance(raw, str):
        named = raw.split()
    elif isinstance(raw, list):
        named = [item for item in raw if isinstance(item, str)]
    else:
        named = []
    return frozenset(named) & frozenset(ALL_SCOPES)


def member_email(claims: Mapping[str, object]) -> str | None:
    """The `email` claim, unless the issuer says it is not verified."""
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        return None
    if claims.get("email_verified") is False:
        return None
    return email
