"""Validated access tokens are remembered until they expire, never beyond what validation allows."""

import uuid

import pytest
from joserfc.jwk import RSAKey

from api.auth.keys import load_or_create_signing_key
from api.auth.token_cache import VerifiedTokenCache
from api.auth.tokens import InvalidTokenError, TokenService

TENANT = uuid.UUID("00000000-0000-0000-0000-00000000000a")
USER = uuid.UUID("00000000-0000-0000-0000-000000000001")
NOW = 1_800_000_000


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> RSAKey:
    return load_or_create_signing_key(tmp_path_factory.mktemp("keys") / "jwt.json")


@pytest.fixture(scope="module")
def tokens(signing_key: RSAKey) -> TokenService:
    return TokenService(signing_key, issuer="https://parley.test", audience="parley-api")


def issue(tokens: TokenService, *, ttl_seconds: int = 600, subject: str = str(USER)) -> str:
    return tokens.issue(
        subject=subject,
        tenant_id=TENANT,
        scopes=frozenset({"inbox:read"}),
        ttl_seconds=ttl_seconds,
        now=NOW,
    )


def test_a_token_validates_as_the_token_service_says_and_is_then_remembered(
    tokens: TokenService,
) -> None:
    cache = VerifiedTokenCache(tokens, clock=Clock(NOW + 10))
    token = issue(tokens)

    first = cache.validate(token)
    again = cache.validate(token)

    assert first == tokens.validate(token, now=NOW + 10)
    assert again is first
    assert len(cache) == 1


def test_a_remembered_token_is_refused_once_validation_refuses_it(tokens: TokenService) -> None:
    clock = Clock(NOW + 10)
    cache = VerifiedTokenCache(tokens, clock=clock)
    token = issue(tokens, ttl_seconds=60)
    cache.validate(token)

    clock.now = NOW + 60 + 31  # past `exp` and the validation leeway
    with pytest.raises(InvalidTokenError):
        cache.validate(token)
    assert len(cache) == 0


def test_a_token_is_not_remembered_past_its_expiry(tokens: TokenService) -> None:
    clock = Clock(NOW + 10)
    cache = VerifiedTokenCache(tokens, clock=clock)
    token = issue(tokens, ttl_seconds=60)
    remembered = cache.validate(token)

    clock.now = NOW + 65  # expired, still within the leeway: validated afresh, not served
    assert cache.validate(token) is not remembered
    assert len(cache) == 0


def test_a_changed_token_is_validated_afresh_and_refused(tokens: TokenService) -> None:
    cache = VerifiedTokenCache(tokens, clock=Clock(NOW + 10))
    token = issue(tokens)
    cache.validate(token)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"

    with pytest.raises(InvalidTokenError):
        cache.validate(tampered)
    with pytest.raises(InvalidTokenError):
        cache.validate("not-a-token")
    assert len(cache) == 1


def test_the_least_recently_used_token_leaves_a_full_cache(tokens: TokenService) -> None:
    cache = VerifiedTokenCache(tokens, maxsize=2, clock=Clock(NOW + 10))
    first, second, third = (issue(tokens, subject=str(uuid.uuid4())) for _ in range(3))
    kept = cache.validate(first)
    cache.validate(second)
    cache.validate(first)  # now the most recently used
    cache.validate(third)

    assert len(cache) == 2
    assert cache.validate(first) is kept


def test_the_cache_needs_room_for_a_token() -> None:
    with pytest.raises(ValueError, match="one token at least"):
        VerifiedTokenCache(TokenService.__new__(TokenService), maxsize=0)
