"""Signed access tokens: what is accepted and what is refused."""

import uuid
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from api.auth.keys import load_or_create_signing_key, public_jwks
from api.auth.tokens import InvalidTokenError, TokenService

TENANT = uuid.UUID("00000000-0000-0000-0000-00000000000a")
USER = uuid.UUID("00000000-0000-0000-0000-0000000000u1".replace("u", "0"))
NOW = 1_800_000_000


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> RSAKey:
    return load_or_create_signing_key(tmp_path_factory.mktemp("keys") / "jwt.json")


@pytest.fixture(scope="module")
def tokens(signing_key: RSAKey) -> TokenService:
    return TokenService(signing_key, issuer="https://parley.test", audience="parley-api")


def issue(tokens: TokenService, **overrides: object) -> str:
    arguments: dict[str, object] = {
        "subject": str(USER),
        "tenant_id": TENANT,
        "scopes": frozenset({"inbox:read", "admin"}),
        "ttl_seconds": 600,
        "now": NOW,
    }
    arguments.update(overrides)
    return tokens.issue(**arguments)  # type: ignore[arg-type]


def test_a_fresh_token_validates_into_its_claims(tokens: TokenService) -> None:
    token = tokens.validate(issue(tokens), now=NOW + 10)
    assert token.user_id == USER
    assert token.tenant_id == TENANT
    assert token.scopes == frozenset({"inbox:read", "admin"})
    assert token.expires_at == NOW + 600
    assert token.client_id is None


def test_an_expired_token_is_refused(tokens: TokenService) -> None:
    with pytest.raises(InvalidTokenError):
        tokens.validate(issue(tokens), now=NOW + 600 + 31)


@pytest.mark.parametrize(
    ("issuer", "audience"),
    [("https://evil.test", "parley-api"), ("https://parley.test", "other-api")],
)
def test_wrong_issuer_or_audience_is_refused(
    signing_key: RSAKey, tokens: TokenService, issuer: str, audience: str
) -> None:
    foreign = TokenService(signing_key, issuer=issuer, audience=audience)
    with pytest.raises(InvalidTokenError):
        tokens.validate(issue(foreign), now=NOW)


def test_a_token_signed_with_another_key_is_refused(tokens: TokenService) -> None:
    other_key = RSAKey.generate_key(2048, private=True)
    other = TokenService(other_key, issuer=tokens.issuer, audience=tokens.audience)
    with pytest.raises(InvalidTokenError):
        tokens.validate(issue(other), now=NOW)


def test_a_tampered_payload_is_refused(tokens: TokenService) -> None:
    header, payload, signature = issue(tokens).split(".")
    tampered_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    with pytest.raises(InvalidTokenError):
        tokens.validate(f"{header}.{tampered_payload}.{signature}", now=NOW)


def test_unsigned_and_symmetric_tokens_are_refused(tokens: TokenService) -> None:
    claims: dict[str, object] = {
        "iss": tokens.issuer,
        "aud": tokens.audience,
        "sub": str(USER),
        "tid": str(TENANT),
        "exp": NOW + 600,
    }

    hs_token = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key("x" * 32))
    with pytest.raises(InvalidTokenError):
        tokens.validate(hs_token, now=NOW)
    with pytest.raises(InvalidTokenError):
        tokens.validate("not-a-token", now=NOW)


def test_a_token_without_tenant_is_refused(tokens: TokenService, signing_key: RSAKey) -> None:
    claims = {"iss": tokens.issuer, "aud": tokens.audience, "sub": str(USER), "exp": NOW + 60}
    token = jwt.encode({"alg": "RS256", "kid": signing_key.kid}, claims, signing_key)
    with pytest.raises(InvalidTokenError):
        tokens.validate(token, now=NOW)


def test_signing_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "jwt.json"
    first = load_or_create_signing_key(path)
    second = load_or_create_signing_key(path)
    assert first.kid == second.kid
    assert path.stat().st_mode & 0o777 == 0o600
    published = public_jwks(TokenService(first, issuer="i", audience="a").keys)
    assert published["keys"] == [
        {"kty": "RSA", "n": first.as_dict()["n"], "e": "AQAB", "kid": first.kid, "use": "sig"}
        | {"alg": "RS256"}
    ]
    assert "d" not in published["keys"][0]
